-- Whether a principal sees a camera: with no limit (NULL groups) every
-- camera, else those sharing one of its groups. The one statement of the
-- rule in SQL, used by every query that decides it; `Principal::sees`
-- (src/auth/mod.rs) is the same rule in Rust, and tests/api/visibility.rs
-- checks that the two agree.
--
-- A single SQL expression, IMMUTABLE, neither STRICT nor SECURITY DEFINER:
-- PostgreSQL then inlines it into each query, where `principal_groups &&
-- camera_groups` can still use the GIN index on cameras.groups.
CREATE FUNCTION camplane_sees(principal_groups text[], camera_groups text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT principal_groups IS NULL OR principal_groups && camera_groups $$;
