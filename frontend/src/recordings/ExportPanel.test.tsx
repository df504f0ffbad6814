import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The API client takes `fetch` when its module loads, so the fake goes in first.
const server = vi.hoisted(() => {
  const state: {
    requests: { method: string; path: string; body: string }[];
    answer: (method: string, path: string) => Response;
  } = { requests: [], answer: () => new Response(null, { status: 500 }) };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    // The exports' calls name paths only, as a page's fetch may.
    const request = new Request(typeof input === 'string' ? new URL(input, 'http://console.test') : input, init);
    const body = request.method === 'GET' ? '' : await request.text();
    state.requests.push({ method: request.method, path: new URL(request.url).pathname, body });
    return state.answer(request.method, new URL(request.url).pathname);
  };
  return state;
});

import { ExportPanel } from './ExportPanel';
import { exportProblem, minuteAround } from './exports';

const T = Date.UTC(2026, 11, 4, 9, 0, 0);
const EXPORT = {
  id: 5,
  camera_id: 7,
  start: '2026-12-04T08:59:30Z',
  end: '2026-12-04T09:00:30Z',
  state: 'pending',
  detail: null,
  bytes: null,
  created_at: '2026-12-04T09:10:00Z',
  expires_at: '2026-12-05T09:10:00Z',
  download_url: '/api/exports/5/file',
};
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });

/** Longer than one poll (a second), with room for a busy machine. */
const POLLED = { timeout: 4_000 };

afterEach(() => {
  cleanup();
  server.requests.length = 0;
});

/** The panel with the minute around the playhead selected. */
function Panel() {
  return <ExportPanel cameraId={7} playhead={T} selection={minuteAround(T, T + 60_000)} onSelection={() => undefined} />;
}

describe('export', () => {
  it('refuses what the server would before asking it', () => {
    expect(minuteAround(T, T + 60_000)).toEqual({ start: T - 30_000, end: T + 30_000 });
    expect(minuteAround(T, T + 10_000)).toEqual({ start: T - 50_000, end: T + 10_000 });
    expect(exportProblem({ start: T, end: T })).toMatch(/after the start/);
    expect(exportProblem({ start: T, end: T + 61 * 60_000 })).toMatch(/at most one hour/);
    expect(exportProblem({ start: T, end: T + 60 * 60_000 })).toBeNull();
  });

  it('posts the range, shows it pending, then the download once ready', async () => {
    let state = 'pending';
    server.answer = (method) => (method === 'POST' ? json(EXPORT, 202) : json({ ...EXPORT, state, bytes: 2_500_000 }));
    render(<Panel />);
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByRole('status', {}, POLLED)).textContent).toMatch(/Preparing the export/);
    expect(server.requests[0]).toEqual({
      method: 'POST',
      path: '/api/cameras/7/exports',
      body: JSON.stringify({ start: '2026-12-04T08:59:30.000Z', end: '2026-12-04T09:00:30.000Z' }),
    });
    state = 'ready';
    const link = await screen.findByRole('link', { name: 'Download the export' }, POLLED);
    expect(link.getAttribute('href')).toBe('/api/exports/5/file');
    expect(screen.getByRole('status').textContent).toMatch(/Ready \(2\.5 MB\)/);
  });

  it('says why an export failed, and why one was refused', async () => {
    server.answer = (method) =>
      method === 'POST' ? json(EXPORT, 202) : json({ ...EXPORT, state: 'failed', detail: 'nothing was recorded in that range' });
    render(<Panel />);
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByText(/The export failed/, {}, POLLED)).textContent).toBe('The export failed: nothing was recorded in that range');
    cleanup();

    server.answer = () =>
      json({ type: 'urn:camplane:problem:validation', title: 'Unprocessable Entity', status: 422, detail: 'end: must be at most 1h after start' }, 422);
    render(<Panel />);
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByRole('alert', {}, POLLED)).textContent).toBe('end: must be at most 1h after start');
  });
});
