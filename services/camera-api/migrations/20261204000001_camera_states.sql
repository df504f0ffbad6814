-- When each camera entered the state its status last showed. A status is
-- derived on read from MediaMTX, the last probe and the registry; where
-- none of those knows since when (disabled, idle, no source, MediaMTX not
-- answering), the moment a reader first saw the state stands in, so
-- `since` moves when the state does and only then.
CREATE TABLE camera_states (
    camera_id bigint      PRIMARY KEY REFERENCES cameras ON DELETE CASCADE,
    state     text        NOT NULL,
    code      text,
    since     timestamptz NOT NULL
);
