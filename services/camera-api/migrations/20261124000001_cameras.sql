-- The camera registry. PostgreSQL is the source of truth; MediaMTX is only ever
-- converged on what this table says.
CREATE TABLE cameras (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- The full RTSP URL, credentials included: MediaMTX needs them to pull the
    -- stream. The API only ever shows it masked.
    stream_url  text        NOT NULL CHECK (octet_length(stream_url) <= 2048),
    location    text        CHECK (char_length(location) <= 200),
    enabled     boolean     NOT NULL DEFAULT true,
    on_demand   boolean     NOT NULL DEFAULT true,
    max_readers integer     NOT NULL DEFAULT 0 CHECK (max_readers BETWEEN 0 AND 1000),
    -- Bumped on every edit; it is the ETag, so two operators editing the same
    -- camera can't silently overwrite each other (If-Match).
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Names are unique regardless of case ("Lobby" and "lobby" would confuse an
-- operator); the index name is what the service maps to 409 Conflict.
CREATE UNIQUE INDEX cameras_name_key ON cameras (lower(name));
