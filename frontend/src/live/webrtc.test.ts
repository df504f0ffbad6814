import { describe, expect, it } from 'vitest';

import { connectionFailure, refusal } from './webrtc';

describe('the peer connection', () => {
  it('failing before any frame is an error (Auto falls back); after frames, a stall', () => {
    expect(connectionFailure('failed', false)).toBe('error');
    expect(connectionFailure('failed', true)).toBe('stalled');
    expect(connectionFailure('closed', true)).toBe('stalled');
  });

  it('connecting or briefly disconnected is left to the frame watch', () => {
    for (const state of ['new', 'connecting', 'connected', 'disconnected'] as const) {
      expect(connectionFailure(state, true)).toBeNull();
    }
  });
});

describe('a refused offer', () => {
  const problem = (status: number, body: unknown) =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

  it("says the problem document's detail", async () => {
    expect(await refusal(problem(404, { title: 'Not Found', detail: 'the camera is offline' }))).toBe('the camera is offline');
    expect(await refusal(problem(503, { title: 'Service Unavailable' }))).toBe('Service Unavailable');
  });

  it('says the status when there is no problem document', async () => {
    expect(await refusal(problem(502, '<html>bad gateway</html>'))).toBe('The WebRTC offer was refused (HTTP 502).');
  });

  it('names the credentials for a 401', async () => {
    expect(await refusal(problem(401, { detail: 'x' }))).toMatch(/credentials/);
  });
});
