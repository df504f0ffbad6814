-- Access control: console users and their sessions, API tokens for OpenAPI
-- clients, short-lived video credentials that MediaMTX's auth hook checks,
-- and camera groups that limit a principal to some cameras. Every secret is
-- stored as a SHA-256 of a 256-bit random value (sessions and tokens) or as
-- an Argon2id hash (passwords), so a dump of these tables opens nothing.

-- A camera is visible to principals limited to groups when it shares one.
ALTER TABLE cameras ADD COLUMN groups text[] NOT NULL DEFAULT '{}';
CREATE INDEX cameras_groups ON cameras USING gin (groups);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL,
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    role          text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    -- NULL: every camera; otherwise only cameras sharing one of these.
    groups        text[],
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
    token_hash bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users ON DELETE CASCADE,
    -- Sent back in X-CSRF-Token on every write made with the cookie.
    csrf_token text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    role         text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    groups       text[],
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- What a player shows MediaMTX: minutes long, and only as good as the user
-- or token it was issued to (disabling or revoking that ends it too).
CREATE TABLE video_tokens (
    token_hash   bytea       PRIMARY KEY,
    user_id      bigint      REFERENCES users ON DELETE CASCADE,
    api_token_id bigint      REFERENCES api_tokens ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    CHECK (num_nonnulls(user_id, api_token_id) = 1)
);
CREATE INDEX video_tokens_expiry ON video_tokens (expires_at);

-- Failed logins per lower-cased username, whether or not such a user
-- exists (so the answer never tells which do), shared by every replica.
CREATE TABLE login_throttle (
    username      text        PRIMARY KEY,
    failures      integer     NOT NULL,
    blocked_until timestamptz
);

-- The audit view of a camera now shows its groups too.
CREATE OR REPLACE FUNCTION audit_camera_view(c cameras) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'name', c.name,
        'stream_url', regexp_replace(c.stream_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@', '\1***@'),
        'location', c.location,
        'enabled', c.enabled,
        'on_demand', c.on_demand,
        'max_readers', c.max_readers,
        'groups', to_jsonb(c.groups))
$$;
