import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: { bodies: string[]; answer: () => Promise<Response> } = {
    bodies: [],
    answer: () => Promise.resolve(new Response(null, { status: 500 })),
  };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    state.bodies.push(await request.text());
    return state.answer();
  };
  return state;
});

import { getAuth, setAuth } from '../api/auth';
import { LoginPage } from './LoginPage';

const problem = (status: number, type: string, headers: Record<string, string> = {}) =>
  Promise.resolve(
    new Response(JSON.stringify({ type, title: 'Refused', status, detail: 'refused' }), {
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
    }),
  );

function logInAs(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
}

afterEach(() => {
  cleanup();
  server.bodies.length = 0;
  setAuth({ kind: 'signed-out', reason: 'none' });
});

describe('login page', () => {
  it('says a wrong password plainly, keeps the password out of the page, and empties its field', async () => {
    server.answer = () => problem(401, 'urn:camplane:problem:login-failed');
    render(<LoginPage reason="none" />);
    logInAs('admin', 'hunter2-but-longer');

    await screen.findByText('Wrong username or password.');
    expect(JSON.parse(server.bodies[0] ?? '{}')).toEqual({ username: 'admin', password: 'hunter2-but-longer' });
    expect(document.body.innerHTML).not.toContain('hunter2');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Username').value).toBe('admin');
    expect(window.location.search).not.toContain('hunter2');
  });

  it('can not be sent twice while a login is on its way', async () => {
    let answer: (response: Response) => void = () => undefined;
    server.answer = () =>
      new Promise((resolve) => {
        answer = resolve;
      });
    render(<LoginPage reason="none" />);
    logInAs('admin', 'a long enough password');

    const button = await screen.findByRole<HTMLButtonElement>('button', { name: 'Logging in…' });
    expect(button.disabled).toBe(true);
    answer(new Response(null, { status: 401 }));
    expect((await screen.findByRole<HTMLButtonElement>('button', { name: 'Log in' })).disabled).toBe(false);
  });

  it('after too many attempts, says how long to wait and waits', async () => {
    server.answer = () => problem(429, 'urn:camplane:problem:too-many-attempts', { 'retry-after': '30' });
    render(<LoginPage reason="none" />);
    logInAs('admin', 'guess number six');

    await screen.findByText(/Too many failed logins\. Try again in 30 s\./);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Log in' }).disabled).toBe(true);
  });

  it('logs in, and says why it is shown after a session ended', async () => {
    const session = {
      user: { id: 1, username: 'admin', role: 'admin', groups: null, disabled: false, created_at: '', updated_at: '', last_login_at: null },
      csrf_token: 'c',
      expires_at: '',
    };
    server.answer = () => Promise.resolve(new Response(JSON.stringify(session), { headers: { 'content-type': 'application/json' } }));
    render(<LoginPage reason="expired" />);
    expect(screen.getByRole('status').textContent).toMatch(/session ended/);
    logInAs('admin', 'the right password');

    await vi.waitFor(() => {
      expect(getAuth()).toEqual({ kind: 'signed-in', session });
    });
  });
});
