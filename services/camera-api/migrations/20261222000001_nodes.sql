-- MediaMTX nodes: the servers cameras are placed on. With none registered,
-- the one MediaMTX of the service's settings (MEDIAMTX_API_URL) serves every
-- camera, as before nodes existed.
CREATE TABLE nodes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL,
    -- Where camera-api reaches it (control API, playback server, RTSP for
    -- snapshots) and where the edge sends viewers (HLS, WebRTC).
    api_url         text        NOT NULL,
    playback_url    text        NOT NULL,
    rtsp_url        text        NOT NULL,
    hls_url         text        NOT NULL,
    webrtc_url      text        NOT NULL,
    max_cameras     integer     NOT NULL CHECK (max_cameras > 0),
    max_readers     integer     NOT NULL CHECK (max_readers > 0),
    labels          jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    -- Takes no camera, and gives up those it has.
    draining        boolean     NOT NULL DEFAULT false,
    version         bigint      NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX nodes_name ON nodes (lower(name COLLATE "und-x-icu"));
CREATE UNIQUE INDEX nodes_api_url ON nodes (api_url);

-- What the leading replica last saw of each node; every replica reads it.
CREATE TABLE node_health (
    node_id           bigint      PRIMARY KEY REFERENCES nodes ON DELETE CASCADE,
    checked_at        timestamptz NOT NULL,
    reachable         boolean     NOT NULL,
    -- Since when it has answered (or not) without a break: failover and
    -- the return of a node are decided on these.
    since             timestamptz NOT NULL,
    mediamtx_started  timestamptz,
    error             text,
    -- Whether the last pass left it holding exactly its cameras' paths.
    converged         boolean     NOT NULL DEFAULT false
);

-- Which node serves each enabled camera (none while no node can take it).
-- Apart from the camera's row: a placement is the service's decision, not
-- an edit, so it changes neither the camera's version nor its audit trail.
CREATE TABLE camera_placements (
    camera_id  bigint      PRIMARY KEY REFERENCES cameras ON DELETE CASCADE,
    node_id    bigint      NOT NULL REFERENCES nodes ON DELETE CASCADE,
    placed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_placements_node ON camera_placements (node_id);

CREATE TRIGGER camera_placements_announce AFTER INSERT OR UPDATE OR DELETE ON camera_placements
    FOR EACH ROW EXECUTE FUNCTION camplane_announce();

