// WebRTC (WHEP) through the edge in a real browser (Debian's Chromium driven
// by playwright-core) against the whole stack and the real MediaMTX: the
// page does what a WebRTC tile will do (a video token, a recvonly offer
// POSTed to /webrtc/cam_<id>/whep with it as Bearer, the answer) and the
// media flows browser <-> MediaMTX's ICE port directly. The console's tiles
// don't play WebRTC yet (issue 18); these scenarios hold the server side.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addCamera, callApi, launchChromium, submitLogin } from './browser.mjs';
import { Stack, TestCamera } from './stack.mjs';

let stack;
let browser;
let camera;
let failed = false;

before(async () => {
  [stack, camera] = await Promise.all([Stack.start(), TestCamera.start()]);
  // MediaMTX announces 127.0.0.1 here (run-local.sh), which Chromium
  // reaches as it would a LAN or public address.
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await camera?.stop();
  if (failed) {
    stack?.printLogs();
  }
  await stack?.stop();
});

/** A test whose failure also prints the stack's logs. */
function scenario(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

/** A browser of its own (its own cookies), logged in as `username`, on the console. */
async function logIn(username, password) {
  const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, username, password);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

const logInAsAdmin = () => logIn('admin', stack.adminPassword);

async function addUser(admin, username, groups) {
  const password = `${username} password 1`;
  const { status, text } = await callApi(admin, 'POST', '/api/users', { username, password, role: 'viewer', groups });
  assert.equal(status, 201, text);
  return { id: JSON.parse(text).id, username, password };
}

/**
 * In the page: a video token, a recvonly video offer (ICE gathered first, so
 * no trickle), POSTed through the edge. 201: the answer is applied and the
 * peer connection kept as `window.whep`; otherwise the refusal comes back.
 */
function startWhep(page, cameraId, { tcpOnly = false } = {}) {
  return page.evaluate(async ({ cameraId, tcpOnly }) => {
    // Where the API says the camera's WHEP endpoint is; a viewer who may
    // not see the camera gets a 404 there and tries the URL's pattern.
    const shown = await fetch(`/api/cameras/${cameraId}`);
    const url = shown.ok ? (await shown.json()).webrtc_url : `/webrtc/cam_${cameraId}/whep`;
    if (!url) return { status: -1, body: 'the camera has no webrtc_url' };
    const session = await (await fetch('/api/session')).json();
    const issued = await fetch('/api/video-tokens', { method: 'POST', headers: { 'x-csrf-token': session.csrf_token } });
    if (issued.status !== 200) return { status: -1, body: await issued.text() };
    const { token } = await issued.json();
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((done) => {
      if (pc.iceGatheringState === 'complete') return done();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
      setTimeout(done, 3000);
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
      body: pc.localDescription.sdp,
    });
    const body = await response.text();
    const reply = { status: response.status, contentType: response.headers.get('content-type'), body };
    if (response.status !== 201) {
      reply.connectionState = pc.connectionState;
      pc.close();
      return reply;
    }
    // tcpOnly: the browser never learns the UDP candidates, as where UDP
    // is dropped on the way (no flag makes Chromium drop it by itself).
    const sdp = tcpOnly ? body.replace(/^a=candidate:\S+ \d+ udp .*\r\n/gim, '') : body;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    window.whep = pc;
    return { ...reply, location: response.headers.get('location') };
  }, { cameraId, tcpOnly });
}

/** Frames of `window.whep`'s video decoded so far, and its connection state. */
function whepState(page) {
  return page.evaluate(async () => {
    let frames = 0;
    for (const report of (await window.whep.getStats()).values()) {
      if (report.type === 'inbound-rtp' && report.kind === 'video') frames = report.framesDecoded ?? 0;
    }
    return { frames, state: window.whep.connectionState };
  });
}

/** Waits until `window.whep` has decoded a frame; fails after `timeoutMs`. */
async function assertDecodes(page, timeoutMs) {
  const started = Date.now();
  let last;
  while (Date.now() - started < timeoutMs) {
    last = await whepState(page);
    if (last.frames > 0) return Date.now() - started;
    await page.waitForTimeout(200);
  }
  assert.fail(`no frame decoded over WebRTC within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Asserts `window.whep` keeps decoding: more than `frames` over the next 2 s. */
async function assertKeepsDecoding(page, frames) {
  const before = await whepState(page);
  await page.waitForTimeout(2000);
  const after = await whepState(page);
  assert.ok(after.frames - before.frames > frames, `decoded ${after.frames - before.frames} frames in 2 s (${JSON.stringify(after)})`);
}

/** The transport of `window.whep`'s media: `udp` or `tcp`. */
function mediaProtocol(page) {
  return page.evaluate(async () => {
    const stats = await window.whep.getStats();
    const pair = [...stats.values()].find((report) => report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded');
    return stats.get(pair?.remoteCandidateId)?.protocol;
  });
}

let cameraId;

async function lobbyCamera(admin) {
  if (cameraId === undefined) {
    cameraId = await addCamera(admin, 'Lobby', camera.url('cam1'));
    const { status, text } = await callApi(admin, 'PATCH', `/api/cameras/${cameraId}`, { groups: ['lobby'] });
    assert.equal(status, 200, text);
  }
  return cameraId;
}

scenario('a camera plays over WebRTC through the edge within 10 s', async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  const answer = await startWhep(admin, id);
  assert.equal(answer.status, 201, answer.body);
  assert.equal(answer.contentType, 'application/sdp');
  assert.match(answer.location, new RegExp(`^/webrtc/cam_${id}/whep/[0-9a-f-]{36}$`));
  const waited = await assertDecodes(admin, 10_000);
  console.log(`first WebRTC frame decoded ${waited} ms after the answer`);
  // The camera sends 25 frames a second.
  await assertKeepsDecoding(admin, 20);
  assert.equal(await mediaProtocol(admin), 'udp', 'UDP first, where it passes');
  // Hanging up through the session resource ends MediaMTX's session.
  const hungUp = await admin.evaluate(async (location) => (await fetch(location, { method: 'DELETE' })).status, answer.location);
  assert.equal(hungUp, 200);
  await admin.context().close();
});

scenario('a viewer without access to the camera gets a 401 problem and no media', async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  const outsider = await addUser(admin, 'vault-viewer', ['vault']);
  const page = await logIn(outsider.username, outsider.password);
  const refused = await startWhep(page, id);
  assert.equal(refused.status, 401, refused.body);
  assert.equal(refused.contentType, 'application/problem+json');
  assert.equal(JSON.parse(refused.body).type, 'urn:camplane:problem:unauthenticated');
  assert.equal(refused.connectionState, 'new', 'no peer connection was ever made');
  await page.context().close();
  await admin.context().close();
});

scenario("a disabled viewer's WebRTC session ends within seconds", async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  const viewer = await addUser(admin, 'lobby-viewer', ['lobby']);
  const page = await logIn(viewer.username, viewer.password);
  const answer = await startWhep(page, id);
  assert.equal(answer.status, 201, answer.body);
  await assertDecodes(page, 10_000);
  await assertKeepsDecoding(page, 20);

  const { status, text } = await callApi(admin, 'PATCH', `/api/users/${viewer.id}`, { disabled: true });
  assert.equal(status, 200, text);
  const disabledAt = Date.now();
  // Ended: the peer connection drops, or no frame is decoded for 2 s (the
  // session check runs every 5 s).
  let ended = false;
  let last = await whepState(page);
  while (!ended && Date.now() - disabledAt < 12_000) {
    await page.waitForTimeout(2000);
    const now = await whepState(page);
    ended = ['disconnected', 'failed', 'closed'].includes(now.state) || now.frames === last.frames;
    last = now;
  }
  assert.ok(ended, `the disabled viewer still plays over WebRTC after 12 s: ${JSON.stringify(last)}`);
  // Ended by camera-api's kick, not by chance.
  const log = readFileSync(join(stack.runDir, 'camera-api.log'), 'utf8');
  assert.match(log, /ended video sessions whose access was revoked/);
  console.log(`the disabled viewer's WebRTC session ended within ${Date.now() - disabledAt} ms (${JSON.stringify(last)})`);
  await page.context().close();
  await admin.context().close();
});

scenario('where UDP does not pass, WebRTC plays over the TCP ICE port', async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  const answer = await startWhep(admin, id, { tcpOnly: true });
  assert.equal(answer.status, 201, answer.body);
  await assertDecodes(admin, 10_000);
  await assertKeepsDecoding(admin, 20);
  assert.equal(await mediaProtocol(admin), 'tcp', 'the media came over TCP');
  await admin.context().close();
});
