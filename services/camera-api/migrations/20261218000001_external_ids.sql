-- The id a camera has in another system (an asset register, the previous
-- VMS), so a bulk import can update what it created before, by that id,
-- whatever the camera has been renamed to since.
ALTER TABLE cameras ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 200);
-- The index name is what the service maps to 409 Conflict.
CREATE UNIQUE INDEX cameras_external_id_key ON cameras (external_id);

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
        'storage_budget_bytes', c.storage_budget_bytes,
        'external_id', c.external_id)
$$;
