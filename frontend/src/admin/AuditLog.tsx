import { api, unwrap, type AuditEntry } from '../api/client';
import { AUDIT_ACTIONS, auditSentence } from './auditSentence';
import { formText } from '../app/formText';
import { Pager } from '../app/Pager';
import { navigate, useLocation, withQuery } from '../app/router';
import { useLoaded } from '../app/useLoaded';
import { When } from '../app/When';
import { Alert } from '../app/Alert';

const PAGE_SIZE = 50;

interface AuditQuery {
  action: string;
  camera: string;
  page: number;
}

function readAuditQuery(query: URLSearchParams): AuditQuery {
  const camera = query.get('camera') ?? '';
  const page = Number(query.get('page') ?? '1');
  return {
    action: query.get('action') ?? '',
    camera: /^[1-9]\d*$/.test(camera) ? camera : '',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

interface AuditPage {
  items: AuditEntry[];
  total: number;
  /** The names of the cameras the page's entries are about, as they are now. */
  cameraNames: Map<number, string>;
}

async function loadAudit(key: string): Promise<AuditPage> {
  const { action, camera, page } = JSON.parse(key) as AuditQuery;
  const log = await unwrap(
    api.GET('/api/audit', {
      params: {
        query: {
          ...(action ? { action } : {}),
          ...(camera ? { camera_id: Number(camera) } : {}),
          limit: PAGE_SIZE,
          offset: (page - 1) * PAGE_SIZE,
        },
      },
    }),
  );
  const ids = [...new Set(log.items.map((entry) => entry.camera_id).filter((id): id is number => id !== null && id !== undefined))];
  const cameras = ids.length
    ? (await unwrap(api.GET('/api/cameras', { params: { query: { ids: ids.join(',') } } }))).items
    : [];
  return { ...log, cameraNames: new Map(cameras.map((found) => [found.id, found.name])) };
}

export function AuditLog() {
  const { query } = useLocation();
  const audit = readAuditQuery(query);
  const { value: log, error } = useLoaded(loadAudit, JSON.stringify(audit), 0);

  return (
    <main className="page">
      <h1>Audit log</h1>
      <form
        key={`${audit.action}|${audit.camera}`}
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          navigate(withQuery({ action: formText(form, 'action'), camera: formText(form, 'camera'), page: null }));
        }}
      >
        <label>
          Action
          <select name="action" defaultValue={audit.action}>
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          Camera id
          <input name="camera" type="number" min={1} defaultValue={audit.camera} />
        </label>
        <button type="submit" className="filters-apply">Filter</button>
      </form>
      <Alert message={error} />
      <table className="data">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {log?.items.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td><When at={entry.at} /></td>
              <td>
                <details className="audit-entry">
                  <summary>{auditSentence(entry, entry.camera_id ? log.cameraNames.get(entry.camera_id) : undefined)}</summary>
                  <pre className="mono audit-details">{JSON.stringify({ action: entry.action, camera_id: entry.camera_id, ...entry.details }, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {log?.items.length === 0 ? <p className="empty">No entries match.</p> : null}
      {log ? <Pager page={audit.page} pageSize={PAGE_SIZE} shown={log.items.length} total={log.total} /> : null}
    </main>
  );
}
