-- Camera passwords at rest: `stream_url` keeps the URL with its password
-- masked (`rtsp://user:***@host/...`, what the API shows), and the password
-- itself is sealed by the service (XChaCha20-Poly1305 under
-- CAMPLANE_SECRET_KEY, the camera id as associated data; see
-- src/secrets.rs). A dump of this database holds no usable password.
--
-- SQL can't encrypt with a key it doesn't have, so this migration only makes
-- room: right after migrating, before it serves, the service seals every
-- password still in `stream_url` (cameras::seal_stored) and then validates
-- the constraint below, which holds from then on for every row. It refuses to
-- start without a key, so no row is left in the clear by a start-up.
ALTER TABLE cameras
    -- The nonce, then the ciphertext and its tag.
    ADD COLUMN password_sealed bytea,
    -- Which key sealed it: a fingerprint of the key, never the key. Lets
    -- `camera-api rotate-key` and start-up tell rotated rows from the rest.
    ADD COLUMN password_key_id text,
    -- A URL has a password only in sealed form; a plaintext one is refused.
    -- NOT VALID: rows from before this migration are sealed by the service.
    ADD CONSTRAINT cameras_password_sealed CHECK (
        CASE WHEN password_sealed IS NULL
             THEN password_key_id IS NULL AND stream_url !~ '^rtsps?://[^/@]*@'
             ELSE password_key_id IS NOT NULL AND stream_url ~ '^rtsps?://[^/@:]*:\*\*\*@'
        END) NOT VALID;

-- The audit trigger told a new password by a changed `stream_url` whose
-- masked form stayed the same. The password now lives in `password_sealed`,
-- and re-sealing under a new key (rotate-key) or sealing a plaintext row at
-- start-up changes no credentials, so neither is recorded as a change.
CREATE OR REPLACE FUNCTION audit_camera_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- never what they were or became.
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
