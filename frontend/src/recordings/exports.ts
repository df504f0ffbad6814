// Exports of a recorded range to an MP4 file.
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import type { Range } from './timeline';

export type Export = components['schemas']['Export'];

/** The longest range one export takes. */
export const MAX_EXPORT_MS = 60 * 60_000;

/** Why `range` can't be exported, before asking the server; null when it can. */
export function exportProblem(range: Range): string | null {
  if (range.end <= range.start) return 'The end must be after the start.';
  if (range.end - range.start > MAX_EXPORT_MS) return 'An export is at most one hour: shorten the range.';
  return null;
}

/**
 * The export of one minute centred on `instant`, or the minute up to `now`
 * when that would reach past it: what is not recorded yet can't be exported.
 */
export function minuteAround(instant: number, now: number = Date.now()): Range {
  const end = Math.min(instant + 30_000, now);
  return { start: end - 60_000, end };
}

export function createExport(cameraId: number, range: Range): Promise<Export> {
  return unwrap(
    api.POST('/api/cameras/{id}/exports', {
      params: { path: { id: cameraId } },
      body: { start: new Date(range.start).toISOString(), end: new Date(range.end).toISOString() },
    }),
  );
}

export function loadExport(id: string): Promise<Export> {
  return unwrap(api.GET('/api/exports/{id}', { params: { path: { id } } }));
}
