// Recordings in a real browser against the whole stack: a camera set to
// record shows its recorded span on the timeline, a click plays a past
// instant through /playback/get (the video token as Bearer, the fragmented
// MP4 fed to Media Source Extensions), 2x plays faster, and Back to live
// returns to the camera's live tile.
import assert from 'node:assert/strict';

import { addCamera, assertTilePlays, callApi, playPastInstant, recordRequests, submitLogin } from './browser.mjs';
import { screenshot, stackWithCamera } from './rig.mjs';

const rig = stackWithCamera();
const { scenario } = rig;
/** The camera the first scenario set to record. */
let recordedId;

async function logInAsAdmin() {
  const context = await rig.browser.newContext({ baseURL: rig.stack.edge, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, 'admin', rig.stack.adminPassword);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

/** Waits for `locator`; on a timeout, says what `shown` (a locator) showed instead. */
async function waitShowing(locator, shown, timeout) {
  await locator.waitFor({ timeout }).catch(async (error) => {
    const states = await shown.evaluateAll((all) =>
      all.map((element) => {
        const video = element.querySelector('video');
        const buffered = Array.from({ length: video.buffered.length }, (_, i) => `${video.buffered.start(i).toFixed(2)}-${video.buffered.end(i).toFixed(2)}`);
        const media = `video at ${video.currentTime.toFixed(2)} s, readyState ${video.readyState}, paused ${video.paused}, buffered [${buffered}], error ${video.error?.message ?? 'none'}`;
        return `${element.dataset.state}: ${element.innerText.replace(/\s+/g, ' ')} (${media})`;
      }),
    );
    throw new Error(`instead: ${states.join(' | ')}`, { cause: error });
  });
}

/** Where `video` is and how ready, now and `ms` later. */
async function progress(video, page, ms) {
  const before = await video.evaluate((element) => element.currentTime);
  await page.waitForTimeout(ms);
  return video.evaluate((element, before) => ({ advanced: element.currentTime - before, readyState: element.readyState, rate: element.playbackRate }), before);
}

/** `video` plays at 1x, twice as fast after `controls`' 2x, and stands still after its `pauseName` button. */
async function assertSpeeds(page, video, controls, pauseName) {
  const atOne = await progress(video, page, 2_000);
  assert.ok(atOne.readyState >= 2, `readyState ${atOne.readyState}`);
  assert.ok(atOne.advanced >= 1.5, `1x: the video advanced ${atOne.advanced.toFixed(2)} s in 2 s`);
  await controls.getByRole('button', { name: '2x' }).click();
  const atTwo = await progress(video, page, 2_000);
  assert.equal(atTwo.rate, 2);
  assert.ok(atTwo.advanced >= 3, `2x: the video advanced ${atTwo.advanced.toFixed(2)} s in 2 s`);
  await controls.getByRole('button', { name: pauseName, exact: true }).click();
  const paused = await progress(video, page, 1_000);
  assert.ok(paused.advanced < 0.1, `paused: the video advanced ${paused.advanced.toFixed(2)} s`);
}

/** `<input type="datetime-local">`'s value for `instant`, in the page's time zone. */
function localInput(page, instant) {
  return page.evaluate((instant) => new Date(instant - new Date(instant).getTimezoneOffset() * 60_000).toISOString().slice(0, 19), instant);
}

scenario('a recording camera shows its span, plays a past instant at 1x and 2x, and goes back to live', async () => {
  const page = await logInAsAdmin();
  const { status, text } = await callApi(page, 'POST', '/api/cameras', {
    name: 'Recorded gate',
    stream_url: rig.camera.url(),
    recording: { mode: 'continuous', retention: '1d' },
  });
  assert.equal(status, 201, text);
  const id = JSON.parse(text).id;
  recordedId = id;

  await page.goto('/cameras');
  await page.locator(`tr[data-camera-id="${id}"] .rec-badge`).waitFor();
  await page.getByRole('link', { name: 'Recordings of Recorded gate' }).click();
  await page.getByRole('heading', { name: 'Recordings of Recorded gate' }).waitFor();
  // Spans are reloaded every 10 s; the camera needs some seconds of recording behind it.
  await page.locator('.timeline-span').first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(15_000);
  await page.reload();
  await page.locator('.timeline-span').first().waitFor();

  const playback = recordRequests(page, '/playback/get');
  await playPastInstant(page);
  const video = page.getByLabel('Recording of Recorded gate');
  await waitShowing(page.locator('.recordings-player[data-state="playing"]'), page.locator('.recordings-player'), 10_000);
  await assertSpeeds(page, video, page.locator('.recordings-controls'), 'Pause');
  assert.ok(playback.length >= 1, 'the recording came from /playback/get');
  const headers = await playback[0].allHeaders();
  assert.match(headers.authorization ?? '', /^Bearer cpv_/, 'the video token goes in a header');
  assert.doesNotMatch(playback[0].url(), /cpv_/, 'and never in the URL');
  assert.ok(await page.locator('.timeline-playhead').isVisible(), 'the playhead shows on the timeline');

  // The minute around the playhead becomes an MP4 to download.
  const exporting = page.getByRole('region', { name: 'Export' });
  await exporting.getByRole('button', { name: '1 minute around the playhead' }).click();
  await exporting.getByRole('button', { name: 'Export', exact: true }).click();
  const download = exporting.getByRole('link', { name: 'Download the export' });
  await download.waitFor({ timeout: 60_000 });
  const file = await page.request.get(await download.getAttribute('href'));
  assert.equal(file.status(), 200);
  assert.equal(file.headers()['content-type'], 'video/mp4');
  assert.ok((await file.body()).length > 10_000, 'an MP4 with video in it');
  await screenshot(page, 'console-recordings.png');

  await page.getByRole('link', { name: 'Back to live' }).click();
  await page.waitForURL(new RegExp(`/live\\?layout=1&tiles=${id}$`));
  await assertTilePlays(page, 0, 'webrtc', 20_000);
});

scenario('the mosaic plays every tile from the same instant, one speed for all, and returns to live', async () => {
  assert.ok(recordedId, 'the first scenario set a camera to record');
  const page = await logInAsAdmin();
  const unrecorded = await addCamera(page, 'Unrecorded door', rig.camera.url());
  await page.goto(`/live?layout=4&tiles=${recordedId},${unrecorded}`);
  await assertTilePlays(page, 0, 'webrtc', 20_000);

  const recordings = await callApi(page, 'GET', `/api/cameras/${recordedId}/recordings`);
  const last = JSON.parse(recordings.text).spans.at(-1);
  const from = Math.max(Date.parse(last.start), Date.parse(last.end) - 20_000);
  await page.getByLabel('Play from').fill(await localInput(page, from));
  await page.getByRole('button', { name: 'Play from', exact: true }).click();

  const recorded = page.locator('.tile[data-tile="0"]');
  await waitShowing(recorded.and(page.locator('[data-state="playback-playing"]')), page.locator('.tile'), 10_000);
  await waitShowing(page.locator('.tile[data-tile="1"][data-state="playback-no-recording"]'), page.locator('.tile'), 10_000);
  assert.match(await page.locator('.tile[data-tile="1"]').innerText(), /No recording of this camera at this time/);
  const video = recorded.locator('video');
  const toolbar = page.getByRole('group', { name: 'Recordings' });
  await assertSpeeds(page, video, toolbar, 'Pause all');

  await toolbar.getByRole('button', { name: 'Live' }).click();
  await assertTilePlays(page, 0, 'webrtc', 20_000);
  await assertTilePlays(page, 1, 'webrtc', 20_000);
});
