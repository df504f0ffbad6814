import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: { requests: Request[]; status: number; body: unknown } = { requests: [], status: 200, body: { items: [] } };
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    state.requests.push(request);
    return Promise.resolve(
      new Response(JSON.stringify(state.body), {
        status: state.status,
        headers: { 'content-type': state.status < 400 ? 'application/json' : 'application/problem+json' },
      }),
    );
  };
  return state;
});

import { getAuth, needsCsrf, setAuth, type Session } from './auth';
import { api, forbiddenMessage, unwrap } from './client';

const SESSION: Session = {
  user: {
    id: 1,
    username: 'ines',
    role: 'viewer',
    groups: null,
    disabled: false,
    created_at: '2026-11-25T00:00:00Z',
    updated_at: '2026-11-25T00:00:00Z',
    last_login_at: null,
  },
  csrf_token: 'csrf-123',
  expires_at: '2026-11-26T00:00:00Z',
};

afterEach(() => {
  server.requests.length = 0;
  server.status = 200;
  server.body = { items: [] };
});

describe('the CSRF header', () => {
  it('goes with every method that may change something, and only those', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) expect(needsCsrf(method)).toBe(true);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(needsCsrf(method)).toBe(false);
  });

  it('is sent from the session on unsafe calls, never on reads', async () => {
    setAuth({ kind: 'signed-in', session: SESSION });
    await api.GET('/api/users');
    await api.DELETE('/api/tokens/{id}', { params: { path: { id: 4 } } });
    const [read, write] = server.requests;
    expect(read?.headers.get('x-csrf-token')).toBeNull();
    expect(write?.headers.get('x-csrf-token')).toBe('csrf-123');
    expect(write?.credentials).toBe('same-origin');
  });
});

describe('answers about credentials', () => {
  it('a 401 anywhere ends the session, and the login page says so', async () => {
    setAuth({ kind: 'signed-in', session: SESSION });
    server.status = 401;
    server.body = { type: 'urn:camplane:problem:unauthenticated', title: 'Unauthorized', status: 401, detail: 'log in' };
    await expect(unwrap(api.GET('/api/cameras', { params: { query: {} } }))).rejects.toThrow();
    expect(getAuth()).toEqual({ kind: 'signed-out', reason: 'expired' });
  });

  it('a 403 names the role that may not do it', async () => {
    setAuth({ kind: 'signed-in', session: SESSION });
    server.status = 403;
    server.body = { type: 'urn:camplane:problem:forbidden', title: 'Forbidden', status: 403, detail: 'operator role required' };
    await expect(unwrap(api.POST('/api/reconcile'))).rejects.toThrow("Your role (viewer) can't do this.");
    expect(getAuth().kind).toBe('signed-in');
  });

  it('a refused CSRF token asks for a reload', () => {
    expect(forbiddenMessage('urn:camplane:problem:csrf', 'admin')).toMatch(/Reload this page/);
    expect(forbiddenMessage(undefined, null)).toBe("Your account can't do this.");
  });
});
