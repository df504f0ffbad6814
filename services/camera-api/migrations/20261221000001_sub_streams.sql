-- A camera's sub-stream: an optional second, low-resolution address of the
-- same camera, served by MediaMTX as its own path (`cam_<id>_sub`) so a
-- grid of many tiles decodes small pictures and only full screen pulls the
-- main stream. Stored as the main URL is (20261125000005): masked, its
-- password sealed apart under the same key with the camera id as
-- associated data. All columns are new, so the constraint holds at once.
ALTER TABLE cameras
    ADD COLUMN sub_stream_url text,
    ADD COLUMN sub_password_sealed bytea,
    ADD COLUMN sub_password_key_id text,
    ADD CONSTRAINT cameras_sub_password_sealed CHECK (
        CASE WHEN sub_password_sealed IS NULL
             THEN sub_password_key_id IS NULL
                  AND (sub_stream_url IS NULL OR sub_stream_url !~ '^rtsps?://[^/@]*@')
             ELSE sub_password_key_id IS NOT NULL
                  AND sub_stream_url ~ '^rtsps?://[^/@:]*:\*\*\*@'
        END);

-- The last probe of the sub-stream beside the main one's; NULL when the
-- camera had none when probed.
ALTER TABLE camera_probes ADD COLUMN sub_stream_result jsonb;

CREATE OR REPLACE FUNCTION audit_camera_view(c cameras) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'name', c.name,
        'stream_url', regexp_replace(c.stream_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@', '\1***@'),
        'sub_stream_url', regexp_replace(c.sub_stream_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@', '\1***@'),
        'location', c.location,
        'enabled', c.enabled,
        'on_demand', c.on_demand,
        'max_readers', c.max_readers,
        'groups', to_jsonb(c.groups),
        'recording', c.recording,
        'retention_seconds', c.retention_seconds,
        'storage_budget_bytes', c.storage_budget_bytes,
        'external_id', c.external_id)
$$;
