// What the browser tests and the latency benchmark share: Debian's Chromium,
// the console's login page, and the API called as the console calls it.
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

// Offline-safe flags: no sandbox (the tests may run as root), and no
// background calls to Google's services, which a CI network may refuse.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/** Fills in and sends the login page the console shows. */
export async function submitLogin(page, username, password) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** A browser context of its own on `stack`'s edge, the admin logged in to the console; its page. */
export async function adminPage(browser, stack, viewport = { width: 1920, height: 1080 }) {
  const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  await page.goto('/login');
  await submitLogin(page, 'admin', stack.adminPassword);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

/**
 * Calls the API from the page, as the console does: with the session cookie
 * and, for writes, the session's CSRF token.
 */
export async function callApi(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { 'content-type': 'application/json' };
      if (method !== 'GET') {
        const session = await (await fetch('/api/session')).json();
        headers['x-csrf-token'] = session.csrf_token;
      }
      const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, text };
    },
    { method, path, body },
  );
}

/** Creates a camera through the API; returns its id. */
export async function addCamera(page, name, streamUrl) {
  const { status, text } = await callApi(page, 'POST', '/api/cameras', { name, stream_url: streamUrl });
  assert.equal(status, 201, text);
  return JSON.parse(text).id;
}

/** Requests the page sends whose path starts with `prefix`, as they go. */
export function recordRequests(page, prefix) {
  const sent = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith(prefix)) sent.push(request);
  });
  return sent;
}

/**
 * Waits until tile `index` says it plays over `transport`, then checks its
 * video moves; returns when the tile said so (ms since the call).
 */
export async function assertTilePlays(page, index, transport, timeoutMs) {
  const started = Date.now();
  const tile = page.locator(`.tile[data-tile="${index}"]`);
  await tile.and(page.locator(`[data-state="live"][data-transport="${transport}"]`)).waitFor({ timeout: timeoutMs });
  const live = Date.now() - started;
  const video = tile.locator('video');
  const before = await video.evaluate((element) => element.currentTime);
  await page.waitForTimeout(1500);
  const after = await video.evaluate((element) => element.currentTime);
  assert.ok(after - before >= 1, `tile ${index} over ${transport}: its video advanced ${(after - before).toFixed(2)} s in 1.5 s`);
  return live;
}

/**
 * Clicks the last recorded span of the timeline (zoomed to ten minutes) a
 * `fraction` of the way into it (a little after its start by default).
 */
export async function playPastInstant(page, fraction = 0.3) {
  await page.getByRole('group', { name: 'Zoom' }).getByRole('button', { name: '10 min' }).click();
  const span = page.locator('.timeline-span').last();
  const box = await span.boundingBox();
  assert.ok(box && box.width >= 10, `the recorded span is wide enough to click: ${JSON.stringify(box)}`);
  const bar = page.locator('.timeline-bar');
  await bar.click({ position: { x: box.x - (await bar.boundingBox()).x + box.width * fraction, y: 10 } });
}
