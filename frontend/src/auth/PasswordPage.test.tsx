import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: { requests: { method: string; url: string; body: string }[]; answer: () => Promise<Response> } = {
    requests: [],
    answer: () => Promise.resolve(new Response(null, { status: 204 })),
  };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    state.requests.push({ method: request.method, url: request.url, body: await request.text() });
    return state.answer();
  };
  return state;
});

import { PasswordPage } from './PasswordPage';

function change(current: string, chosen: string, repeated = chosen) {
  fireEvent.change(screen.getByLabelText('Current password'), { target: { value: current } });
  fireEvent.change(screen.getByLabelText('New password'), { target: { value: chosen } });
  fireEvent.change(screen.getByLabelText('New password again'), { target: { value: repeated } });
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

const value = (label: string) => screen.getByLabelText<HTMLInputElement>(label).value;

afterEach(() => {
  cleanup();
  server.requests.length = 0;
});

describe('password page', () => {
  it('sends nothing when the new password is typed differently twice', async () => {
    render(<PasswordPage />);
    change('old password here', 'brand new password', 'brand new passwort');

    await screen.findByText('Does not match the new password.');
    expect(server.requests).toHaveLength(0);
  });

  it('marks a wrong current password and keeps every password out of the page', async () => {
    server.answer = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            type: 'urn:camplane:problem:validation',
            title: 'Invalid',
            status: 422,
            detail: 'the request has invalid fields',
            errors: [{ field: 'current_password', message: 'is not your current password' }],
          }),
          { status: 422, headers: { 'content-type': 'application/problem+json' } },
        ),
      );
    render(<PasswordPage />);
    change('hunter2-old-one', 'hunter2-new-one');

    await screen.findByText('is not your current password');
    expect(value('Current password')).toBe('');
    expect(document.body.innerHTML).not.toContain('hunter2');
  });

  it('changes the password and empties the form', async () => {
    server.answer = () => Promise.resolve(new Response(null, { status: 204 }));
    render(<PasswordPage />);
    change('old password here', 'brand new password');

    await screen.findByText('Your password is changed.');
    const [request] = server.requests;
    expect(request?.method).toBe('PUT');
    expect(new URL(request?.url ?? '').pathname).toBe('/api/session/password');
    expect(JSON.parse(request?.body ?? '{}')).toEqual({
      current_password: 'old password here',
      new_password: 'brand new password',
    });
    expect([value('Current password'), value('New password'), value('New password again')]).toEqual(['', '', '']);
  });
});
