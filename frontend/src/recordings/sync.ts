// One clock for the mosaic's synchronised playback: every tile plays its
// own camera from the same instant, and is brought back to the clock when
// it drifts (each tile buffers and decodes at its own pace).

export interface PlaybackClock {
  /** The recorded instant (ms since the epoch) shown at `anchoredAt`. */
  instant: number;
  /** When, on this machine's clock (ms), the clock showed `instant`. */
  anchoredAt: number;
  rate: number;
  paused: boolean;
}

/** A tile further than this from the clock is moved to it. */
export const MAX_DRIFT_MS = 1_500;

export function startClock(instant: number, now: number, rate = 1): PlaybackClock {
  return { instant, anchoredAt: now, rate, paused: false };
}

/** The recorded instant the tiles should show at `now`. */
export function clockPosition(clock: PlaybackClock, now: number): number {
  return clock.paused ? clock.instant : clock.instant + (now - clock.anchoredAt) * clock.rate;
}

/** The clock re-anchored at `now` with some of its settings changed: position carries on from where it was. */
export function changedClock(clock: PlaybackClock, now: number, changes: Partial<Pick<PlaybackClock, 'rate' | 'paused'>>): PlaybackClock {
  return { ...clock, ...changes, instant: clockPosition(clock, now), anchoredAt: now };
}

/**
 * Where a tile showing `shown` should go: nowhere while it is close enough
 * (or still starting, null), else to the clock. Small drift is left alone:
 * a seek costs a rebuffer, which would cause the very drift it corrects.
 */
export function correction(clock: PlaybackClock, shown: number | null, now: number): number | null {
  if (shown === null) return null;
  const expected = clockPosition(clock, now);
  return Math.abs(shown - expected) > MAX_DRIFT_MS ? expected : null;
}
