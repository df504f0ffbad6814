import { type SyntheticEvent, useEffect, useState } from 'react';

import { ApiError, api, unwrap, type MediaMtxNode } from '../api/client';
import { Alert } from '../app/Alert';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { Field } from '../app/Field';
import { LoadError } from '../app/LoadError';
import { SubmitButton } from '../app/SubmitButton';
import { useLoaded } from '../app/useLoaded';
import { When } from '../app/When';
import { formatLabels, parseLabels } from '../app/labels';
import { healthText } from './nodes';

/** Health changes without an event: the list is read again this often. */
const REFRESH_MS = 5_000;

async function loadNodes(): Promise<MediaMtxNode[]> {
  return (await unwrap(api.GET('/api/nodes'))).items;
}

function failure(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

/** The MediaMTX nodes cameras are placed on: their health, load and draining. */
export function NodeList() {
  const [generation, setGeneration] = useState(0);
  const { value: nodes, error, setError } = useLoaded(loadNodes, '', generation);
  const [deleting, setDeleting] = useState<MediaMtxNode | null>(null);
  const reload = () => { setGeneration((g) => g + 1); };

  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => { window.clearInterval(timer); };
  }, []);

  const setDraining = async (node: MediaMtxNode, draining: boolean) => {
    try {
      await unwrap(api.PATCH('/api/nodes/{id}', { params: { path: { id: node.id } }, body: { draining } }));
      reload();
    } catch (err) {
      setError(`Could not change ${node.name}: ${failure(err)}`);
    }
  };

  const remove = async (node: MediaMtxNode) => {
    setDeleting(null);
    try {
      await unwrap(api.DELETE('/api/nodes/{id}', { params: { path: { id: node.id } } }));
      reload();
    } catch (err) {
      setError(`Could not remove ${node.name}: ${failure(err)}`);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>MediaMTX nodes</h1>
      </div>
      {nodes?.length === 0 ? (
        <p className="muted">
          No node is registered: the MediaMTX of the service&apos;s settings serves every camera. Register that one first,
          so its cameras stay where they are.
        </p>
      ) : null}
      <LoadError message={error} onRetry={reload} />
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Health</th>
            <th scope="col">Cameras</th>
            <th scope="col">Labels</th>
            <th scope="col">Since</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {nodes?.map((node) => (
            <tr key={node.id} data-node-id={node.id}>
              <td>
                {node.name}
                <div className="muted">{node.api_url}</div>
              </td>
              <td>
                <span className={`badge badge-${node.health.state}`}>{healthText(node)}</span>
                {node.draining ? <span className="badge badge-disabled"> draining</span> : null}
              </td>
              <td>
                {node.cameras} of {node.max_cameras}
              </td>
              <td>{formatLabels(node.labels)}</td>
              <td>
                <When at={node.health.since ?? null} />
              </td>
              <td className="row-actions">
                <button type="button" className="link" onClick={() => void setDraining(node, !node.draining)}>
                  {node.draining ? `Take cameras on ${node.name}` : `Drain ${node.name}`}
                </button>
                <button type="button" className="link danger" aria-label={`Remove ${node.name}`} onClick={() => { setDeleting(node); }}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NodeForm onAdded={reload} />
      {deleting ? (
        <ConfirmDialog
          title={`Remove ${deleting.name}?`}
          confirmLabel="Remove node"
          onConfirm={() => void remove(deleting)}
          onCancel={() => { setDeleting(null); }}
        >
          <p>A node that still serves cameras can&apos;t be removed: drain it first, and wait until it serves none.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}

function NodeForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [apiUrl, setApiUrl] = useState('');
  const [maxCameras, setMaxCameras] = useState('300');
  const [labels, setLabels] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    const parsed = parseLabels(labels);
    if (typeof parsed === 'string') {
      setErrors({ labels: parsed });
      return;
    }
    setSaving(true);
    try {
      await unwrap(api.POST('/api/nodes', { body: { name, api_url: apiUrl, max_cameras: Number(maxCameras), labels: parsed } }));
      setName('');
      setApiUrl('');
      setLabels('');
      setErrors({});
      setMessage(null);
      onAdded();
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setErrors(fields);
      setMessage(Object.keys(fields).length ? 'Some fields need attention.' : failure(err));
    }
    setSaving(false);
  };

  return (
    <form className="narrow" aria-label="Register a node" onSubmit={(e) => void save(e)} noValidate>
      <h2>Register a node</h2>
      <Alert message={message} />
      <Field label="Name" error={errors.name}>
        {(props) => <input {...props} value={name} required autoComplete="off" onChange={(e) => { setName(e.target.value); }} />}
      </Field>
      <Field
        label="Control API"
        error={errors.api_url}
        hint="Its v3 API, e.g. http://10.0.0.11:9997; its other servers are taken on MediaMTX's ports of the same host."
      >
        {(props) => <input {...props} value={apiUrl} required autoComplete="off" onChange={(e) => { setApiUrl(e.target.value); }} />}
      </Field>
      <Field label="Most cameras" error={errors.max_cameras}>
        {(props) => (
          <input {...props} type="number" min={1} value={maxCameras} onChange={(e) => { setMaxCameras(e.target.value); }} />
        )}
      </Field>
      <Field label="Labels" error={errors.labels} hint="e.g. site=north, zone=a">
        {(props) => <input {...props} value={labels} autoComplete="off" onChange={(e) => { setLabels(e.target.value); }} />}
      </Field>
      <div className="actions">
        <SubmitButton label="Register node" busyLabel="Registering…" busy={saving} />
      </div>
    </form>
  );
}
