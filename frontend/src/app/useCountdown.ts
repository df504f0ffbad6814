import { useEffect, useState } from 'react';

/** Whole seconds left until `until` (a Date.now() time), ticking each second; null without one. */
export function useCountdown(until: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    const tick = () => {
      setNow(Date.now());
    };
    // At once too: `now` is as old as the last deadline, or the mount.
    const first = window.setTimeout(tick, 0);
    const timer = window.setInterval(tick, 1_000);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [until]);
  return until === null ? null : Math.max(0, Math.ceil((until - now) / 1000));
}
