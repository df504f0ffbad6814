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
