// WebRTC (WHEP) through the edge in a real browser (Debian's Chromium driven
// by playwright-core) against the whole stack and the real MediaMTX. The
// first scenarios do by hand what a tile does (a video token, a recvonly
// offer POSTed to /webrtc/cam_<id>/whep with it as Bearer, the answer; the
// media flows browser <-> MediaMTX's ICE port directly) and hold the server
// side; the last ones watch the console's tiles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { addCamera, assertTilePlays, callApi, recordRequests, submitLogin } from './browser.mjs';
import { stackWithCamera } from './rig.mjs';
import { TestCamera } from './stack.mjs';

// MediaMTX announces 127.0.0.1 here (run-local.sh), which Chromium reaches
// as it would a LAN or public address.
const rig = stackWithCamera();
const { scenario } = rig;

/** A browser of its own (its own cookies), logged in as `username`, on the console. */
async function logIn(username, password) {
  const context = await rig.browser.newContext({ baseURL: rig.stack.edge, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, username, password);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

const logInAsAdmin = () => logIn('admin', rig.stack.adminPassword);

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
    cameraId = await addCamera(admin, 'Lobby', rig.camera.url('cam1'));
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
  const log = readFileSync(join(rig.stack.runDir, 'camera-api.log'), 'utf8');
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

/** The tile shows the camera's time of the picture, from the stream, and it is about now. */
async function assertCameraTime(tile) {
  const clock = tile.locator('time.camera-time');
  await clock.waitFor({ timeout: 15_000 });
  const shown = new Date(await clock.getAttribute('datetime'));
  assert.ok(Math.abs(Date.now() - shown.getTime()) < 60_000, `the camera's time ${shown.toISOString()} is about now`);
  assert.match(await clock.innerText(), /^\d\d:\d\d:\d\d$/);
}

scenario('a console tile plays over WebRTC, says so, and hangs up when paused', async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  const whep = recordRequests(admin, '/webrtc/');
  const hls = recordRequests(admin, '/hls/');
  await admin.goto(`/live?layout=1&tiles=${id}`);
  const waited = await assertTilePlays(admin, 0, 'webrtc', 10_000);
  console.log(`the console tile played over WebRTC ${waited} ms after the page opened`);
  const tile = admin.locator('.tile[data-tile="0"]');
  assert.equal(await tile.locator('.transport-badge').innerText(), 'WebRTC');
  assert.equal(hls.length, 0, 'nothing was asked of HLS');
  await assertCameraTime(tile);

  const offers = whep.filter((request) => request.method() === 'POST');
  assert.equal(offers.length, 1);
  assert.equal(new URL(offers[0].url()).pathname, `/webrtc/cam_${id}/whep`);
  assert.match((await offers[0].allHeaders()).authorization ?? '', /^Bearer cpv_\S+$/, 'the offer carries the video token');
  assert.ok(whep.every((request) => !/token|bearer|authorization/i.test(new URL(request.url()).search)), 'no credential in a URL');

  // Paused (as off screen, or in a hidden tab): the session resource is
  // DELETEd, which ends MediaMTX's session.
  const hangUp = admin.waitForResponse(
    (response) => response.request().method() === 'DELETE' && /^\/webrtc\/cam_\d+\/whep\/[0-9a-f-]{36}$/.test(new URL(response.url()).pathname),
  );
  await admin.getByRole('button', { name: 'Pause Lobby' }).click();
  assert.equal((await hangUp).status(), 200);
  await tile.and(admin.locator('[data-state="paused"]')).waitFor();
  await admin.context().close();
});

scenario("the HLS preference forces HLS, is kept for its user across reloads, and is not another user's", async () => {
  const admin = await logInAsAdmin();
  const id = await lobbyCamera(admin);
  await admin.goto(`/live?layout=1&tiles=${id}`);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);

  const transport = admin.getByRole('group', { name: 'Transport' });
  const whep = recordRequests(admin, '/webrtc/');
  const hls = recordRequests(admin, '/hls/');
  await transport.getByRole('button', { name: 'HLS' }).click();
  await assertTilePlays(admin, 0, 'hls', 40_000);
  assert.equal(await admin.locator('.tile[data-tile="0"] .transport-badge').innerText(), 'HLS');
  await assertCameraTime(admin.locator('.tile[data-tile="0"]'));
  // Every playlist request carries the video token in a header.
  const indexes = hls.filter((sent) => new URL(sent.url()).pathname.endsWith('/index.m3u8'));
  assert.ok(indexes.length >= 2, `the tile asked for its playlist ${indexes.length} time(s)`);
  for (const sent of indexes) {
    assert.match((await sent.allHeaders()).authorization ?? '', /^Bearer \S+$/, `${sent.url()} carries the video token`);
  }

  await admin.reload();
  await assertTilePlays(admin, 0, 'hls', 40_000);
  assert.equal(await transport.getByRole('button', { name: 'HLS' }).getAttribute('aria-pressed'), 'true');
  assert.deepEqual(whep.filter((request) => request.method() === 'POST'), [], 'no WebRTC offer once HLS is chosen');

  // Another user in the same browser starts from Auto.
  const viewer = await addUser(admin, 'pref-viewer', ['lobby']);
  await admin.getByRole('button', { name: 'Log out' }).click();
  await admin.waitForURL((url) => url.pathname === '/login');
  await submitLogin(admin, viewer.username, viewer.password);
  await admin.getByRole('button', { name: 'Log out' }).waitFor();
  await admin.goto(`/live?layout=1&tiles=${id}`);
  assert.equal(await transport.getByRole('button', { name: 'Auto' }).getAttribute('aria-pressed'), 'true');
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  await admin.context().close();
});

/** As the admin, adds `source` as camera `name` and watches it play over WebRTC in a one-tile view. */
async function playsInOneTile(name, source) {
  const admin = await logInAsAdmin();
  const id = await addCamera(admin, name, source.url('cam1'));
  await admin.goto(`/live?layout=1&tiles=${id}`);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  return { admin, id };
}

scenario('a WebRTC tile of a camera that goes offline shows it, then plays WebRTC again without a reload', async () => {
  const source = await TestCamera.start();
  try {
    const { admin, id } = await playsInOneTile('Back gate', source);
    // A snapshot of the live camera, so there is a last picture to fall back on.
    assert.equal((await callApi(admin, 'GET', `/api/cameras/${id}/snapshot`)).status, 200);
    await admin.evaluate(() => {
      window.camplaneNoReload = true;
    });

    await source.stop();
    const stoppedAt = Date.now();
    const tile = admin.locator('.tile[data-tile="0"]');
    await tile.and(admin.locator('[data-state="offline"]')).waitFor({ timeout: 60_000 });
    console.log(`the stopped camera's tile showed offline after ${Date.now() - stoppedAt} ms`);
    await tile.getByText(/Offline/).waitFor();
    await tile.locator('.last-picture img').waitFor({ timeout: 15_000 });

    await source.start();
    const restartedAt = Date.now();
    await assertTilePlays(admin, 0, 'webrtc', 90_000);
    console.log(`the camera's tile played WebRTC again ${Date.now() - restartedAt} ms after the camera returned`);
    assert.equal(await admin.evaluate(() => window.camplaneNoReload), true, 'the page was not reloaded');
    await admin.context().close();
  } finally {
    await source.stop();
  }
});

// As a session MediaMTX kicked, which Chromium keeps "connected": the peer
// connection stays up and no frame comes. Only the frame watch sees it.
scenario('a WebRTC tile whose frames stop while its connection stays up leaves live within seconds, and plays again', async () => {
  const source = await TestCamera.start();
  try {
    const { admin } = await playsInOneTile('Frozen gate', source);

    source.pause();
    const frozenAt = Date.now();
    const tile = admin.locator('.tile[data-tile="0"]');
    // 4 s without a frame (read every 0.5 s, judged every 1 s); MediaMTX
    // itself gives up on the camera only after its 10 s read timeout.
    await tile.and(admin.locator(':not([data-state="live"])')).waitFor({ timeout: 8_000 });
    console.log(`the frozen camera's tile left live after ${Date.now() - frozenAt} ms (${await tile.getAttribute('data-state')})`);

    source.resume();
    await tile.and(admin.locator('[data-state="live"]')).waitFor({ timeout: 60_000 });
    await assertTilePlays(admin, 0, await tile.getAttribute('data-transport'), 5_000);
    await admin.context().close();
  } finally {
    source.resume();
    await source.stop();
  }
});

/** Waits until tile `index` shows frames `width` pixels wide (15 s at most). */
async function waitForPictureWidth(page, index, width) {
  const video = page.locator(`.tile[data-tile="${index}"] video`);
  await video.evaluate(
    (element, width) =>
      new Promise((done, fail) => {
        const check = () => element.videoWidth === width && done();
        if (check()) return;
        element.addEventListener('resize', check);
        setTimeout(() => fail(new Error(`the picture is ${element.videoWidth} wide, not ${width}`)), 15_000);
      }),
    width,
  );
}

scenario('a grid tile plays the sub-stream; full screen and a large tile play the main stream', async () => {
  const admin = await logInAsAdmin();
  const body = { name: 'Two streams', stream_url: rig.camera.url('cam1'), sub_stream_url: rig.camera.url('small') };
  const { status, text } = await callApi(admin, 'POST', '/api/cameras', body);
  assert.equal(status, 201, text);
  const id = JSON.parse(text).id;
  const whep = recordRequests(admin, '/webrtc/');
  // This camera's offers (the view's other tiles may play the demo camera).
  const offered = () =>
    whep
      .filter((request) => request.method() === 'POST')
      .map((request) => new URL(request.url()).pathname)
      .filter((path) => new RegExp(`^/webrtc/cam_${id}(_sub)?/whep$`).test(path));
  const tile = admin.locator('.tile[data-tile="0"]');

  // In the grid: the sub-stream, 320 wide.
  await admin.goto(`/live?layout=4&tiles=${id}`);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  assert.equal(await tile.getAttribute('data-stream'), `cam_${id}_sub`);
  await waitForPictureWidth(admin, 0, 320);
  assert.deepEqual(offered(), [`/webrtc/cam_${id}_sub/whep`]);

  // Full screen: the main stream, 640 wide.
  await admin.getByRole('button', { name: 'Full screen Two streams' }).click();
  await tile.and(admin.locator(`[data-stream="cam_${id}"]`)).waitFor();
  assert.equal(await admin.evaluate(() => document.fullscreenElement?.getAttribute('data-tile')), '0');
  await waitForPictureWidth(admin, 0, 640);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  assert.deepEqual(offered(), [`/webrtc/cam_${id}_sub/whep`, `/webrtc/cam_${id}/whep`]);

  // Back in the grid: the sub-stream again.
  await admin.evaluate(() => document.exitFullscreen());
  await tile.and(admin.locator(`[data-stream="cam_${id}_sub"]`)).waitFor();
  await waitForPictureWidth(admin, 0, 320);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  assert.equal(offered().at(-1), `/webrtc/cam_${id}_sub/whep`);

  // One large tile and five: the large one plays the main stream, a small
  // one the sub-stream, of the same camera.
  await admin.goto(`/live?layout=1%2B5&tiles=${id},${id}`);
  await assertTilePlays(admin, 0, 'webrtc', 10_000);
  await assertTilePlays(admin, 1, 'webrtc', 10_000);
  assert.equal(await tile.getAttribute('data-stream'), `cam_${id}`);
  assert.equal(await admin.locator('.tile[data-tile="1"]').getAttribute('data-stream'), `cam_${id}_sub`);
  await waitForPictureWidth(admin, 0, 640);
  await waitForPictureWidth(admin, 1, 320);
  await admin.context().close();
});
