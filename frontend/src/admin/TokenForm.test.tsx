import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: { bodies: unknown[] } = { bodies: [] };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = JSON.parse(await request.text()) as Record<string, unknown>;
    state.bodies.push(body);
    const created = {
      id: 9,
      name: body.name,
      role: body.role,
      groups: body.groups,
      created_by: 'admin',
      created_at: '2026-11-25T12:00:00Z',
      expires_at: body.expires_at,
      last_used_at: null,
      revoked_at: null,
      token: 'cpl_s3cr3t',
    };
    return new Response(JSON.stringify(created), { status: 201, headers: { 'content-type': 'application/json' } });
  };
  return state;
});

import { TokenForm } from './TokenForm';

afterEach(() => {
  cleanup();
  server.bodies.length = 0;
});

describe('creating an API token', () => {
  it('sends role, groups and expiry, then shows the secret once with a copy button', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(<TokenForm />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'backup script' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'operator' } });
    fireEvent.change(screen.getByLabelText('Camera groups'), { target: { value: 'north, gates' } });
    fireEvent.change(screen.getByLabelText('Expires'), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));

    await screen.findByText(/you won't see it again/);
    expect(server.bodies[0]).toEqual({ name: 'backup script', role: 'operator', groups: ['north', 'gates'], expires_at: null });
    expect(screen.getByLabelText('The new token').textContent).toBe('cpl_s3cr3t');

    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await screen.findByText('Copied to the clipboard.');
    expect(writeText).toHaveBeenCalledWith('cpl_s3cr3t');
  });
});
