-- Where MediaMTX stands for each camera. Written by the reconciler only (and
-- reset to pending/deleting by camera edits), kept apart from the camera's
-- own fields as a controller's status is kept apart from its spec.
CREATE TABLE camera_provisioning (
    camera_id       bigint      PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'ready', 'error', 'deleting')),
    -- Why the last attempt failed, in words (passwords masked).
    detail          text,
    -- Failed attempts since the last success; drives the retry backoff.
    attempts        integer     NOT NULL DEFAULT 0,
    -- The camera version MediaMTX was last converged on. A success for an
    -- older version never marks a newer edit ready.
    applied_version bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO camera_provisioning (camera_id) SELECT id FROM cameras;

-- Forced reconcile passes (POST /api/reconcile). Any replica may take the
-- request; the one that holds the reconciler lock runs the pass and writes
-- the report, so the request works whichever replica it reached.
CREATE TABLE reconcile_requests (
    id           uuid        PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now(),
    report       jsonb,
    finished_at  timestamptz
);
