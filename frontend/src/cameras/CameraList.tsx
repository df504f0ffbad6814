import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError, api, unwrap, type Camera, type CameraStatus } from '../api/client';
import { useCameraEvents, type CameraEvent } from '../api/events';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { GroupTree } from './GroupTree';
import { Groups } from '../app/Groups';
import { Link } from '../app/Link';
import { Pager } from '../app/Pager';
import { navigate, useLocation, withQuery } from '../app/router';
import { useCan } from '../app/useAuth';
import { useLoaded } from '../app/useLoaded';
import {
  PAGE_SIZE,
  STATES,
  apiQuery,
  nextSort,
  readListQuery,
  sortDirection,
  type ListQuery,
  type SortField,
} from './listQuery';
import { StatusBadge } from './StatusBadge';
import { Thumbnail } from './Thumbnail';
import { LoadError } from '../app/LoadError';

interface Page {
  cameras: Camera[];
  statuses: Map<number, CameraStatus>;
  total: number;
  totalExact: boolean;
}

const loadListed = (key: string) => loadPage(JSON.parse(key) as ListQuery);

async function loadPage(list: ListQuery): Promise<Page> {
  const query = apiQuery(list);
  if (list.state) {
    // A state is only known once derived, so the status list pages it and
    // the cameras of that page are fetched by id.
    const statuses = await unwrap(
      api.GET('/api/cameras/status', { params: { query: { ...query, state: list.state } } }),
    );
    const ids = statuses.items.map((status) => status.id).join(',');
    const cameras = ids
      ? (await unwrap(api.GET('/api/cameras', { params: { query: { ids, sort: list.sort } } }))).items
      : [];
    return {
      cameras,
      statuses: new Map(statuses.items.map((s) => [s.id, s])),
      total: statuses.total,
      totalExact: statuses.total_exact,
    };
  }
  const page = await unwrap(api.GET('/api/cameras', { params: { query } }));
  const ids = page.items.map((camera) => camera.id).join(',');
  const statuses = ids
    ? (await unwrap(api.GET('/api/cameras/status', { params: { query: { ids } } }))).items
    : [];
  return {
    cameras: page.items,
    statuses: new Map(statuses.map((s) => [s.id, s])),
    total: page.total,
    totalExact: page.total_exact,
  };
}

function SortHeader({ field, label, sort }: { field: SortField; label: string; sort: string }) {
  const direction = sortDirection(sort, field);
  return (
    <th aria-sort={direction} scope="col">
      <button type="button" className="sort" onClick={() => { navigate(withQuery({ sort: nextSort(sort, field), page: null })); }}>
        {label}
        <span aria-hidden="true">{direction === 'ascending' ? ' ▲' : direction === 'descending' ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}

export function CameraList() {
  const { query } = useLocation();
  const list = readListQuery(query);
  const listKey = JSON.stringify(list);
  const [deleting, setDeleting] = useState<Camera | null>(null);
  const [search, setSearch] = useState(list.q);
  const [generation, setGeneration] = useState(0);
  const { value: page, setValue: setPage, error, setError } = useLoaded(loadListed, listKey, generation);
  const reloadTimer = useRef<number | undefined>(undefined);
  const canManage = useCan('manage-cameras');
  const added = page?.cameras.find((camera) => String(camera.id) === query.get('added'));

  // Typing filters as you go, without a history entry per keystroke.
  useEffect(() => {
    if (search === list.q) return;
    const timer = window.setTimeout(() => {
      navigate(withQuery({ q: search, page: null }), { replace: true });
    }, 250);
    return () => {
      window.clearTimeout(timer);
    };
  }, [search, list.q]);

  const onEvent = useCallback((event: CameraEvent) => {
    if (event.kind === 'status') {
      setPage((old) => {
        if (!old?.statuses.has(event.status.id)) return old;
        const statuses = new Map(old.statuses);
        statuses.set(event.status.id, event.status);
        return { ...old, statuses };
      });
      return;
    }
    if (event.kind === 'camera' && event.op === 'updated' && event.camera) {
      const updated = event.camera;
      setPage((old) =>
        old && { ...old, cameras: old.cameras.map((camera) => (camera.id === updated.id ? updated : camera)) },
      );
      return;
    }
    // Created, deleted or missed changes move rows between pages: reload,
    // once for a burst.
    window.clearTimeout(reloadTimer.current);
    reloadTimer.current = window.setTimeout(() => {
      setGeneration((g) => g + 1);
    }, 300);
  }, [setPage]);
  useCameraEvents(onEvent);
  useEffect(() => () => { window.clearTimeout(reloadTimer.current); }, []);

  const remove = async (camera: Camera) => {
    setDeleting(null);
    try {
      await unwrap(api.DELETE('/api/cameras/{id}', { params: { path: { id: camera.id }, header: {} } }));
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(err instanceof ApiError ? `Could not delete ${camera.name}: ${err.message}` : String(err));
    }
  };

  return (
    <main className="page cameras-page">
      <GroupTree selected={list.group} generation={generation} />
      <div className="page-head">
        <h1>Cameras</h1>
        <span className="page-actions">
          <a className="button" href="/api/cameras/export?format=csv" download="cameras.csv">
            Export CSV
          </a>
          {canManage ? (
            <>
              <Link className="button" href="/cameras/import">
                Import
              </Link>
              <Link className="button primary" href="/cameras/new">
                Add camera
              </Link>
            </>
          ) : null}
        </span>
      </div>
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); }}>
        <label>
          Search
          <input type="search" value={search} placeholder="Name, location or group" onChange={(e) => { setSearch(e.target.value); }} />
        </label>
        <label>
          Enabled
          <select value={list.enabled} onChange={(e) => { navigate(withQuery({ enabled: e.target.value, page: null })); }}>
            <option value="">All</option>
            <option value="true">Enabled</option>
            <option value="false">Disabled</option>
          </select>
        </label>
        <label>
          State
          <select value={list.state} onChange={(e) => { navigate(withQuery({ state: e.target.value, page: null })); }}>
            <option value="">Any</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </label>
      </form>
      <LoadError message={error} onRetry={() => { setGeneration((g) => g + 1); }} />
      {added ? (
        <p className="notice" role="status">
          Added {added.name}.
        </p>
      ) : null}
      <table className="cameras">
        <thead>
          <tr>
            <th scope="col"><span className="visually-hidden">Picture</span></th>
            <SortHeader field="name" label="Name" sort={list.sort} />
            <SortHeader field="location" label="Location" sort={list.sort} />
            <th scope="col">Status</th>
            <th scope="col">Stream</th>
            <SortHeader field="created_at" label="Added" sort={list.sort} />
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {page?.cameras.map((camera) => (
            <tr key={camera.id} data-camera-id={camera.id} className={camera.id === added?.id ? 'just-added' : undefined}>
              <td><Thumbnail id={camera.id} name={camera.name} /></td>
              <td>
                {canManage ? <Link href={`/cameras/${camera.id}`}>{camera.name}</Link> : camera.name}
                {camera.recording.mode === 'continuous' ? (
                  <span className="rec-badge" title={`Recording continuously, kept for ${camera.recording.retention}`}>
                    REC
                  </span>
                ) : null}
                <Groups groups={camera.groups} />
              </td>
              <td>{camera.location ?? ''}</td>
              <td><StatusBadge camera={camera} status={page.statuses.get(camera.id)} /></td>
              <td className="mono">{camera.stream_url}</td>
              <td><time dateTime={camera.created_at}>{new Date(camera.created_at).toLocaleDateString()}</time></td>
              <td className="row-actions">
                <Link href={`/live?layout=1&tiles=${camera.id}`} aria-label={`Watch ${camera.name}`}>Watch</Link>
                <Link href={`/cameras/${camera.id}/recordings`} aria-label={`Recordings of ${camera.name}`}>Recordings</Link>
                {canManage ? (
                  <>
                    <Link href={`/cameras/${camera.id}`} aria-label={`Edit ${camera.name}`}>Edit</Link>
                    <button type="button" className="link danger" aria-label={`Delete ${camera.name}`} onClick={() => { setDeleting(camera); }}>
                      Delete
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.cameras.length === 0 ? (
        <p className="empty">
          {list.q || list.enabled || list.state
            ? 'No camera matches these filters.'
            : canManage
              ? 'No cameras yet. Add the first one.'
              : 'No cameras to show: none yet, or none in your camera groups.'}
        </p>
      ) : null}
      {page ? <Pager page={list.page} pageSize={PAGE_SIZE} shown={page.cameras.length} total={page.total} exact={page.totalExact} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete camera"
          onConfirm={() => void remove(deleting)}
          onCancel={() => { setDeleting(null); }}
        >
          <p>Its stream stops for everyone watching and its settings are gone. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
