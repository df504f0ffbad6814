import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { ApiError, api, unwrap, type Camera, type Recordings } from '../api/client';
import { LoadError } from '../app/LoadError';
import { Link } from '../app/Link';
import { navigate, useLocation, withQuery } from '../app/router';
import { useCan } from '../app/useAuth';
import { useLoaded } from '../app/useLoaded';
import { ExportPanel } from './ExportPanel';
import { RecordingPlayer, type PlaybackState } from './playback';
import { SpeedButtons } from './SpeedButtons';
import { Timeline, timeOfDay } from './Timeline';
import { dayKey, dayOf, parseDayKey, playableFrom, shiftDay, zoomed, type Range } from './timeline';

/** While the day shown is today, its spans are reloaded this often, so new recording shows up. */
const REFRESH_MS = 10_000;

const loadCamera = (id: string) => unwrap(api.GET('/api/cameras/{id}', { params: { path: { id: Number(id) } } }));

/** The day's spans as times, or why there are none to show. */
type Loaded = { kind: 'spans'; spans: Range[]; recordedSeconds: number } | { kind: 'disabled' } | { kind: 'error'; message: string };

async function loadSpans(id: number, day: Range): Promise<Loaded> {
  const until = Math.min(day.end, Date.now());
  if (until <= day.start) return { kind: 'spans', spans: [], recordedSeconds: 0 };
  try {
    const recordings: Recordings = await unwrap(
      api.GET('/api/cameras/{id}/recordings', {
        params: { path: { id }, query: { since: new Date(day.start).toISOString(), until: new Date(until).toISOString() } },
      }),
    );
    return {
      kind: 'spans',
      spans: recordings.spans.map((span) => ({ start: Date.parse(span.start), end: Date.parse(span.end) })),
      recordedSeconds: recordings.recorded_seconds,
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return { kind: 'disabled' };
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

const STATE_TEXT: Partial<Record<PlaybackState['kind'], string>> = {
  loading: 'Loading the recording…',
  'no-recording': 'Nothing was recorded at that time. Pick a green stretch of the timeline.',
  ended: 'End of the recording.',
  stopped: 'Click the timeline to play from that time.',
};

/** A camera's recordings: a day's timeline, playback from any instant, export. */
export function RecordingsPage({ id }: { id: number }) {
  const { query } = useLocation();
  // As of opening the page: a day shown across midnight stays the day it was.
  const [today] = useState(() => dayOf(Date.now()));
  const day = parseDayKey(query.get('day')) ?? today;
  const key = dayKey(day);
  const [view, setView] = useState<Range>(day);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [generation, setGeneration] = useState(0);
  const camera = useLoaded(loadCamera, String(id), generation);
  const [state, setState] = useState<PlaybackState>({ kind: 'stopped' });
  const [playhead, setPlayhead] = useState<number | null>(null);
  const [speed, setSpeed] = useState(1);
  const [selection, setSelection] = useState<Range | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const player = useRef<RecordingPlayer | null>(null);
  const canExport = useCan('export-recordings');

  // A new day shows all of it.
  const [shownKey, setShownKey] = useState(key);
  if (shownKey !== key) {
    setShownKey(key);
    setView(day);
  }

  useEffect(() => {
    let current = true;
    const today = dayOf(Date.now()).start === parseDayKey(key)?.start;
    const load = () => {
      const shown = parseDayKey(key);
      if (!shown) return;
      void loadSpans(id, shown).then((next) => {
        if (current) setLoaded(next);
      });
    };
    load();
    const timer = today ? window.setInterval(load, REFRESH_MS) : undefined;
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, [id, key, generation]);

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const recordingPlayer = new RecordingPlayer(element, id, setState);
    player.current = recordingPlayer;
    return () => {
      recordingPlayer.close();
      player.current = null;
    };
  }, [id]);

  // The playhead follows the video, and the zoomed bar follows the playhead.
  useEffect(() => {
    if (state.kind !== 'playing') return;
    const timer = window.setInterval(() => {
      const position = player.current?.position() ?? null;
      setPlayhead(position);
      if (position === null) return;
      setView((shown) =>
        position > shown.end || position < shown.start ? zoomed(shown, dayOf(position), shown.end - shown.start, position) : shown,
      );
    }, 250);
    return () => {
      window.clearInterval(timer);
    };
  }, [state.kind]);

  const spans = useMemo(() => (loaded?.kind === 'spans' ? loaded.spans : []), [loaded]);
  const pick = useCallback(
    (instant: number) => {
      const from = playableFrom(spans, instant);
      if (from === null) {
        setNotice(`Nothing was recorded after ${timeOfDay(instant)} on this day.`);
        return;
      }
      setNotice(null);
      setPlayhead(from);
      // A click plays, even after Pause.
      player.current?.playFrom(from);
      player.current?.resume();
    },
    [spans],
  );

  const goToDay = (next: Range) => {
    navigate(withQuery({ day: dayKey(next) }));
  };
  const name = camera.value?.name ?? `camera ${String(id)}`;
  const playing = state.kind === 'playing' || state.kind === 'loading';
  const isToday = day.start === today.start;

  return (
    <main className="page recordings">
      <p>
        <Link href="/cameras">← Cameras</Link>
      </p>
      <div className="page-head">
        <h1>Recordings of {name}</h1>
        <Link className="button" href={`/live?layout=1&tiles=${String(id)}`}>
          Back to live
        </Link>
      </div>
      <RecordingPolicy camera={camera.value} />
      <LoadError message={camera.error} onRetry={() => { setGeneration((g) => g + 1); }} />
      <div className="recordings-days" role="group" aria-label="Day">
        <button type="button" onClick={() => { goToDay(shiftDay(day, -1)); }}>
          ← Previous day
        </button>
        <input
          type="date"
          aria-label="Day shown"
          value={key}
          max={dayKey(today)}
          onChange={(event) => {
            const chosen = parseDayKey(event.target.value);
            if (chosen) goToDay(chosen);
          }}
        />
        <button type="button" onClick={() => { goToDay(shiftDay(day, 1)); }} disabled={isToday}>
          Next day →
        </button>
        {loaded?.kind === 'spans' ? (
          <span className="muted">
            {loaded.spans.length ? `${formatDuration(loaded.recordedSeconds)} recorded this day` : 'Nothing recorded this day.'}
          </span>
        ) : null}
      </div>
      {loaded?.kind === 'disabled' ? (
        <p className="alert" role="alert">
          This camera is disabled: its recordings play again once it is enabled.
        </p>
      ) : null}
      <LoadError message={loaded?.kind === 'error' ? loaded.message : null} onRetry={() => { setGeneration((g) => g + 1); }} />
      <Timeline day={day} view={view} onView={setView} spans={spans} playhead={playhead} selection={selection} onPick={pick} />
      {notice ? <p className="muted" role="status">{notice}</p> : null}
      <div className="recordings-player" data-state={state.kind}>
        <video ref={video} muted playsInline aria-label={`Recording of ${name}`} />
        <div className="recordings-controls">
          <button
            type="button"
            disabled={state.kind === 'stopped' || state.kind === 'no-recording' || state.kind === 'error'}
            onClick={() => { if (playing) player.current?.pause(); else player.current?.resume(); }}
          >
            {playing ? 'Pause' : 'Play'}
          </button>
          <SpeedButtons
            rate={speed}
            onRate={(rate) => {
              setSpeed(rate);
              player.current?.setRate(rate);
            }}
          />
          <output className="recordings-time" aria-label="Playhead">
            {playhead !== null ? new Date(playhead).toLocaleString() : '—'}
          </output>
          <span role="status" className="muted">
            {state.kind === 'error' ? <span className="alert">{state.message}</span> : STATE_TEXT[state.kind]}
          </span>
        </div>
      </div>
      {canExport ? <ExportPanel cameraId={id} playhead={playhead} selection={selection} onSelection={setSelection} /> : null}
    </main>
  );
}

function formatDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours ? `${String(hours)} h ${String(minutes)} min` : minutes ? `${String(minutes)} min` : `${String(Math.round(seconds))} s`;
}

function RecordingPolicy({ camera }: { camera: Camera | null }) {
  if (!camera) return null;
  return (
    <p className="muted">
      {camera.recording.mode === 'continuous'
        ? `Recording continuously; kept for ${camera.recording.retention}.`
        : 'Not recording now (recording is off in its settings); what was recorded before plays here until it expires.'}
    </p>
  );
}
