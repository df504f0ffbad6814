import { useEffect, useState, type SyntheticEvent } from 'react';

import { ApiError, api, unwrap, type Camera, type Probe, type RecordingMode } from '../api/client';
import { describeProbe } from '../api/probe';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { Field } from '../app/Field';
import { formatGroups, parseGroups } from '../app/groups';
import { formatLabels, parseLabels } from '../app/labels';
import { Link } from '../app/Link';
import { navigate } from '../app/router';
import { budgetBytes, gigabytesOf } from './storageBudget';
import { joinStreamUrl, splitStreamUrl } from './streamUrl';
import { Alert } from '../app/Alert';
import { SubmitButton } from '../app/SubmitButton';

interface Fields {
  name: string;
  address: string;
  /** The sub-stream's address, without credentials; empty for none. */
  sub_address: string;
  user: string;
  password: string;
  location: string;
  enabled: boolean;
  on_demand: boolean;
  max_readers: string;
  /** Comma-separated, as typed. */
  groups: string;
  /** `site=north, zone=a`, as typed. */
  node_labels: string;
  recording_mode: RecordingMode;
  retention: string;
  /** Gigabytes as typed; empty for no budget of the camera's own. */
  budget_gb: string;
}

const EMPTY: Fields = {
  name: '',
  address: '',
  sub_address: '',
  user: '',
  password: '',
  location: '',
  enabled: true,
  on_demand: true,
  max_readers: '0',
  groups: '',
  node_labels: '',
  recording_mode: 'off',
  retention: '7d',
  budget_gb: '',
};

function fieldsOf(camera: Camera): Fields {
  const parts = splitStreamUrl(camera.stream_url);
  return {
    name: camera.name,
    address: parts.address,
    sub_address: camera.sub_stream_url ? splitStreamUrl(camera.sub_stream_url).address : '',
    user: parts.user,
    password: '',
    location: camera.location ?? '',
    enabled: camera.enabled,
    on_demand: camera.on_demand,
    max_readers: String(camera.max_readers),
    groups: formatGroups(camera.groups),
    node_labels: formatLabels(camera.node_labels),
    recording_mode: camera.recording.mode,
    retention: camera.recording.retention,
    budget_gb: gigabytesOf(camera.recording.storage_budget_bytes ?? null),
  };
}

type ProbeState = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; probe: Probe } | { kind: 'failed'; message: string };

export function CameraForm({ id }: { id: number | null }) {
  const [camera, setCamera] = useState<Camera | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [saving, setSaving] = useState(false);
  const [probe, setProbe] = useState<ProbeState>({ kind: 'idle' });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (id === null) return;
    let current = true;
    api.GET('/api/cameras/{id}', { params: { path: { id } } }).then(
      ({ data, response }) => {
        if (!current) return;
        if (!data) {
          setMessage(response.status === 404 ? 'This camera no longer exists.' : `Could not load the camera (${response.status}).`);
          return;
        }
        setCamera(data);
        setEtag(response.headers.get('etag'));
        setFields(fieldsOf(data));
        setErrors({});
        setConflict(false);
        setMessage(null);
      },
      () => {
        if (current) setMessage('The server cannot be reached. Check the network and retry.');
      },
    );
    return () => {
      current = false;
    };
  }, [id, generation]);

  const keepStored = Boolean(camera && splitStreamUrl(camera.stream_url).hasStoredPassword && fields.user === splitStreamUrl(camera.stream_url).user);
  const streamUrl = joinStreamUrl(fields.address, fields.user, fields.password, keepStored);
  // The sub-stream is on the same camera, with the same login: its `***`
  // stands for the stored password there.
  const subStreamUrl = fields.sub_address.trim() === '' ? null : joinStreamUrl(fields.sub_address, fields.user, fields.password, keepStored);
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => {
    setFields((old) => ({ ...old, [key]: value }));
  };

  const fail = (err: unknown) => {
    if (!(err instanceof ApiError)) {
      setMessage(String(err));
      return;
    }
    if (err.status === 412) {
      setConflict(true);
      return;
    }
    const fieldErrors = err.fieldErrors();
    if (err.status === 409 && Object.keys(fieldErrors).length === 0) fieldErrors.name = err.message;
    setErrors(fieldErrors);
    setMessage(Object.keys(fieldErrors).length ? 'Some fields need attention.' : err.message);
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    setSaving(true);
    setMessage(null);
    setErrors({});
    const nodeLabels = parseLabels(fields.node_labels);
    if (typeof nodeLabels === 'string') {
      setErrors({ node_labels: nodeLabels });
      setMessage('Some fields need attention.');
      setSaving(false);
      return;
    }
    const maxReaders = Number(fields.max_readers);
    const body = {
      name: fields.name,
      stream_url: streamUrl,
      sub_stream_url: subStreamUrl,
      location: fields.location.trim() === '' ? null : fields.location,
      enabled: fields.enabled,
      on_demand: fields.on_demand,
      max_readers: Number.isInteger(maxReaders) ? maxReaders : -1,
      groups: parseGroups(fields.groups),
      node_labels: nodeLabels,
      recording: {
        mode: fields.recording_mode,
        retention: fields.retention.trim(),
        storage_budget_bytes: budgetBytes(fields.budget_gb),
      },
    };
    try {
      if (id === null) {
        const created = await unwrap(api.POST('/api/cameras', { body }));
        // The whole list, newest first: the new camera on top, among the others.
        navigate(`/cameras?sort=-created_at&added=${created.id}`);
      } else {
        await unwrap(
          api.PATCH('/api/cameras/{id}', {
            params: { path: { id }, header: etag ? { 'If-Match': etag } : {} },
            body,
          }),
        );
        navigate('/cameras');
      }
    } catch (err) {
      fail(err);
    } finally {
      setSaving(false);
    }
  };

  const testConnection = async () => {
    setProbe({ kind: 'running' });
    try {
      const probe = await unwrap(api.POST('/api/probe', { body: { stream_url: streamUrl, camera_id: id } }));
      setProbe({ kind: 'done', probe });
    } catch (err) {
      const message = err instanceof ApiError ? (err.fieldErrors().stream_url ?? err.message) : String(err);
      setProbe({ kind: 'failed', message });
    }
  };

  const remove = async () => {
    if (id === null) return;
    setConfirmDelete(false);
    try {
      await unwrap(api.DELETE('/api/cameras/{id}', { params: { path: { id }, header: etag ? { 'If-Match': etag } : {} } }));
      navigate('/cameras');
    } catch (err) {
      fail(err);
    }
  };

  const title = id === null ? 'Add camera' : `Edit ${camera?.name ?? 'camera'}`;
  return (
    <main className="page narrow">
      <p>
        <Link href="/cameras">← Cameras</Link>
      </p>
      <h1>{title}</h1>
      {conflict ? (
        <div className="alert" role="alert">
          <p>
            Someone changed this camera after you opened it, so your changes were not saved. Reload to see the current
            settings (your edits here are discarded), then make your change again.
          </p>
          <button type="button" onClick={() => { setGeneration((g) => g + 1); }}>
            Reload the camera
          </button>
        </div>
      ) : null}
      <Alert message={message} />
      <form onSubmit={(e) => void save(e)} noValidate>
        <Field label="Name" error={errors.name}>
          {(props) => <input {...props} value={fields.name} required maxLength={100} onChange={(e) => { set('name', e.target.value); }} />}
        </Field>
        <Field label="Stream URL" error={errors.stream_url} hint="rtsp:// address of the camera's stream, without user and password.">
          {(props) => (
            <input {...props} value={fields.address} required placeholder="rtsp://192.0.2.10:554/stream1" spellCheck={false} onChange={(e) => { set('address', e.target.value); }} />
          )}
        </Field>
        <div className="field-row">
          <Field label="User" error={undefined}>
            {(props) => <input {...props} value={fields.user} autoComplete="off" onChange={(e) => { set('user', e.target.value); }} />}
          </Field>
          <Field
            label="Password"
            error={undefined}
            hint={keepStored ? 'A password is stored. Leave this empty to keep it, or type a new one.' : undefined}
          >
            {(props) => (
              // Uncontrolled on purpose: React mirrors a controlled input's value
              // into the DOM attribute, which would put the password in the page.
              // The key empties it whenever the camera is (re)loaded.
              <input
                {...props}
                key={`${id ?? 'new'}-${String(generation)}`}
                type="password"
                defaultValue=""
                autoComplete="new-password"
                placeholder={keepStored ? '•••••••• (stored)' : ''}
                onChange={(e) => { set('password', e.target.value); }}
              />
            )}
          </Field>
        </div>
        <div className="probe">
          <button type="button" onClick={() => void testConnection()} disabled={probe.kind === 'running' || !fields.address}>
            {probe.kind === 'running' ? 'Testing…' : 'Test connection'}
          </button>
          <output aria-live="polite" className={`probe-result probe-${probe.kind === 'done' ? (probe.probe.ok ? 'ok' : 'failed') : probe.kind}`}>
            {probe.kind === 'done' ? (
              <>
                <strong>{probe.probe.ok ? 'Connected: ' : `${probe.probe.code ?? 'Failed'}: `}</strong>
                {describeProbe(probe.probe)}
              </>
            ) : probe.kind === 'failed' ? (
              probe.message
            ) : null}
          </output>
        </div>
        <Field
          label="Sub-stream URL"
          error={errors.sub_stream_url}
          hint="Optional: the camera's low-resolution stream, which the live grid plays (full screen plays the one above). Same user and password."
        >
          {(props) => (
            <input {...props} value={fields.sub_address} placeholder="rtsp://192.0.2.10:554/stream2" spellCheck={false} onChange={(e) => { set('sub_address', e.target.value); }} />
          )}
        </Field>
        <Field label="Location" error={errors.location}>
          {(props) => <input {...props} value={fields.location} maxLength={200} onChange={(e) => { set('location', e.target.value); }} />}
        </Field>
        <Field
          label="Groups"
          error={errors.groups}
          hint="Comma-separated, e.g. north, gates. Users and tokens limited to groups see only cameras in one of theirs."
        >
          {(props) => <input {...props} value={fields.groups} spellCheck={false} onChange={(e) => { set('groups', e.target.value); }} />}
        </Field>
        <Field
          label="Node labels"
          error={errors.node_labels}
          hint="Only MediaMTX nodes carrying these serve the camera, e.g. site=north. Empty: any node."
        >
          {(props) => <input {...props} value={fields.node_labels} spellCheck={false} onChange={(e) => { set('node_labels', e.target.value); }} />}
        </Field>
        <Field label="Viewer limit" error={errors.max_readers} hint="How many viewers MediaMTX serves at once; 0 means no limit.">
          {(props) => <input {...props} type="number" min={0} max={1000} value={fields.max_readers} onChange={(e) => { set('max_readers', e.target.value); }} />}
        </Field>
        <label className="check">
          <input type="checkbox" checked={fields.enabled} onChange={(e) => { set('enabled', e.target.checked); }} /> Enabled
        </label>
        <label className="check">
          <input type="checkbox" checked={fields.on_demand} onChange={(e) => { set('on_demand', e.target.checked); }} /> Pull the stream only while
          someone watches
        </label>
        <fieldset className="recording">
          <legend>Recording</legend>
          <Field label="Mode" error={errors['recording.mode']}>
            {(props) => (
              <select {...props} value={fields.recording_mode} onChange={(e) => { set('recording_mode', e.target.value as RecordingMode); }}>
                <option value="off">Off</option>
                <option value="continuous">Continuous</option>
              </select>
            )}
          </Field>
          <div className="field-row">
            <Field label="Keep recordings for" error={errors['recording.retention']} hint="A whole number and s, m, h or d: 36h, 7d, 90d.">
              {(props) => <input {...props} value={fields.retention} spellCheck={false} onChange={(e) => { set('retention', e.target.value); }} />}
            </Field>
            <Field label="Storage budget (GB)" error={errors['recording.storage_budget_bytes']} hint="The most this camera's recordings may take; empty for no limit of its own.">
              {(props) => <input {...props} type="number" min={0} step="any" value={fields.budget_gb} onChange={(e) => { set('budget_gb', e.target.value); }} />}
            </Field>
          </div>
        </fieldset>
        <div className="actions">
          <SubmitButton label={id === null ? 'Add camera' : 'Save changes'} busyLabel="Saving…" busy={saving} />
          {id !== null ? (
            <button type="button" className="danger" onClick={() => { setConfirmDelete(true); }}>
              Delete camera
            </button>
          ) : null}
        </div>
      </form>
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${camera?.name ?? 'this camera'}?`}
          confirmLabel="Delete camera"
          onConfirm={() => void remove()}
          onCancel={() => { setConfirmDelete(false); }}
        >
          <p>Its stream stops for everyone watching and its settings are gone. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
