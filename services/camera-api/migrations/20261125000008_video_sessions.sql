-- The HLS sessions the hook let in. MediaMTX asks only when a session starts,
-- so without this a player left open keeps playing after its user is
-- disabled or its token revoked; with it, camera-api kicks such sessions.
-- No foreign keys: a deleted user's sessions must still be found and ended.
CREATE TABLE video_sessions (
    -- MediaMTX's session id, as its hook request and /v3/hlssessions name it.
    id           uuid        PRIMARY KEY,
    user_id      bigint,
    api_token_id bigint,
    camera_id    bigint      NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, api_token_id) = 1)
);
