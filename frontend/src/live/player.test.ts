import Hls from 'hls.js';
import { describe, expect, it } from 'vitest';

import { retryDelay } from './backoff';
import { MAX_BEHIND_S, START_MS, STALL_MS, classify, watchdog } from './player';

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

describe('failures', () => {
  const error = (code?: number) =>
    ({
      type: Hls.ErrorTypes.NETWORK_ERROR,
      details: Hls.ErrorDetails.MANIFEST_LOAD_ERROR,
      response: code === undefined ? undefined : { code, text: '', url: '' },
    });

  it('name what the edge answered', () => {
    expect(classify(error(404))).toBe('offline');
    expect(classify(error(503))).toBe('capacity');
    expect(classify(error(415))).toBe('unplayable');
    expect(classify(error(401))).toBe('session');
    expect(classify(error(502))).toBe('error');
    expect(classify(error())).toBe('error');
  });
});

describe('watchdog', () => {
  const base = { now: 100_000, startedAt: 100_000, lastProgressAt: 100_000, behindLive: 1 };

  it('restarts a tile whose video stopped moving', () => {
    expect(watchdog({ ...base, state: 'live', lastProgressAt: base.now - STALL_MS - 1 })).toBe('restart');
    expect(watchdog({ ...base, state: 'live', lastProgressAt: base.now - STALL_MS + 1_000 })).toBe('ok');
  });

  it('gives a starting stream time for an on-demand start', () => {
    expect(watchdog({ ...base, state: 'starting', startedAt: base.now - START_MS + 1_000 })).toBe('ok');
    expect(watchdog({ ...base, state: 'starting', startedAt: base.now - START_MS - 1 })).toBe('restart');
  });

  it('returns to the live edge after falling behind', () => {
    expect(watchdog({ ...base, state: 'live', behindLive: MAX_BEHIND_S + 1 })).toBe('jump-to-live');
    expect(watchdog({ ...base, state: 'live', behindLive: MAX_BEHIND_S - 1 })).toBe('ok');
  });

  it('leaves tiles that wait for a retry alone', () => {
    expect(watchdog({ ...base, state: 'offline', lastProgressAt: 0 })).toBe('ok');
  });
});
