-- Every change a console shows (a camera written, its provisioning or its
-- last probe changing) is announced on one channel, so each replica's event
-- stream (GET /api/events) sees the writes of every other replica too.
-- Payload: {"id": <camera id>, "op": "insert"|"update"|"delete", "table": ...}.
CREATE FUNCTION camplane_announce() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed record;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    PERFORM pg_notify('camplane_events', json_build_object(
        -- Through jsonb: a record's missing field is an error even in a
        -- branch that isn't taken.
        'id', coalesce(to_jsonb(changed) -> 'camera_id', to_jsonb(changed) -> 'id'),
        'op', lower(TG_OP),
        'table', TG_TABLE_NAME)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER cameras_announce AFTER INSERT OR UPDATE OR DELETE ON cameras
    FOR EACH ROW EXECUTE FUNCTION camplane_announce();
CREATE TRIGGER camera_provisioning_announce AFTER UPDATE ON camera_provisioning
    FOR EACH ROW EXECUTE FUNCTION camplane_announce();
CREATE TRIGGER camera_probes_announce AFTER INSERT OR UPDATE ON camera_probes
    FOR EACH ROW EXECUTE FUNCTION camplane_announce();
