-- The last probe of each camera (POST /api/cameras/{id}/probe), shown in its
-- status: an operator sees why a camera is offline without probing again.
CREATE TABLE camera_probes (
    camera_id     bigint      PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    probed_at     timestamptz NOT NULL,
    ok            boolean     NOT NULL,
    -- When the current run of failed probes began; NULL while probes pass.
    failing_since timestamptz,
    -- The probe as the API shows it (passwords already masked).
    result        jsonb       NOT NULL
);
