import { useEffect, useState } from 'react';

interface Picture {
  url: string;
  /** When the picture was taken, from the snapshot's Age header. */
  takenAt: number;
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

/**
 * The last good picture of a camera that is down, with its age, so an
 * operator sees what the camera last showed and how stale that is.
 */
export function LastPicture({ id, refresh }: { id: number; refresh: number }) {
  const [picture, setPicture] = useState<Picture | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const abort = new AbortController();
    let objectUrl: string | null = null;
    fetch(`/api/cameras/${id}/snapshot?width=640&max_age=30&fallback=last`, { signal: abort.signal })
      .then(async (response) => {
        if (!response.ok) return;
        const age = Number(response.headers.get('age') ?? '0');
        const blob = await response.blob();
        objectUrl = URL.createObjectURL(blob);
        setPicture({ url: objectUrl, takenAt: Date.now() - age * 1000 });
      })
      .catch(() => {
        // No picture (or the tile moved on): the tile's message says why.
      });
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      setPicture(null);
    };
  }, [id, refresh]);

  useEffect(() => {
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, 5_000);
    return () => {
      window.clearInterval(timer);
    };
  }, []);

  if (!picture) return null;
  return (
    <figure className="last-picture">
      <img src={picture.url} alt="Last picture from this camera" />
      <figcaption>Last picture {ago(now - picture.takenAt)}</figcaption>
    </figure>
  );
}
