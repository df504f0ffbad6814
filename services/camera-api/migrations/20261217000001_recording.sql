-- What each camera records and how long its recordings are kept. MediaMTX
-- records (fMP4 segments on its disk) and deletes what is older than the
-- retention; camera-api keeps each camera within its storage budget and the
-- disk above its free-space floor (src/recordings/storage.rs).
ALTER TABLE cameras
    ADD COLUMN recording text NOT NULL DEFAULT 'off' CHECK (recording IN ('off', 'continuous')),
    -- Seconds; MediaMTX's recordDeleteAfter. Ten years at most.
    ADD COLUMN retention_seconds bigint NOT NULL DEFAULT 604800
        CHECK (retention_seconds BETWEEN 1 AND 315360000),
    -- NULL: no budget of its own (only the disk's floor applies).
    ADD COLUMN storage_budget_bytes bigint CHECK (storage_budget_bytes > 0);

-- The audit view of a camera shows its recording policy too.
CREATE OR REPLACE FUNCTION audit_camera_view(c cameras) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'name', c.name,
        'stream_url', regexp_replace(c.stream_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@', '\1***@'),
        'location', c.location,
        'enabled', c.enabled,
        'on_demand', c.on_demand,
        'max_readers', c.max_readers,
        'groups', to_jsonb(c.groups),
        'recording', c.recording,
        'retention_seconds', c.retention_seconds,
        'storage_budget_bytes', c.storage_budget_bytes)
$$;

-- An MP4 of a range of a camera's recordings, made on request and
-- downloadable by whoever asked for it until it expires.
CREATE TABLE recording_exports (
    id            uuid        PRIMARY KEY,
    camera_id     bigint      NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    user_id       bigint      REFERENCES users (id) ON DELETE CASCADE,
    api_token_id  bigint      REFERENCES api_tokens (id) ON DELETE CASCADE,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed')),
    detail        text,
    bytes         bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CHECK ((user_id IS NULL) <> (api_token_id IS NULL))
);
CREATE INDEX recording_exports_expiry ON recording_exports (expires_at);
