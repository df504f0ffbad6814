-- The camera list reads a page through an index at any fleet size: one
-- index per order the API offers (`sort`), each ending in the id that
-- breaks ties, and a trigram index for the substring search (`q`).
-- src/cameras/store.rs writes the list's ORDER BY and its cursor
-- conditions with exactly these expressions, and PostgreSQL matches them
-- by their text, so a change to one is a change to both. Each order has a
-- second index that starts with `enabled`, for the list filtered by it.

-- Trigrams find a substring without reading every name. pg_trgm ships with
-- PostgreSQL (Debian's postgresql package, the official image) and is a
-- trusted extension: the database's owner may create it, no superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- `q` matches the name or the location: one index over both, with a line
-- break between them, which a search can't contain (control characters are
-- refused), so no match spans the two.
CREATE INDEX cameras_search ON cameras
    USING gin (lower(name || E'\n' || coalesce(location, '')) gin_trgm_ops);

-- A descending order keeps ties in ascending id order (as it always has),
-- so its index holds -id: read backwards it gives the key descending and
-- the ids ascending, and a cursor is one row comparison the index bounds.
CREATE INDEX cameras_by_name ON cameras (lower(name), id);
CREATE INDEX cameras_by_name_desc ON cameras (lower(name), (-id));
-- Cameras without a location come last either way: the first column puts
-- them there, and the coalesce keeps the row comparison free of NULLs.
CREATE INDEX cameras_by_location ON cameras ((location IS NULL), lower(coalesce(location, '')), id);
CREATE INDEX cameras_by_location_desc ON cameras ((location IS NOT NULL), lower(coalesce(location, '')), (-id));
CREATE INDEX cameras_by_created_at ON cameras (created_at, id);
CREATE INDEX cameras_by_created_at_desc ON cameras (created_at, (-id));
CREATE INDEX cameras_by_updated_at ON cameras (updated_at, id);
CREATE INDEX cameras_by_updated_at_desc ON cameras (updated_at, (-id));

-- The list filtered by `enabled` reads only those cameras, in order, from
-- these. Through the indexes above it would read past every camera of the
-- other kind until it had a page, and they cluster in every order (a
-- fleet's disabled cameras are often its oldest, or one site's, or named
-- alike): at 100,000 cameras, 90,000 of them disabled, a page of enabled
-- ones read most of the table.
CREATE INDEX cameras_enabled_by_id ON cameras (enabled, id);
CREATE INDEX cameras_enabled_by_name ON cameras (enabled, lower(name), id);
CREATE INDEX cameras_enabled_by_name_desc ON cameras (enabled, lower(name), (-id));
CREATE INDEX cameras_enabled_by_location ON cameras (enabled, (location IS NULL), lower(coalesce(location, '')), id);
CREATE INDEX cameras_enabled_by_location_desc ON cameras (enabled, (location IS NOT NULL), lower(coalesce(location, '')), (-id));
CREATE INDEX cameras_enabled_by_created_at ON cameras (enabled, created_at, id);
CREATE INDEX cameras_enabled_by_created_at_desc ON cameras (enabled, created_at, (-id));
CREATE INDEX cameras_enabled_by_updated_at ON cameras (enabled, updated_at, id);
CREATE INDEX cameras_enabled_by_updated_at_desc ON cameras (enabled, updated_at, (-id));
