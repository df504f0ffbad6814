// One Server-Sent Events connection for the whole console, open while some
// screen listens (so none outlives a logout). The browser's EventSource
// reconnects by itself after a network error and sends Last-Event-ID, so the
// service replays what was missed (or says `reset` when it can't).
import { useEffect, useSyncExternalStore } from 'react';

import { api, type Camera, type CameraStatus } from './client';

export type CameraEvent =
  | { kind: 'camera'; op: 'created' | 'updated' | 'deleted'; id: number; camera: Camera | null }
  | { kind: 'status'; status: CameraStatus }
  | { kind: 'reset' };

type Listener = (event: CameraEvent) => void;
export type Connection = 'connecting' | 'open' | 'reconnecting';

const listeners = new Set<Listener>();
const connectionListeners = new Set<() => void>();
let source: EventSource | null = null;
let connection: Connection = 'connecting';
let reopenTimer: number | undefined;

/** After an HTTP error, how long before asking again. */
const REOPEN_MS = 5_000;

function setConnection(next: Connection) {
  connection = next;
  for (const listener of connectionListeners) listener();
}

function emit(event: CameraEvent) {
  for (const listener of listeners) listener(event);
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * After an HTTP error (a 401 once the session ended, a 502 while the service
 * restarts) the browser gives up for good. Asking for the session first lets
 * a 401 take the console to its login page (which closes this for good).
 */
function reopenLater(closed: EventSource) {
  reopenTimer = window.setTimeout(() => {
    const again = (ok: boolean) => {
      if (source !== closed) return;
      if (ok) connect(true);
      else reopenLater(closed);
    };
    api.GET('/api/session').then(
      ({ response }) => {
        again(response.ok);
      },
      () => {
        again(false);
      },
    );
  }, REOPEN_MS);
}

function connect(reopened = false) {
  const opened = new EventSource('/api/events');
  source = opened;
  opened.onopen = () => {
    setConnection('open');
    // A new EventSource can't send Last-Event-ID: what was missed is lost.
    if (reopened) emit({ kind: 'reset' });
  };
  opened.onerror = () => {
    setConnection('reconnecting');
    if (opened.readyState === EventSource.CLOSED) reopenLater(opened);
  };
  opened.addEventListener('camera', (message) => {
    const data = parse(message.data as string) as
      | { op: 'created' | 'updated' | 'deleted'; id: number; camera: Camera | null }
      | undefined;
    if (data) emit({ kind: 'camera', op: data.op, id: data.id, camera: data.camera });
  });
  opened.addEventListener('status', (message) => {
    const status = parse(message.data as string) as CameraStatus | undefined;
    if (status) emit({ kind: 'status', status });
  });
  opened.addEventListener('reset', () => {
    emit({ kind: 'reset' });
  });
}

/**
 * Closes the connection once nobody listens; a tick later, as a screen
 * that replaces another subscribes after the old one let go.
 */
function release() {
  window.setTimeout(() => {
    if (listeners.size || connectionListeners.size || !source) return;
    window.clearTimeout(reopenTimer);
    source.close();
    source = null;
    setConnection('connecting');
  }, 0);
}

/** Calls `listener` with every camera event while the component is mounted. */
export function useCameraEvents(listener: Listener) {
  useEffect(() => {
    listeners.add(listener);
    if (!source) connect();
    return () => {
      listeners.delete(listener);
      release();
    };
  }, [listener]);
}

/** Whether live updates are flowing, for the header's indicator. */
export function useConnection(): Connection {
  return useSyncExternalStore(
    (notify) => {
      connectionListeners.add(notify);
      if (!source) connect();
      return () => {
        connectionListeners.delete(notify);
        release();
      };
    },
    () => connection,
  );
}
