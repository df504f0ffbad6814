// Exports of a recorded range to a file. Their routes are newer than the
// API description the console is typed from, so they are called directly,
// with the session's CSRF token as the typed client adds it.
import { currentSession, needsCsrf } from '../api/auth';
import { ApiError, unwrap } from '../api/client';
import type { Range } from './timeline';

export interface Export {
  id: number;
  camera_id: number;
  start: string;
  end: string;
  state: 'pending' | 'ready' | 'failed';
  detail: string | null;
  bytes: number | null;
  created_at: string;
  expires_at: string | null;
  download_url: string;
}

/** The longest range one export takes. */
export const MAX_EXPORT_MS = 60 * 60_000;

/** Why `range` can't be exported, before asking the server; null when it can. */
export function exportProblem(range: Range): string | null {
  if (range.end <= range.start) return 'The end must be after the start.';
  if (range.end - range.start > MAX_EXPORT_MS) return 'An export is at most one hour: shorten the range.';
  return null;
}

/** The export of one minute centred on `instant`. */
export function minuteAround(instant: number): Range {
  return { start: instant - 30_000, end: instant + 30_000 };
}

async function call(method: string, path: string, body?: unknown): Promise<Export> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const csrf = currentSession()?.csrf_token;
  if (csrf && needsCsrf(method)) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const request = fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  return unwrap(
    request.then(async (response) => {
      const parsed: unknown = await response.json().catch(() => undefined);
      return response.ok ? { data: parsed as Export, response } : { error: parsed, response };
    }),
  );
}

/** A server without exports answers their routes 404 (or 405) with no problem of its own. */
export function exportsMissing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 405 || (error.status === 404 && error.problem?.type !== 'urn:camplane:problem:no-recording'));
}

export function createExport(cameraId: number, range: Range): Promise<Export> {
  return call('POST', `/api/cameras/${String(cameraId)}/exports`, {
    start: new Date(range.start).toISOString(),
    end: new Date(range.end).toISOString(),
  });
}

export function loadExport(id: number): Promise<Export> {
  return call('GET', `/api/exports/${String(id)}`);
}
