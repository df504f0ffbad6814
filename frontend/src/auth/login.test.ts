import { describe, expect, it } from 'vitest';

import { describeLoginFailure, isServerPage, loginPath, retryAfterSeconds, returnPath } from './login';

describe('the way back after logging in', () => {
  it('remembers the page and its query', () => {
    expect(loginPath('/cameras?q=dock&page=2')).toBe('/login?next=%2Fcameras%3Fq%3Ddock%26page%3D2');
    expect(returnPath('/cameras?q=dock&page=2')).toBe('/cameras?q=dock&page=2');
  });

  it('has nothing to remember on the home page or the login page itself', () => {
    expect(loginPath('/')).toBe('/login');
    expect(loginPath('/live')).toBe('/login');
    expect(loginPath('/login?next=%2Fcameras')).toBe('/login');
  });

  it('never leaves the console', () => {
    for (const next of [null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/login']) {
      expect(returnPath(next)).toBe('/live');
    }
  });

  it('goes back to the API explorer by loading it, as the service serves it', () => {
    expect(returnPath('/api/docs/')).toBe('/api/docs/');
    expect(isServerPage('/api/docs/')).toBe(true);
    expect(isServerPage('/cameras?q=api')).toBe(false);
  });
});

describe('a refused login', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds(new Date(now + 90_000).toUTCString(), now)).toBe(90);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });

  it('says what went wrong, and how long to wait after too many attempts', () => {
    expect(describeLoginFailure({ status: 401, retryAfter: null }, now)).toEqual({ message: 'Wrong username or password.', until: null });
    expect(describeLoginFailure({ status: 429, retryAfter: '30' }, now)).toEqual({ message: 'Too many failed logins.', until: now + 30_000 });
    expect(describeLoginFailure({ status: 429, retryAfter: null }, now).message).toMatch(/wait a few minutes/i);
    expect(describeLoginFailure({ status: 0, retryAfter: null }, now).message).toMatch(/cannot be reached/);
  });
});
