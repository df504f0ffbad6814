-- Who may do what changes when a user's role, groups or state change, a
-- user or API token goes, or a console session ends: each replica keeps the
-- principals it looked up for a moment, and this tells every replica to
-- forget them at once. Statement-level: a change of many rows is one
-- announcement. Logins and `last_used_at` touches change nobody's rights,
-- so they announce nothing.
CREATE FUNCTION camplane_announce_access() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('camplane_access', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER users_announce_access
    AFTER UPDATE OF role, groups, disabled, password_hash OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION camplane_announce_access();
CREATE TRIGGER api_tokens_announce_access
    AFTER UPDATE OF role, groups, expires_at, revoked_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION camplane_announce_access();
CREATE TRIGGER sessions_announce_access
    AFTER UPDATE OF expires_at OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION camplane_announce_access();
