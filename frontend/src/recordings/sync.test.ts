import { describe, expect, it } from 'vitest';

import { changedClock, clockPosition, correction, startClock } from './sync';

const T = Date.UTC(2026, 11, 4, 9, 0, 0);

describe('synchronised playback', () => {
  it('advances at its speed, stands still when paused, and carries on from where it was', () => {
    const clock = startClock(T, 1_000);
    expect(clockPosition(clock, 3_000)).toBe(T + 2_000);
    const faster = changedClock(clock, 3_000, { rate: 4 });
    expect(clockPosition(faster, 4_000)).toBe(T + 6_000);
    const paused = changedClock(faster, 4_000, { paused: true });
    expect(clockPosition(paused, 60_000)).toBe(T + 6_000);
    const resumed = changedClock(paused, 60_000, { paused: false });
    expect(clockPosition(resumed, 60_500)).toBe(T + 8_000);
  });

  it('moves only the tiles that drifted, and not those still starting', () => {
    const clock = startClock(T, 0);
    expect(correction(clock, T + 10_400, 10_000)).toBeNull();
    expect(correction(clock, T + 8_000, 10_000)).toBe(T + 10_000);
    expect(correction(clock, T + 12_000, 10_000)).toBe(T + 10_000);
    expect(correction(clock, null, 10_000)).toBeNull();
  });
});
