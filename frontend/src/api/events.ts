// One Server-Sent Events connection for the whole console. The browser's
// EventSource reconnects by itself and sends Last-Event-ID, so the service
// replays what was missed (or says `reset` when it can't).
import { useEffect, useSyncExternalStore } from 'react';

import type { Camera, CameraStatus } from './client';

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

function connect() {
  source = new EventSource('/api/events');
  source.onopen = () => {
    setConnection('open');
  };
  source.onerror = () => {
    setConnection('reconnecting');
  };
  source.addEventListener('camera', (message) => {
    const data = parse(message.data as string) as
      | { op: 'created' | 'updated' | 'deleted'; id: number; camera: Camera | null }
      | undefined;
    if (data) emit({ kind: 'camera', op: data.op, id: data.id, camera: data.camera });
  });
  source.addEventListener('status', (message) => {
    const status = parse(message.data as string) as CameraStatus | undefined;
    if (status) emit({ kind: 'status', status });
  });
  source.addEventListener('reset', () => {
    emit({ kind: 'reset' });
  });
}

/** Calls `listener` with every camera event while the component is mounted. */
export function useCameraEvents(listener: Listener) {
  useEffect(() => {
    listeners.add(listener);
    if (!source) connect();
    return () => {
      listeners.delete(listener);
    };
  }, [listener]);
}

/** Whether live updates are flowing, for the header's indicator. */
export function useConnection(): Connection {
  return useSyncExternalStore(
    (notify) => {
      connectionListeners.add(notify);
      if (!source) connect();
      return () => connectionListeners.delete(notify);
    },
    () => connection,
  );
}
