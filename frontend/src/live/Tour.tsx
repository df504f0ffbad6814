import { useEffect, useRef, useState, type SyntheticEvent } from 'react';

import { Field } from '../app/Field';
import { TOUR_MIN_SECONDS, nextStop, tourInterval, type SavedView } from './views';

interface Running {
  stops: number[];
  seconds: number;
}

/**
 * A tour: the views chosen, each shown for the interval, round and round
 * until stopped. It runs on while its panel is closed.
 */
export function Tour({
  views,
  onOpen,
  onChoosing,
}: {
  views: readonly SavedView[];
  onOpen: (view: SavedView) => void;
  /** Its panel opens: the views to choose from should be the latest. */
  onChoosing: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<number[]>([]);
  const [typed, setTyped] = useState('10');
  const [error, setError] = useState<string | undefined>(undefined);
  const [running, setRunning] = useState<Running | null>(null);
  // Read by the timer when it fires, so a reloaded list or a new callback
  // doesn't restart the tour.
  const latest = useRef({ views, onOpen });
  useEffect(() => {
    latest.current = { views, onOpen };
  });

  useEffect(() => {
    if (!running) return;
    let shown: number | null = null;
    const step = () => {
      const present = new Map(latest.current.views.map((view) => [view.id, view]));
      const next = nextStop(running.stops.filter((id) => present.has(id)), shown);
      const view = next === null ? undefined : present.get(next);
      if (!view) return;
      shown = view.id;
      latest.current.onOpen(view);
    };
    step();
    const timer = window.setInterval(step, running.seconds * 1000);
    return () => {
      window.clearInterval(timer);
    };
  }, [running]);

  const start = (event: SyntheticEvent) => {
    event.preventDefault();
    const interval = tourInterval(typed);
    if ('error' in interval) {
      setError(interval.error);
      return;
    }
    setError(undefined);
    setRunning({ stops: views.map((view) => view.id).filter((id) => chosen.includes(id)), seconds: interval.seconds });
    setOpen(false);
  };

  return (
    <>
      {running ? (
        <button
          type="button"
          onClick={() => {
            setRunning(null);
          }}
        >
          Stop tour
        </button>
      ) : (
        <button
          type="button"
          aria-expanded={open}
          onClick={() => {
            if (!open) onChoosing();
            setOpen(!open);
          }}
        >
          Tour
        </button>
      )}
      {running ? (
        <span className="muted" role="status">
          Touring {running.stops.length} views, {running.seconds} s each
        </span>
      ) : null}
      {open && !running ? (
        <form className="toolbar-panel" aria-label="Tour" onSubmit={start}>
          <fieldset>
            <legend>Views to tour</legend>
            {views.length === 0 ? <p className="muted">Save views first.</p> : null}
            {views.map((view) => (
              <label key={view.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.includes(view.id)}
                  onChange={(e) => {
                    const { checked } = e.target;
                    setChosen((was) => (checked ? [...was, view.id] : was.filter((id) => id !== view.id)));
                  }}
                />{' '}
                {view.name}
              </label>
            ))}
          </fieldset>
          <Field label="Seconds per view" error={error} hint={`At least ${TOUR_MIN_SECONDS}.`}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={TOUR_MIN_SECONDS}
                step={1}
                value={typed}
                onChange={(e) => {
                  setTyped(e.target.value);
                }}
              />
            )}
          </Field>
          <button type="submit" className="primary" disabled={chosen.length < 2}>
            Start tour
          </button>
        </form>
      ) : null}
    </>
  );
}
