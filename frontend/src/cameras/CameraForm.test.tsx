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
  node_labels: { site: 'north' },
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

/** The new-camera form, filled in (label → value) and sent. */
function addCamera(fields: Record<string, string>) {
  render(<CameraForm id={null} />);
  for (const [label, value] of Object.entries(fields)) {
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  }
  fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
}

/** `message` shows under the field labelled `label`, which says it is invalid and points to it. */
async function expectShownAt(label: string, message: string) {
  const shown = await screen.findByText(message);
  const input = screen.getByLabelText(label);
  expect(input.getAttribute('aria-invalid')).toBe('true');
  expect(input.getAttribute('aria-describedby')).toContain(shown.id);
}

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
      node_labels: { site: 'north' },
    });

    fireEvent.click(screen.getByRole('button', { name: 'Reload the camera' }));
    await waitFor(() => {
      expect(screen.queryByText(/Someone changed this camera/)).toBeNull();
    });
    expect(server.requests.filter((request) => request.method === 'GET')).toHaveLength(2);
  });

  it('sends the sub-stream with the main login, keeps its stored password, and clears it when emptied', async () => {
    server.answer = (method) =>
      method === 'GET'
        ? json({ ...CAMERA, sub_stream_url: 'rtsp://admin:***@10.0.0.1:554/s2' }, 200, { etag: '"3"' })
        : json(CAMERA);
    render(<CameraForm id={7} />);
    const sub = await screen.findByLabelText<HTMLInputElement>('Sub-stream URL');
    await waitFor(() => {
      expect(sub.value).toBe('rtsp://10.0.0.1:554/s2');
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => {
      expect(server.requests.some((request) => request.method === 'PATCH')).toBe(true);
    });
    const sent = () => JSON.parse(server.requests.filter((r) => r.method === 'PATCH').at(-1)?.body ?? '{}') as Record<string, unknown>;
    expect(sent().sub_stream_url).toBe('rtsp://admin:***@10.0.0.1:554/s2');
    cleanup();

    render(<CameraForm id={7} />);
    const emptied = await screen.findByDisplayValue('rtsp://10.0.0.1:554/s2');
    fireEvent.change(emptied, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => {
      expect(server.requests.filter((request) => request.method === 'PATCH')).toHaveLength(2);
    });
    expect(sent().sub_stream_url).toBeNull();
  });

  it('shows each rejected field next to its input', async () => {
    server.answer = () => invalid('stream_url', 'must start with rtsp:// or rtsps://');
    addCamera({ Name: 'Gate', 'Stream URL': 'http://10.0.0.1/' });
    await expectShownAt('Stream URL', 'must start with rtsp:// or rtsps://');
    expect(screen.getByRole('alert').textContent).toMatch(/Some fields need attention/);
  });

  it('sends node labels as an object and refuses a part that is not key=value before sending', async () => {
    server.answer = () => json({ ...CAMERA, id: 8 }, 201);
    addCamera({ Name: 'Gate', 'Stream URL': 'rtsp://10.0.0.1/', 'Node labels': 'north' });
    await expectShownAt('Node labels', '"north" is not key=value');
    expect(server.requests).toHaveLength(0);

    fireEvent.change(screen.getByLabelText('Node labels'), { target: { value: 'site=north, zone=a' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    await waitFor(() => {
      expect(server.requests).toHaveLength(1);
    });
    const sent = JSON.parse(server.requests[0]?.body ?? '{}') as { node_labels: unknown };
    expect(sent.node_labels).toEqual({ site: 'north', zone: 'a' });
  });

  it('sends the recording policy with the budget in bytes and shows its field errors in place', async () => {
    server.answer = () => invalid('recording.retention', 'a whole number and s, m, h or d');
    addCamera({
      Name: 'Gate',
      'Stream URL': 'rtsp://10.0.0.1/',
      Mode: 'continuous',
      'Keep recordings for': '2 weeks',
      'Storage budget (GB)': '1.5',
    });
    await expectShownAt('Keep recordings for', 'a whole number and s, m, h or d');
    const sent = JSON.parse(server.requests.at(-1)?.body ?? '{}') as { recording: unknown };
    expect(sent.recording).toEqual({ mode: 'continuous', retention: '2 weeks', storage_budget_bytes: 1_500_000_000 });
  });
});
