-- Fold case by Unicode's rules (ICU), not the database's locale: in a `C`
-- cluster `lower('É')` is `É`, so `Café` and `CAFÉ` were two names.
DROP INDEX cameras_lower_name;
CREATE INDEX cameras_folded_name ON cameras (lower(name COLLATE "und-x-icu"));
