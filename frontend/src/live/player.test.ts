import { describe, expect, it } from 'vitest';

import { retryDelay } from './backoff';
import { HLS_STALL_MS } from './hls';
import { MAX_BEHIND_S, START_MS, watchdog } from './player';
import { WEBRTC_STALL_MS } from './webrtc';

describe('retry delays', () => {
  it('grow from about a second to at most thirty, with jitter', () => {
    expect(retryDelay(0, () => 0)).toBe(500);
    expect(retryDelay(0, () => 1)).toBe(1_000);
    expect(retryDelay(3, () => 0.5)).toBe(6_000);
    expect(retryDelay(20, () => 1)).toBe(30_000);
    expect(retryDelay(20, () => 0)).toBe(15_000);
  });

  it('differ between tiles retrying the same camera', () => {
    const delays = new Set(Array.from({ length: 16 }, () => retryDelay(4)));
    expect(delays.size).toBeGreaterThan(8);
  });
});

describe('watchdog', () => {
  const base = { now: 100_000, startedAt: 100_000, lastProgressAt: 100_000, behindLive: 1, stallMs: HLS_STALL_MS };

  it('restarts a tile whose video stopped moving', () => {
    expect(watchdog({ ...base, state: 'live', lastProgressAt: base.now - HLS_STALL_MS - 1 })).toBe('stalled');
    expect(watchdog({ ...base, state: 'live', lastProgressAt: base.now - HLS_STALL_MS + 1_000 })).toBe('ok');
  });

  it('waits for WebRTC frames a few seconds only: its video arrives frame by frame, not in segments', () => {
    expect(WEBRTC_STALL_MS).toBeLessThan(HLS_STALL_MS);
    const quiet = { ...base, state: 'live' as const, behindLive: null, lastProgressAt: base.now - WEBRTC_STALL_MS - 1 };
    expect(watchdog({ ...quiet, stallMs: WEBRTC_STALL_MS })).toBe('stalled');
    expect(watchdog({ ...quiet, stallMs: HLS_STALL_MS })).toBe('ok');
  });

  it('gives a starting stream time for an on-demand start', () => {
    expect(watchdog({ ...base, state: 'starting', startedAt: base.now - START_MS + 1_000 })).toBe('ok');
    expect(watchdog({ ...base, state: 'starting', startedAt: base.now - START_MS - 1 })).toBe('never-started');
  });

  it('returns to the live edge after falling behind', () => {
    expect(watchdog({ ...base, state: 'live', behindLive: MAX_BEHIND_S + 1 })).toBe('jump-to-live');
    expect(watchdog({ ...base, state: 'live', behindLive: MAX_BEHIND_S - 1 })).toBe('ok');
  });

  it('leaves tiles that wait for a retry alone', () => {
    expect(watchdog({ ...base, state: 'offline', lastProgressAt: 0 })).toBe('ok');
  });
});
