-- A camera's name is unique among the cameras its writer can see, no longer
-- across the whole registry: a refusal for a name taken by a camera of
-- another group told a group-limited operator that camera's name. The
-- service checks under an advisory lock on the name; this index serves it.
DROP INDEX cameras_name_key;
CREATE INDEX cameras_lower_name ON cameras (lower(name));
