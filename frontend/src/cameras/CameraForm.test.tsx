import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: {
    requests: { method: string; url: string; headers: Headers; body: string }[];
    answer: (method: string, path: string) => Response;
  } = { requests: [], answer: () => new Response(null, { status: 500 }) };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = request.method === 'GET' ? '' : await request.text();
    state.requests.push({ method: request.method, url: request.url, headers: request.headers, body });
    return state.answer(request.method, new URL(request.url).pathname);
  };
  return state;
});

import { CameraForm } from './CameraForm';

const CAMERA = {
  id: 7,
  name: 'Dock',
  stream_url: 'rtsp://admin:***@10.0.0.1:554/s',
  location: null,
  enabled: true,
  on_demand: true,
  max_readers: 0,
  groups: ['north', 'gates'],
  path: 'cam_7',
  hls_url: '/hls/cam_7/index.m3u8',
  webrtc_url: '/webrtc/cam_7/whep',
  created_at: '2026-11-25T00:00:00Z',
  updated_at: '2026-11-25T00:00:00Z',
  provisioning: { state: 'ready', attempts: 0, updated_at: '2026-11-25T00:00:00Z' },
  recording: { mode: 'continuous', retention: '7d', retention_seconds: 604800, storage_budget_bytes: 20_000_000_000 },
};

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers },
  });

/** The API's 422 naming one field. */
const invalid = (field: string, message: string) =>
  json(
    { type: 'urn:camplane:problem:validation', title: 'Invalid request', status: 422, detail: 'some fields are invalid', errors: [{ field, message }] },
    422,
  );

afterEach(() => {
  cleanup();
  server.requests.length = 0;
});

describe('camera form', () => {
  it('never shows the stored password, keeps it and the groups unless retyped, and explains an edit conflict', async () => {
    server.answer = (method) =>
      method === 'GET'
        ? json(CAMERA, 200, { etag: '"3"' })
        : json({ type: 'urn:camplane:problem:precondition-failed', title: 'Precondition failed', status: 412, detail: 'changed' }, 412);
    render(<CameraForm id={7} />);

    const address = await screen.findByDisplayValue('rtsp://10.0.0.1:554/s');
    expect(address).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('Groups').value).toBe('north, gates');
    const password = screen.getByLabelText<HTMLInputElement>('Password');
    expect(password.value).toBe('');
    expect(password.placeholder).toMatch(/stored/);
    expect(document.body.innerHTML).not.toContain('***');

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Dock 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await screen.findByText(/Someone changed this camera/);
    const patch = server.requests.find((request) => request.method === 'PATCH');
    expect(patch?.headers.get('if-match')).toBe('"3"');
    expect(JSON.parse(patch?.body ?? '{}')).toMatchObject({
      name: 'Dock 2',
      stream_url: 'rtsp://admin:***@10.0.0.1:554/s',
      groups: ['north', 'gates'],
    });

    fireEvent.click(screen.getByRole('button', { name: 'Reload the camera' }));
    await waitFor(() => {
      expect(screen.queryByText(/Someone changed this camera/)).toBeNull();
    });
    expect(server.requests.filter((request) => request.method === 'GET')).toHaveLength(2);
  });

  it('shows each rejected field next to its input', async () => {
    server.answer = () => invalid('stream_url', 'must start with rtsp:// or rtsps://');
    render(<CameraForm id={null} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Gate' } });
    fireEvent.change(screen.getByLabelText('Stream URL'), { target: { value: 'http://10.0.0.1/' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));

    const message = await screen.findByText('must start with rtsp:// or rtsps://');
    const input = screen.getByLabelText('Stream URL');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(message.id);
    expect(screen.getByRole('alert').textContent).toMatch(/Some fields need attention/);
  });

  it('sends the recording policy with the budget in bytes and shows its field errors in place', async () => {
    server.answer = () => invalid('recording.retention', 'a whole number and s, m, h or d');
    render(<CameraForm id={null} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Gate' } });
    fireEvent.change(screen.getByLabelText('Stream URL'), { target: { value: 'rtsp://10.0.0.1/' } });
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'continuous' } });
    fireEvent.change(screen.getByLabelText('Keep recordings for'), { target: { value: '2 weeks' } });
    fireEvent.change(screen.getByLabelText('Storage budget (GB)'), { target: { value: '1.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));

    const message = await screen.findByText('a whole number and s, m, h or d');
    const input = screen.getByLabelText('Keep recordings for');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(message.id);
    const sent = JSON.parse(server.requests.at(-1)?.body ?? '{}') as { recording: unknown };
    expect(sent.recording).toEqual({ mode: 'continuous', retention: '2 weeks', storage_budget_bytes: 1_500_000_000 });
  });
});
