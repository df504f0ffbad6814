-- Each replica keeps the camera list in memory (src/cameras/catalog.rs) and
-- catches up by reading only the rows written since it last read. A row
-- names the transaction that last wrote it; the catalog keeps the oldest
-- transaction its last read could not see (its snapshot's xmin) and next
-- reads every row written by that transaction or a later one. A sequence
-- would not do: its numbers are taken in one order and committed in
-- another, so a reader could pass a number whose row commits after it.
ALTER TABLE cameras ADD COLUMN written_by xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE camera_provisioning ADD COLUMN written_by xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX cameras_written_by ON cameras (written_by);
CREATE INDEX camera_provisioning_written_by ON camera_provisioning (written_by);

CREATE FUNCTION camplane_note_writer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.written_by := pg_current_xact_id();
    RETURN NEW;
END $$;

CREATE TRIGGER cameras_note_writer BEFORE UPDATE ON cameras
    FOR EACH ROW EXECUTE FUNCTION camplane_note_writer();
CREATE TRIGGER camera_provisioning_note_writer BEFORE UPDATE ON camera_provisioning
    FOR EACH ROW EXECUTE FUNCTION camplane_note_writer();

-- A deleted camera leaves no row to read, so its deletion is noted here for
-- an hour; a catalog that has not caught up for half that long reads the
-- whole list again instead.
CREATE TABLE camera_deletions (
    camera_id bigint NOT NULL,
    written_by xid8 NOT NULL DEFAULT pg_current_xact_id(),
    deleted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_deletions_written_by ON camera_deletions (written_by);
CREATE INDEX camera_deletions_deleted_at ON camera_deletions (deleted_at);

CREATE FUNCTION camplane_note_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO camera_deletions (camera_id) VALUES (OLD.id);
    DELETE FROM camera_deletions WHERE deleted_at < now() - interval '1 hour';
    RETURN NULL;
END $$;

CREATE TRIGGER cameras_note_deletion AFTER DELETE ON cameras
    FOR EACH ROW EXECUTE FUNCTION camplane_note_deletion();

-- The list is read from the catalog now, so the indexes that served its
-- sorts and searches would only slow every write.
DROP INDEX cameras_search, cameras_group_search, cameras_name_prefix,
    cameras_by_name, cameras_by_name_desc, cameras_by_location, cameras_by_location_desc,
    cameras_by_created_at, cameras_by_created_at_desc, cameras_by_updated_at,
    cameras_by_updated_at_desc, cameras_enabled_by_id, cameras_enabled_by_name,
    cameras_enabled_by_name_desc, cameras_enabled_by_location,
    cameras_enabled_by_location_desc, cameras_enabled_by_created_at,
    cameras_enabled_by_created_at_desc, cameras_enabled_by_updated_at,
    cameras_enabled_by_updated_at_desc;
DROP FUNCTION camplane_groups_text(text[]);
