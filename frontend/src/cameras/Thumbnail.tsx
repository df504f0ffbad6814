import { useState } from 'react';

/**
 * A small still from the snapshot endpoint: a cached frame up to a minute
 * old is fine here, and the last good one stands in when the camera is down.
 */
export function Thumbnail({ id, name }: { id: number; name: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) {
    return <span className="thumb thumb-missing" aria-label={`No picture from ${name}`} />;
  }
  return (
    <img
      className="thumb"
      src={`/api/cameras/${id}/snapshot?width=160&max_age=60&fallback=last`}
      alt={`Latest picture from ${name}`}
      width={96}
      height={54}
      loading="lazy"
      onError={() => {
        setFailed(true);
      }}
    />
  );
}
