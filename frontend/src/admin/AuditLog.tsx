import { api, unwrap, type AuditEntry } from '../api/client';
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

async function loadAudit(key: string): Promise<{ items: AuditEntry[]; total: number }> {
  const { action, camera, page } = JSON.parse(key) as AuditQuery;
  return unwrap(
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
          navigate(withQuery({ action: formText(form, 'action').trim(), camera: formText(form, 'camera'), page: null }));
        }}
      >
        <label>
          Action
          <input name="action" defaultValue={audit.action} placeholder="camera.update" spellCheck={false} />
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
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Camera</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {log?.items.map((entry) => (
            <tr key={entry.id}>
              <td><When at={entry.at} /></td>
              <td>{entry.actor}</td>
              <td className="mono">{entry.action}</td>
              <td>{entry.camera_id ?? ''}</td>
              <td className="mono audit-details">{JSON.stringify(entry.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {log?.items.length === 0 ? <p className="empty">No entries match.</p> : null}
      {log ? <Pager page={audit.page} pageSize={PAGE_SIZE} shown={log.items.length} total={log.total} /> : null}
    </main>
  );
}
