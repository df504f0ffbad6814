import { useEffect, useState } from 'react';

import { SpeedButtons } from './SpeedButtons';
import { changedClock, clockPosition, startClock, type PlaybackClock } from './sync';

/** `datetime-local`'s value for an instant, in local time to the second. */
function localInput(instant: number): string {
  const date = new Date(instant - new Date(instant).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}

/** The clock's position, redrawn while it runs. */
function useClockText(clock: PlaybackClock | null): string | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!clock || clock.paused) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, 500);
    return () => {
      window.clearInterval(timer);
    };
  }, [clock]);
  return clock ? new Date(clockPosition(clock, Math.max(now, clock.anchoredAt))).toLocaleString() : null;
}

/**
 * The live view's "Play from…": every tile plays its own camera's
 * recording from the same instant, with one pause and speed for all, and
 * Live to return them all.
 */
export function SyncControls({ clock, onClock }: { clock: PlaybackClock | null; onClock: (clock: PlaybackClock | null) => void }) {
  const [from, setFrom] = useState(() => localInput(Date.now() - 5 * 60_000));
  const shown = useClockText(clock);
  const start = () => {
    const instant = new Date(from).getTime();
    if (!Number.isNaN(instant)) onClock(startClock(instant, Date.now(), clock?.rate ?? 1));
  };
  return (
    <div className="sync-controls" role="group" aria-label="Recordings">
      <input type="datetime-local" step={1} aria-label="Play from" value={from} onChange={(event) => { setFrom(event.target.value); }} />
      <button type="button" onClick={start} disabled={!from}>
        Play from
      </button>
      {clock ? (
        <>
          <button type="button" onClick={() => { onClock(changedClock(clock, Date.now(), { paused: !clock.paused })); }}>
            {clock.paused ? 'Play all' : 'Pause all'}
          </button>
          <SpeedButtons rate={clock.rate} onRate={(rate) => { onClock(changedClock(clock, Date.now(), { rate })); }} />
          <output className="recordings-time" aria-label="Playback time">
            {shown}
          </output>
          <button type="button" className="primary" onClick={() => { onClock(null); }}>
            Live
          </button>
        </>
      ) : null}
    </div>
  );
}
