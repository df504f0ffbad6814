-- One-time passes for Camplane's own reads of MediaMTX's re-stream (the
-- snapshots): a pass sits in ffmpeg's command line, which any local user can
-- read with `ps`, so it opens one camera path, for the checks of one read,
-- for seconds. Unlogged: a pass lost in a crash is one snapshot retried.
CREATE UNLOGGED TABLE media_passes (
    pass_hash   bytea       PRIMARY KEY,
    path        text        NOT NULL,
    checks_left integer     NOT NULL,
    expires_at  timestamptz NOT NULL
);
