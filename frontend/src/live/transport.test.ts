import { describe, expect, it } from 'vitest';

import {
  PREFERENCES,
  afterFailure,
  clockText,
  senderTime,
  classifyStatus,
  firstTransport,
  preferenceKey,
  readPreference,
  type Failure,
  type Preference,
  type TransportKind,
} from './transport';

const next = (preference: Preference, transport: TransportKind, failure: Failure, renewed = false) =>
  afterFailure({ preference, transport, failure, renewed });

describe('the first transport', () => {
  it('is WebRTC in Auto until WebRTC failed on the tile, then HLS', () => {
    expect(firstTransport('auto', false)).toBe('webrtc');
    expect(firstTransport('auto', true)).toBe('hls');
  });

  it('is the one chosen, whatever failed before', () => {
    expect(firstTransport('webrtc', true)).toBe('webrtc');
    expect(firstTransport('hls', false)).toBe('hls');
  });
});

describe('after a failure', () => {
  it('Auto falls back to HLS at once when WebRTC does not get through or cannot carry the camera', () => {
    expect(next('auto', 'webrtc', 'error')).toEqual({ kind: 'fall-back', to: 'hls' });
    expect(next('auto', 'webrtc', 'unplayable')).toEqual({ kind: 'fall-back', to: 'hls' });
  });

  it('a chosen transport is never swapped: errors retry it, a codec it cannot carry is final', () => {
    expect(next('webrtc', 'webrtc', 'error')).toEqual({ kind: 'retry', show: 'error' });
    expect(next('webrtc', 'webrtc', 'unplayable')).toEqual({ kind: 'give-up' });
    expect(next('hls', 'hls', 'error')).toEqual({ kind: 'retry', show: 'error' });
    expect(next('hls', 'hls', 'unplayable')).toEqual({ kind: 'give-up' });
  });

  it('HLS, already the fallback, has nothing to fall back to', () => {
    expect(next('auto', 'hls', 'error')).toEqual({ kind: 'retry', show: 'error' });
    expect(next('auto', 'hls', 'unplayable')).toEqual({ kind: 'give-up' });
  });

  it('an offline or full camera waits and retries over either transport: HLS would not do better', () => {
    for (const preference of PREFERENCES) {
      for (const transport of ['webrtc', 'hls'] as const) {
        expect(next(preference, transport, 'offline')).toEqual({ kind: 'retry', show: 'offline' });
        expect(next(preference, transport, 'capacity')).toEqual({ kind: 'retry', show: 'capacity' });
      }
    }
  });

  it('a stall after playing retries with backoff, not a fallback: WebRTC did get through', () => {
    expect(next('auto', 'webrtc', 'stalled')).toEqual({ kind: 'retry', show: 'error' });
    expect(next('auto', 'hls', 'stalled')).toEqual({ kind: 'retry', show: 'error' });
  });

  it('a refused token is renewed once, then the refusal shows', () => {
    expect(next('auto', 'webrtc', 'session')).toEqual({ kind: 'renew' });
    expect(next('auto', 'webrtc', 'session', true)).toEqual({ kind: 'retry', show: 'error' });
    expect(next('hls', 'hls', 'session')).toEqual({ kind: 'renew' });
  });
});

describe("the edge's statuses", () => {
  it('name what happened', () => {
    expect(classifyStatus(404)).toBe('offline');
    expect(classifyStatus(503)).toBe('capacity');
    expect(classifyStatus(415)).toBe('unplayable');
    expect(classifyStatus(401)).toBe('session');
    expect(classifyStatus(502)).toBe('error');
    expect(classifyStatus(undefined)).toBe('error');
  });
});

describe('the stored preference', () => {
  it('is kept per user', () => {
    expect(preferenceKey('alice')).not.toBe(preferenceKey('bob'));
  });

  it('reads back what was stored, and Auto for anything else', () => {
    for (const preference of PREFERENCES) expect(readPreference(preference)).toBe(preference);
    expect(readPreference(null)).toBe('auto');
    expect(readPreference('rtsp')).toBe('auto');
  });
});

describe("the camera's time", () => {
  it("is carried forward from the sender's last report, less the jitter buffer", () => {
    expect(senderTime(undefined, 5, 10, 0)).toBeNull();
    expect(senderTime(1_000_000, 2_000, 2_500, 0.2)?.getTime()).toBe(1_000_300);
  });

  it('reads as a 24-hour clock to the second', () => {
    expect(clockText(new Date(2026, 11, 4, 9, 5, 7))).toMatch(/^09:05:07$/);
  });
});
