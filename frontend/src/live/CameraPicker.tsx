import { useEffect, useRef, useState } from 'react';

import { api, unwrap, type Camera } from '../api/client';
import { dragCamera } from './dragging';

/** How many matches the picker lists: enough to choose from, cheap at any fleet size. */
const MATCHES = 20;

/**
 * A tile's camera: its name on a button that opens a search over every
 * camera the user sees (name, location or group, as typed; the first one or
 * two letters match the start of a name), not a list of the first few
 * hundred. A match can also be dragged onto any tile.
 */
export function CameraPicker({
  index,
  camera,
  onChoose,
}: {
  index: number;
  camera: Camera | null;
  onChoose: (id: number | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [matches, setMatches] = useState<Camera[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    search.current?.focus();
    let current = true;
    const timer = window.setTimeout(() => {
      const q = typed.trim();
      unwrap(api.GET('/api/cameras', { params: { query: { limit: MATCHES, sort: 'name', ...(q ? { q } : {}) } } })).then(
        (page) => {
          if (!current) return;
          setMatches(page.items);
          setFailed(null);
        },
        (err: unknown) => {
          if (current) setFailed(err instanceof Error ? err.message : String(err));
        },
      );
    }, 200);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [open, typed]);

  const choose = (id: number | null) => {
    setOpen(false);
    setTyped('');
    onChoose(id);
  };

  return (
    <div className="camera-picker">
      <button
        type="button"
        aria-label={`Camera of tile ${index + 1}`}
        aria-expanded={open}
        onClick={() => {
          setOpen((was) => !was);
        }}
      >
        {camera ? camera.name : 'Choose a camera'}
      </button>
      {open ? (
        <div
          className="camera-picker-panel"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setOpen(false);
          }}
        >
          <input
            ref={search}
            type="search"
            aria-label={`Search cameras for tile ${index + 1}`}
            placeholder="Name, location or group"
            value={typed}
            onChange={(e) => {
              setTyped(e.target.value);
            }}
          />
          {failed ? <p className="alert" role="alert">{failed}</p> : null}
          <ul aria-label={`Cameras for tile ${index + 1}`}>
            {camera ? (
              <li>
                <button type="button" className="link" onClick={() => { choose(null); }}>No camera</button>
              </li>
            ) : null}
            {matches?.map((match) => (
              <li key={match.id}>
                <button
                  type="button"
                  className="link"
                  draggable
                  onDragStart={(e) => {
                    dragCamera(e.dataTransfer, match.id);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => {
                    choose(match.id);
                  }}
                >
                  {match.name}
                  {match.location ? <span className="muted"> · {match.location}</span> : null}
                </button>
              </li>
            ))}
          </ul>
          {matches?.length === 0 ? <p className="muted">No camera matches.</p> : null}
          {matches?.length === MATCHES ? <p className="muted">Type more to narrow the list.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
