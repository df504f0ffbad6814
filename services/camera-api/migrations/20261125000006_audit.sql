-- Who did what, and when: an append-only record. Camera changes are written
-- by a trigger in the same transaction as the change, so no write path can
-- skip it and no entry exists for a change that rolled back. The acting
-- principal comes from the transaction's `camplane.actor` setting; until
-- users exist (issue 8) every change is "anonymous".
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text        NOT NULL,
    action     text        NOT NULL,
    camera_id  bigint,
    details    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_camera ON audit_log (camera_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

CREATE FUNCTION audit_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('camplane.actor', true), ''), 'anonymous')
$$;

-- A camera as the audit log shows it: the stream URL's user information
-- (user and password) is replaced, bookkeeping columns are left out.
CREATE FUNCTION audit_camera_view(c cameras) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'name', c.name,
        'stream_url', regexp_replace(c.stream_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@', '\1***@'),
        'location', c.location,
        'enabled', c.enabled,
        'on_demand', c.on_demand,
        'max_readers', c.max_readers)
$$;

CREATE FUNCTION audit_camera_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before  jsonb;
    after   jsonb;
    changes jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (actor, action, camera_id, details)
        VALUES (audit_actor(), 'camera.create', NEW.id,
                jsonb_build_object('after', audit_camera_view(NEW)));
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (actor, action, camera_id, details)
        VALUES (audit_actor(), 'camera.delete', OLD.id,
                jsonb_build_object('before', audit_camera_view(OLD)));
        RETURN NULL;
    END IF;
    before := audit_camera_view(OLD);
    after := audit_camera_view(NEW);
    SELECT jsonb_object_agg(key, jsonb_build_object('from', before -> key, 'to', value))
      INTO changes
      FROM jsonb_each(after)
     WHERE before -> key IS DISTINCT FROM value;
    -- The masked form hides the user and the password: say that they
    -- changed (another user, or a password sealed anew under the same key),
    -- never what they were or became. Re-sealing under a new key
    -- (rotate-key) or sealing a plaintext row at start-up changes no
    -- credentials, so neither is recorded as a change.
    IF before -> 'stream_url' = after -> 'stream_url'
       AND OLD.password_sealed IS NOT NULL AND NEW.password_sealed IS NOT NULL
       AND (OLD.stream_url IS DISTINCT FROM NEW.stream_url
            OR (OLD.password_sealed IS DISTINCT FROM NEW.password_sealed
                AND OLD.password_key_id = NEW.password_key_id)) THEN
        changes := coalesce(changes, '{}') || '{"credentials": "changed"}';
    END IF;
    IF changes IS NOT NULL THEN
        INSERT INTO audit_log (actor, action, camera_id, details)
        VALUES (audit_actor(), 'camera.update', NEW.id, jsonb_build_object('changes', changes));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cameras_audit AFTER INSERT OR UPDATE OR DELETE ON cameras
    FOR EACH ROW EXECUTE FUNCTION audit_camera_change();
