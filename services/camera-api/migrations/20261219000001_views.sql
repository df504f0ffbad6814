-- Saved views: a named layout of the live view and the camera on each of
-- its tiles, kept by a user or an API token, personal or shared with every
-- signed-in principal. Which layouts exist and how many tiles each has is
-- the service's to say (src/views), so neither is repeated here.
CREATE TABLE views (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Owners by id, not by name: a username freed by a deleted user must
    -- not hand that user's personal views to the next one to take it.
    owner_user_id  bigint      REFERENCES users ON DELETE CASCADE,
    owner_token_id bigint      REFERENCES api_tokens ON DELETE CASCADE,
    name           text        NOT NULL,
    layout         text        NOT NULL,
    -- Camera ids, NULL for an empty tile. No foreign key: a deleted camera
    -- leaves its tile showing nothing rather than changing the view, and
    -- identity columns never hand its id to another camera.
    tiles          bigint[]    NOT NULL DEFAULT '{}',
    shared         boolean     NOT NULL DEFAULT false,
    version        bigint      NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(owner_user_id, owner_token_id) = 1)
);

-- Names are unique, regardless of case folded by Unicode's rules, among an
-- owner's views and among the shared ones: the two lists a reader picks
-- from by name.
CREATE UNIQUE INDEX views_user_name ON views (owner_user_id, lower(name COLLATE "und-x-icu"))
    WHERE owner_user_id IS NOT NULL;
CREATE UNIQUE INDEX views_token_name ON views (owner_token_id, lower(name COLLATE "und-x-icu"))
    WHERE owner_token_id IS NOT NULL;
CREATE UNIQUE INDEX views_shared_name ON views (lower(name COLLATE "und-x-icu"))
    WHERE shared;
