-- The camera search (`q`) matches a camera's groups too, so an operator
-- typing "dock" finds the cameras of site-2.dock. A trigram index over the
-- groups as one text serves it beside the name and location's index
-- (PostgreSQL combines the two). array_to_string is only STABLE (it could
-- format elements by settings), but on text elements it is a pure join,
-- which is what this function promises.
CREATE FUNCTION camplane_groups_text(groups text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(array_to_string(groups, E'\n'));

CREATE INDEX cameras_group_search ON cameras USING gin (camplane_groups_text(groups) gin_trgm_ops);
