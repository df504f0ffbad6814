import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state = { issued: 0, lifetimeMs: 300_000, skewMs: 0 };
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/api/video-tokens') {
      return Promise.resolve(new Response(null, { status: 404 }));
    }
    state.issued += 1;
    // The server's clock runs `skewMs` ahead of the browser's.
    const serverNow = Date.now() + state.skewMs;
    const body = { token: `vt-${state.issued}`, expires_at: new Date(serverNow + state.lifetimeMs).toISOString() };
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        headers: { 'content-type': 'application/json', date: new Date(serverNow).toUTCString() },
      }),
    );
  };
  return state;
});

import { RENEW_BEFORE_MS, localExpiry, refreshPlan, rejectVideoToken, videoToken } from './videoToken';

describe('when to renew the video token', () => {
  const now = 1_000_000;

  it('uses a token with more than a minute left, renews it in the background under a minute, and waits for a new one at the end', () => {
    expect(refreshPlan(now + 5 * 60_000, now)).toBe('use');
    expect(refreshPlan(now + RENEW_BEFORE_MS - 1, now)).toBe('use-and-renew');
    expect(refreshPlan(now + 20_000, now)).toBe('use-and-renew');
    expect(refreshPlan(now + 4_000, now)).toBe('renew');
    expect(refreshPlan(now - 1, now)).toBe('renew');
    expect(refreshPlan(null, now)).toBe('renew');
  });

  it('counts the lifetime on the server clock, so a skewed browser clock does not matter', () => {
    const serverDate = new Date(Date.UTC(2026, 10, 25, 12, 0, 0)).toUTCString();
    const expiresAt = '2026-11-25T12:05:00Z';
    expect(localExpiry(expiresAt, serverDate, now)).toBe(now + 300_000);
    expect(localExpiry(expiresAt, null, now)).toBe(Date.parse(expiresAt));
  });
});

describe('the console-wide video token', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 10, 25, 12, 0, 0));
    server.issued = 0;
    server.skewMs = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is fetched once for many tiles, renewed under a minute before expiry, and dropped when refused', async () => {
    const first = await Promise.all([videoToken(), videoToken(), videoToken()]);
    expect(new Set(first)).toEqual(new Set([first[0]]));
    expect(server.issued).toBe(1);

    vi.setSystemTime(Date.now() + 3 * 60_000);
    expect(await videoToken()).toBe(first[0]);
    expect(server.issued).toBe(1);

    // 50 s left: the held one still goes out while a new one is fetched.
    vi.setSystemTime(Date.now() + 70_000);
    expect(await videoToken()).toBe(first[0]);
    await vi.waitFor(async () => {
      expect(await videoToken()).not.toBe(first[0]);
    });
    expect(server.issued).toBe(2);
    const renewed = await videoToken();

    // An old token refused late leaves the current one alone.
    rejectVideoToken(first[0]);
    expect(await videoToken()).toBe(renewed);
    rejectVideoToken(renewed);
    expect(await videoToken()).not.toBe(renewed);
    expect(server.issued).toBe(3);
  });

  it('is not renewed on every request when the browser clock is ahead of the server', async () => {
    server.skewMs = -10 * 60_000;
    rejectVideoToken(await videoToken());
    const token = await videoToken();
    const issued = server.issued;
    expect(await videoToken()).toBe(token);
    expect(server.issued).toBe(issued);
  });
});
