-- The labels a node must carry to serve a camera (e.g. {"site": "north"}):
-- placement puts the camera only on a registered node whose labels include
-- them all. Empty asks nothing. Checked as node labels are, by the service.
ALTER TABLE cameras
    ADD COLUMN node_labels jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(node_labels) = 'object');

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
        'external_id', c.external_id,
        'node_labels', c.node_labels)
$$;
