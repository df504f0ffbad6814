import { useEffect, useState } from 'react';

import { Alert } from '../app/Alert';
import { createExport, exportProblem, loadExport, minuteAround, type Export } from './exports';
import { timeOfDay } from './Timeline';
import type { Range } from './timeline';

/** How often a pending export is asked about. */
const POLL_MS = 1_000;

function sizeOf(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '' : ` (${(bytes / 1e6).toFixed(1)} MB)`;
}

/** Keeps `exported` up to date until it is ready or failed. */
function usePolled(exported: Export | null, setExported: (next: Export) => void, setError: (message: string) => void) {
  const id = exported?.state === 'pending' ? exported.id : null;
  useEffect(() => {
    if (id === null) return;
    const timer = window.setInterval(() => {
      loadExport(id).then(setExported, (error: unknown) => {
        setError(error instanceof Error ? error.message : String(error));
      });
    }, POLL_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, [id, setExported, setError]);
}

/**
 * Export a range to a file: its ends marked at the playhead, or the minute
 * around it; then pending, ready (with the download) or failed.
 */
export function ExportPanel({
  cameraId,
  playhead,
  selection,
  onSelection,
}: {
  cameraId: number;
  playhead: number | null;
  selection: Range | null;
  onSelection: (range: Range | null) => void;
}) {
  const [exported, setExported] = useState<Export | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePolled(exported, setExported, setError);

  const mark = (end: 'start' | 'end') => {
    if (playhead === null) return;
    const current = selection ?? { start: playhead, end: playhead };
    onSelection(end === 'start' ? { start: playhead, end: Math.max(playhead, current.end) } : { start: Math.min(playhead, current.start), end: playhead });
  };
  const problem = selection ? exportProblem(selection) : null;
  const start = async () => {
    if (!selection) return;
    setError(null);
    setExported(null);
    try {
      setExported(await createExport(cameraId, selection));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="export" aria-label="Export">
      <h2>Export</h2>
      <div className="export-controls">
        <button type="button" disabled={playhead === null} onClick={() => { mark('start'); }}>
          Start at playhead
        </button>
        <button type="button" disabled={playhead === null} onClick={() => { mark('end'); }}>
          End at playhead
        </button>
        <button type="button" disabled={playhead === null} onClick={() => { if (playhead !== null) onSelection(minuteAround(playhead)); }}>
          1 minute around the playhead
        </button>
        {selection ? (
          <span className="export-range">
            {timeOfDay(selection.start)} – {timeOfDay(selection.end)}
            <button type="button" className="link" onClick={() => { onSelection(null); }}>
              Clear
            </button>
          </span>
        ) : (
          <span className="muted">Play a recording, then mark the range to export.</span>
        )}
        <button type="button" className="primary" disabled={!selection || problem !== null || exported?.state === 'pending'} onClick={() => void start()}>
          Export
        </button>
      </div>
      {problem ? <p className="muted">{problem}</p> : null}
      <Alert message={error} />
      {exported ? (
        <p className={`export-state export-${exported.state}`} role="status">
          {exported.state === 'pending' ? 'Preparing the export…' : null}
          {exported.state === 'ready' ? (
            <>
              Ready{sizeOf(exported.bytes)}: <a href={exported.download_url} download>Download the export</a>
              {exported.expires_at ? ` (until ${new Date(exported.expires_at).toLocaleString()})` : null}
            </>
          ) : null}
          {exported.state === 'failed' ? <>The export failed{exported.detail ? `: ${exported.detail}` : '.'}</> : null}
        </p>
      ) : null}
    </section>
  );
}
