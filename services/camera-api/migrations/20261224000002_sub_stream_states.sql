-- A sub-stream's state has a `since` of its own, kept beside its camera's.
ALTER TABLE camera_states ADD COLUMN stream text NOT NULL DEFAULT 'main'
    CHECK (stream IN ('main', 'sub'));
ALTER TABLE camera_states DROP CONSTRAINT camera_states_pkey;
ALTER TABLE camera_states ADD PRIMARY KEY (camera_id, stream);
