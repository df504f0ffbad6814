// Recordings in a real browser against the whole stack: a camera set to
// record shows its recorded span on the timeline, a click plays a past
// instant through /playback/get (the video token as Bearer, the fragmented
// MP4 fed to Media Source Extensions), 2x plays faster, and Back to live
// returns to the camera's live tile.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertTilePlays, callApi, launchChromium, recordRequests, submitLogin } from './browser.mjs';
import { Stack, TestCamera } from './stack.mjs';

let stack;
let browser;
let camera;
let failed = false;

before(async () => {
  [stack, camera] = await Promise.all([Stack.start(), TestCamera.start()]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await camera?.stop();
  if (failed) stack?.printLogs();
  await stack?.stop();
});

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

async function logInAsAdmin() {
  const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, 'admin', stack.adminPassword);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

/** Where `video` is and how ready, now and `ms` later. */
async function progress(video, page, ms) {
  const before = await video.evaluate((element) => element.currentTime);
  await page.waitForTimeout(ms);
  return video.evaluate((element, before) => ({ advanced: element.currentTime - before, readyState: element.readyState, rate: element.playbackRate }), before);
}

/**
 * Clicks the last recorded span of the timeline (zoomed to ten minutes) a
 * little after its start; resolves with what the page saw after the click.
 */
export async function playPastInstant(page) {
  await page.getByRole('group', { name: 'Zoom' }).getByRole('button', { name: '10 min' }).click();
  const span = page.locator('.timeline-span').last();
  const box = await span.boundingBox();
  assert.ok(box && box.width >= 10, `the recorded span is wide enough to click: ${JSON.stringify(box)}`);
  await page.locator('.timeline-bar').click({ position: { x: box.x - (await page.locator('.timeline-bar').boundingBox()).x + box.width * 0.3, y: 10 } });
}

scenario('a recording camera shows its span, plays a past instant at 1x and 2x, and goes back to live', async () => {
  const page = await logInAsAdmin();
  const { status, text } = await callApi(page, 'POST', '/api/cameras', {
    name: 'Recorded gate',
    stream_url: camera.url(),
    recording: { mode: 'continuous', retention: '1d' },
  });
  assert.equal(status, 201, text);
  const id = JSON.parse(text).id;

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
  await page.locator('.recordings-player[data-state="playing"]').waitFor({ timeout: 10_000 });
  const atOne = await progress(video, page, 2_000);
  assert.ok(atOne.readyState >= 2, `readyState ${atOne.readyState}`);
  assert.ok(atOne.advanced >= 1.5, `1x: the video advanced ${atOne.advanced.toFixed(2)} s in 2 s`);
  assert.ok(playback.length >= 1, 'the recording came from /playback/get');
  const headers = await playback[0].allHeaders();
  assert.match(headers.authorization ?? '', /^Bearer cpv_/, 'the video token goes in a header');
  assert.doesNotMatch(playback[0].url(), /cpv_/, 'and never in the URL');
  assert.ok(await page.locator('.timeline-playhead').isVisible(), 'the playhead shows on the timeline');

  await page.getByRole('group', { name: 'Speed' }).getByRole('button', { name: '2x' }).click();
  const atTwo = await progress(video, page, 2_000);
  assert.equal(atTwo.rate, 2);
  assert.ok(atTwo.advanced >= 3, `2x: the video advanced ${atTwo.advanced.toFixed(2)} s in 2 s`);

  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await progress(video, page, 1_000);
  assert.ok(paused.advanced < 0.1, `paused: the video advanced ${paused.advanced.toFixed(2)} s`);

  await page.getByRole('link', { name: 'Back to live' }).click();
  await page.waitForURL(new RegExp(`/live\\?layout=1&tiles=${id}$`));
  await assertTilePlays(page, 0, 'webrtc', 20_000);
});
