// The console in a real browser (Debian's Chromium driven by playwright-core)
// against the whole stack through HAProxy, with real RTSP test cameras.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { request } from 'playwright-core';

import { addCamera, assertTilePlays, callApi, launchChromium, recordRequests, submitLogin } from './browser.mjs';
import { SHOTS } from './rig.mjs';
import { Stack, TestCamera } from './stack.mjs';

let stack;
let failed = false;
let browser;
const cameras = [];
// Scripts the page refused to run or that threw: the Content-Security-Policy
// must never block the console's own code.
const pageErrors = [];

before(async () => {
  stack = await Stack.start();
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await Promise.all(cameras.map((camera) => camera.stop()));
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
      assert.deepEqual(pageErrors, [], 'the console ran without script errors');
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

/** A browser of its own (its own cookies, so its own login), watched for script errors. */
async function newBrowser() {
  const context = await browser.newContext({
    baseURL: stack.edge,
    ignoreHTTPSErrors: true,
    viewport: { width: 1920, height: 1080 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.on('page', (page) => {
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        pageErrors.push(`${page.url()}: ${message.text()}`);
      }
    });
  });
  return context;
}

/**
 * Opens `path` in a new browser, which shows the login page first; logs in
 * there as an operator would and returns the page, back on `path`.
 */
async function logIn(username, password, path) {
  const context = await newBrowser();
  const page = await context.newPage();
  await page.goto(path);
  await page.waitForURL((url) => url.pathname === '/login');
  await submitLogin(page, username, password);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  // Back on `path`; a bare `/live` goes on to the view it opens on.
  const back = new URL(path, 'https://console');
  await page.waitForURL((url) => url.pathname === back.pathname && (!back.search || url.search === back.search));
  return page;
}

const logInAsAdmin = (path) => logIn('admin', stack.adminPassword, path);


async function camera() {
  const started = await TestCamera.start();
  cameras.push(started);
  return started;
}

/** Adds a camera through the API, as the user logged in on `page`. */

/** Each tile video's currentTime, in tile order. */
function playTimes(page) {
  return page.$$eval('.tile video', (videos) => videos.map((video) => video.currentTime));
}

/** Waits until every tile's video has advanced by at least `seconds` while watched. */
async function assertAllPlaying(page, tiles, seconds, timeoutMs) {
  await page.waitForFunction(
    (count) => {
      const videos = [...document.querySelectorAll('.tile video')];
      return videos.length === count && videos.every((video) => video.currentTime > 0.5);
    },
    tiles,
    { timeout: timeoutMs, polling: 500 },
  );
  const start = await playTimes(page);
  // Slack for a stall and the jump back to the live edge on a busy machine.
  await page.waitForTimeout(seconds * 1250 + 1000);
  const end = await playTimes(page);
  const advanced = end.map((time, index) => time - start[index]);
  assert.ok(
    advanced.every((delta) => delta >= seconds),
    `every tile should advance by ${seconds} s; advanced: ${advanced.map((d) => d.toFixed(1)).join(', ')}`,
  );
}

scenario('the console asks for a login first, and says when the password is wrong', async () => {
  const context = await newBrowser();
  const page = await context.newPage();
  await page.goto('/cameras?q=dock');
  await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/cameras?q=dock');
  await submitLogin(page, 'admin', 'not-the-admin-password');
  await page.getByText('Wrong username or password.').waitFor();
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'the refused password is cleared');
  assert.doesNotMatch(page.url(), /not-the-admin-password/);
  assert.doesNotMatch(await page.content(), /not-the-admin-password/, 'the typed password is not echoed into the page');

  await submitLogin(page, 'admin', stack.adminPassword);
  await page.waitForURL((url) => url.pathname + url.search === '/cameras?q=dock');
  await page.getByRole('heading', { name: 'Cameras' }).waitFor();
  assert.match(await page.locator('.account').innerText(), /admin \(admin\)/);
  await context.close();
});

scenario('a camera added through the form plays in its tile', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/cameras/new');
  await page.getByLabel('Name').fill('Loading dock');
  await page.getByLabel('Stream URL', { exact: true }).fill(source.url('cam1'));
  await page.getByLabel('Sub-stream URL').fill(source.url('small'));
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/Connected: H264 640×360/).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Add camera' }).click();
  // The whole list, newest first, the new camera on top and said so.
  await page.getByRole('status').filter({ hasText: 'Added Loading dock.' }).waitFor();
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), null, 'the list is not filtered to the new camera');
  assert.equal(url.searchParams.get('sort'), '-created_at');
  const top = page.locator('table.cameras tbody tr').first();
  assert.equal(await top.getAttribute('class'), 'just-added');
  assert.match(await top.innerText(), /Loading dock/);
  await page.getByRole('link', { name: 'Watch Loading dock' }).click();
  await page.waitForURL(/\/live\?layout=1&tiles=\d+/);
  await assertAllPlaying(page, 1, 3, 40_000);
  await page.locator('.tile[data-state="live"] .live-badge').waitFor();
  const tile = page.locator('.tile[data-tile="0"]');
  assert.match(await tile.getAttribute('data-stream'), /^cam_\d+$/, 'the only tile plays the main stream');
  // In a grid, the sub-stream the form saved.
  const id = new URL(page.url()).searchParams.get('tiles');
  await page.goto(`/live?layout=4&tiles=${id}`);
  await tile.and(page.locator('[data-state="live"]')).waitFor({ timeout: 40_000 });
  assert.equal(await tile.getAttribute('data-stream'), `cam_${id}_sub`, 'a grid tile plays the sub-stream the form saved');
  await page.context().close();
});

scenario('the live view opens on the last view shown, else the first cameras', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/cameras');
  // Names sort before every other scenario's cameras.
  const first = await addCamera(page, '000 first', source.url('cam1'));
  const second = await addCamera(page, '000 second', source.url('cam1'));
  await page.goto('/live');
  await page.waitForURL((url) => url.searchParams.get('tiles')?.startsWith(`${first},${second}`) ?? false);
  await page.goto(`/live?layout=1&tiles=${second}`);
  await page.getByRole('button', { name: 'Camera of tile 1' }).filter({ hasText: '000 second' }).waitFor();
  await page.goto('/cameras');
  await page.goto('/live');
  await page.waitForURL((url) => url.search === `?layout=1&tiles=${second}`);
  await page.context().close();
});

scenario('the audit log reads as sentences with camera names, filtered by action, the entry folded open on demand', async () => {
  const page = await logInAsAdmin('/cameras');
  const id = await addCamera(page, 'Audited gate', 'rtsp://127.0.2.50/');
  const patched = await callApi(page, 'PATCH', `/api/cameras/${id}`, { location: 'south' });
  assert.equal(patched.status, 200, patched.text);
  await page.goto('/audit');
  await page.getByLabel('Action').selectOption('camera.update');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((url) => url.searchParams.get('action') === 'camera.update');
  const entry = page.locator('tr[data-action="camera.update"]').filter({ hasText: 'Audited gate' });
  await entry.getByText('admin changed Audited gate: location none → south').waitFor();
  // The unfiltered page shows until the filtered one arrives.
  await page.locator('tr[data-action="camera.create"]').first().waitFor({ state: 'detached' });
  assert.equal(await page.locator('tr[data-action]:not([data-action="camera.update"])').count(), 0, 'only the action asked for');
  const raw = entry.locator('pre');
  assert.equal(await raw.isVisible(), false, 'the entry is folded');
  await entry.locator('summary').click();
  assert.match(await raw.innerText(), /"camera_id": \d+/);
  await page.context().close();
});

scenario("a tile's picker finds any camera as you type", async () => {
  const page = await logInAsAdmin('/cameras');
  const id = await addCamera(page, 'Picker needle', 'rtsp://127.0.2.51/');
  await page.goto('/live?layout=1');
  await page.getByRole('button', { name: 'Camera of tile 1' }).click();
  await page.getByRole('searchbox', { name: 'Search cameras for tile 1' }).fill('NEEDLE');
  const list = page.getByRole('list', { name: 'Cameras for tile 1' });
  await list.getByRole('button', { name: 'Picker needle' }).click();
  await page.waitForURL((url) => url.searchParams.get('tiles') === String(id));
  await page.getByRole('button', { name: 'Camera of tile 1' }).filter({ hasText: 'Picker needle' }).waitFor();
  await page.context().close();
});

scenario('layouts beyond squares: one large tile and five, kept in the address', async () => {
  const page = await logInAsAdmin('/live?layout=4');
  await page.getByRole('group', { name: 'Layout' }).getByRole('button', { name: '1 large + 5' }).click();
  await page.waitForURL((url) => url.searchParams.get('layout') === '1+5');
  const tiles = page.locator('.mosaic .tile');
  await tiles.nth(5).waitFor();
  assert.equal(await tiles.count(), 6);
  const [large, small] = [await tiles.nth(0).boundingBox(), await tiles.nth(1).boundingBox()];
  assert.ok(large.width > 1.8 * small.width && large.height > 1.8 * small.height, `${JSON.stringify(large)} vs ${JSON.stringify(small)}`);
  await page.reload();
  await tiles.nth(5).waitFor();
  assert.equal(await tiles.count(), 6, 'the layout survives a reload');
  await page.context().close();
});

scenario('a wrong camera password is explained after "Test connection"', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/cameras/new');
  await page.getByLabel('Stream URL', { exact: true }).fill(source.url('secure'));
  await page.getByLabel('User').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('output.probe-result');
  await result.getByText(/wrong user or password/i).waitFor({ timeout: 20_000 });
  assert.match(await result.innerText(), /AUTH/);
  assert.doesNotMatch(await page.content(), /not-the-password/, 'the typed password is not echoed into the page');
  await page.context().close();
});

scenario('a tile shows a stopped camera offline with its last picture, then recovers without a reload', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/live');
  const id = await addCamera(page, 'Gate', source.url('cam1'));
  await page.goto(`/live?layout=1&tiles=${id}`);
  await assertAllPlaying(page, 1, 2, 40_000);
  // A snapshot of the live camera, so there is a last picture to fall back on.
  const snapshot = await callApi(page, 'GET', `/api/cameras/${id}/snapshot`);
  assert.equal(snapshot.status, 200);
  await page.evaluate(() => {
    window.camplaneNoReload = true;
  });

  await source.stop();
  const tile = page.locator('.tile[data-tile="0"]');
  await tile.and(page.locator('[data-state="offline"]')).waitFor({ timeout: 60_000 });
  await tile.getByText(/Offline/).waitFor();
  await tile.locator('.last-picture img').waitFor({ timeout: 15_000 });
  await tile.getByText(/Last picture .* ago/).waitFor();

  await source.start();
  await tile.and(page.locator('[data-state="live"]')).waitFor({ timeout: 90_000 });
  await assertAllPlaying(page, 1, 2, 30_000);
  assert.equal(await page.evaluate(() => window.camplaneNoReload), true, 'the page was not reloaded');
  await page.context().close();
});

// Behind HTTPS, MediaMTX keys an HLS session by a cookie scoped to the
// camera's path, so tiles of one camera in one browser share a session: each
// must still play, and reloading one must not break the others.
scenario('one camera in four tiles plays in all four', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/live');
  const id = await addCamera(page, 'Seen four times', source.url('cam1'));
  await page.goto(`/live?layout=4&tiles=${id},${id},${id},${id}`);
  await assertAllPlaying(page, 4, 3, 60_000);
  await page.context().close();
});

scenario('sixteen tiles play at the same time', async () => {
  const sources = [await camera(), await camera()];
  const page = await logInAsAdmin('/live');
  const ids = [];
  for (let index = 0; index < 16; index += 1) {
    ids.push(await addCamera(page, `Mosaic ${String(index + 1).padStart(2, '0')}`, sources[index % 2].url(index % 4 === 3 ? 'cam3' : 'cam1')));
  }
  await page.goto(`/live?layout=16&tiles=${ids.join(',')}`);
  await assertAllPlaying(page, 16, 3, 90_000);
  await page.screenshot({ path: join(SHOTS, 'console-live.png') });

  // Hours of playback can't run in CI; a steady state can. After garbage
  // collection the script heap and the DOM must not keep growing while the
  // sixteen streams play on.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const footprint = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const value = (name) => metrics.find((metric) => metric.name === name).value;
    return { heap: value('JSHeapUsedSize'), nodes: value('Nodes') };
  };
  const settled = await footprint();
  await assertAllPlaying(page, 16, 20, 5_000);
  const later = await footprint();
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log(`16 tiles for 20 s: script heap ${mib(settled.heap)} → ${mib(later.heap)} MiB, DOM nodes ${settled.nodes} → ${later.nodes}`);
  assert.ok(
    later.heap < settled.heap * 1.25 + 4 * 2 ** 20,
    `script heap grew from ${mib(settled.heap)} to ${mib(later.heap)} MiB in 20 s of playback`,
  );
  assert.ok(later.nodes <= settled.nodes + 50, `DOM nodes grew from ${settled.nodes} to ${later.nodes}`);
  await cdp.detach();

  await page.goto('/cameras');
  await page.locator('tr[data-camera-id]').first().waitFor();
  // Thumbnails load lazily and snapshots queue for ffmpeg: wait for every one on screen.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img.thumb')]
      .filter((img) => img.getBoundingClientRect().top < window.innerHeight)
      .every((img) => img.complete && img.naturalWidth > 0),
  );
  await page.screenshot({ path: join(SHOTS, 'console-cameras.png') });

  // A laptop screen: both pages fit its width, nothing scrolls sideways.
  await page.setViewportSize({ width: 1366, height: 768 });
  for (const path of ['/cameras', `/live?layout=16&tiles=${ids.join(',')}`]) {
    await page.goto(path);
    await page.locator('main').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than a 1366px screen`);
  }
  await assertAllPlaying(page, 16, 1, 60_000);
  await page.screenshot({ path: join(SHOTS, 'console-live-laptop.png') });
  await page.context().close();
});

scenario('a viewer created by an admin watches live video, can change nothing but their own password', async () => {
  const source = await camera();
  const page = await logInAsAdmin('/users/new');
  const id = await addCamera(page, 'Viewer gate', source.url('cam1'));
  await page.getByLabel('Username').fill('night-viewer');
  await page.getByLabel('Password').fill('viewer password 1');
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.waitForURL((url) => url.pathname === '/users');
  await page.locator('tr[data-user-id]', { hasText: 'night-viewer' }).waitFor();

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => url.pathname === '/login' && url.search === '');
  await page.getByText('You logged out.').waitFor();
  await submitLogin(page, 'night-viewer', 'viewer password 1');
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  assert.match(await page.locator('.account').innerText(), /night-viewer \(viewer\)/);
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no Users page for a viewer');

  // The tile's WHEP offer carries the video token in a header, never in its
  // URL (HLS's playlists likewise: webrtc.test.mjs).
  const webrtc = recordRequests(page, '/webrtc/');
  await page.goto(`/live?layout=1&tiles=${id}`);
  await assertTilePlays(page, 0, 'webrtc', 10_000);
  // A loaded machine may make the tile offer again before the camera is
  // up; every offer must carry the token the same way.
  const offers = webrtc.filter((sent) => sent.method() === 'POST');
  assert.ok(offers.length >= 1, 'the tile made an offer');
  for (const offer of offers) {
    assert.match((await offer.allHeaders()).authorization ?? '', /^Bearer \S+$/, 'the offer carries the video token');
    assert.doesNotMatch(new URL(offer.url()).search, /token|bearer|authorization/i, 'no credential in a URL');
  }

  await page.goto('/cameras');
  await page.locator(`tr[data-camera-id="${id}"]`).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Add camera' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Edit Viewer gate' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Delete Viewer gate' }).count(), 0);
  await page.getByRole('link', { name: 'Watch Viewer gate' }).waitFor();
  await page.goto(`/cameras/${id}`);
  await page.getByRole('heading', { name: 'Not available to your role' }).waitFor();
  // The server refuses too, whatever the console shows.
  const refused = await callApi(page, 'DELETE', `/api/cameras/${id}`);
  assert.equal(refused.status, 403, refused.text);

  // Any user changes their own password from the header.
  await page.getByRole('link', { name: 'Change password' }).click();
  await page.getByLabel('Current password').fill('viewer password 1');
  await page.getByLabel('New password', { exact: true }).fill('viewer password 2');
  await page.getByLabel('New password again').fill('viewer password 2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password is changed.').waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => url.pathname === '/login' && url.search === '');
  await submitLogin(page, 'night-viewer', 'viewer password 2');
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  await page.context().close();
});

scenario('an admin creates an API token, sees it once, and revokes it', async () => {
  const page = await logInAsAdmin('/tokens/new');
  await page.getByLabel('Name').fill('e2e script');
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByText("Copy it now: you won't see it again.").waitFor();
  const token = (await page.getByLabel('The new token').innerText()).trim();
  assert.match(token, /^cpl_/);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

  // The token alone, as a script sends it.
  const script = await request.newContext({
    baseURL: stack.edge,
    ignoreHTTPSErrors: true,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  assert.equal((await script.get('/api/cameras')).status(), 200);

  await page.getByRole('link', { name: 'Done' }).click();
  await page.waitForURL((url) => url.pathname === '/tokens');
  const row = page.locator('tr[data-token-id]', { hasText: 'e2e script' });
  await row.getByText('active', { exact: true }).waitFor();
  assert.doesNotMatch(await page.content(), new RegExp(token), 'the token is never shown again');

  await row.getByRole('button', { name: 'Revoke e2e script' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await row.getByText('revoked', { exact: true }).waitFor();
  assert.equal((await script.get('/api/cameras')).status(), 401);
  await script.dispose();
  await page.context().close();
});

/** Saves the view shown under `name`, shared with everyone when `share`. */
async function saveView(page, name, share) {
  await page.getByRole('button', { name: 'Save view', exact: true }).click();
  const form = page.getByRole('form', { name: 'Save view' });
  await form.getByLabel('View name').fill(name);
  if (share) await form.getByLabel('Share with everyone').check();
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Saved view ${name}.` }).waitFor();
}

scenario('views saved and shared: another operator opens the shared one, never the personal one', async () => {
  const admin = await logInAsAdmin('/cameras');
  const east = await addCamera(admin, 'Views east', 'rtsp://127.0.2.60/');
  const west = await addCamera(admin, 'Views west', 'rtsp://127.0.2.61/');
  for (const username of ['views-ann', 'views-bob']) {
    const made = await callApi(admin, 'POST', '/api/users', { username, password: 'operator password 1', role: 'operator' });
    assert.equal(made.status, 201, made.text);
  }
  await admin.context().close();

  const ann = await logIn('views-ann', 'operator password 1', '/live?layout=4');
  await ann.goto(`/live?layout=4&tiles=${east},${west}`);
  // A tile dragged onto another trades cameras with it.
  await ann.locator('.tile[data-tile="0"]').dragTo(ann.locator('.tile[data-tile="1"]'));
  await ann.waitForURL((url) => url.searchParams.get('tiles') === `${west},${east}`);
  await saveView(ann, 'Ann alone', false);
  await ann.getByRole('group', { name: 'Layout' }).getByRole('button', { name: '1 large + 5' }).click();
  await ann.waitForURL((url) => url.searchParams.get('layout') === '1+5');
  await saveView(ann, 'Ann wall', true);
  await ann.getByRole('button', { name: 'Views', exact: true }).click();
  const annMine = ann.getByRole('region', { name: 'My views' });
  await annMine.getByRole('button', { name: 'Open Ann alone' }).click();
  await ann.waitForURL((url) => url.searchParams.get('layout') === '4' && url.searchParams.get('tiles') === `${west},${east}`);
  await ann.context().close();

  const bob = await logIn('views-bob', 'operator password 1', '/live?layout=1');
  await bob.getByRole('button', { name: 'Views', exact: true }).click();
  const shared = bob.getByRole('region', { name: 'Shared views' });
  await shared.getByRole('button', { name: 'Open Ann wall' }).waitFor();
  assert.equal(await bob.getByRole('button', { name: 'Open Ann alone' }).count(), 0, "Ann's personal view is hers alone");
  assert.equal(await shared.getByRole('button', { name: 'Delete Ann wall' }).count(), 0, 'not his to delete');
  await shared.getByRole('button', { name: 'Open Ann wall' }).click();
  await bob.waitForURL((url) => url.searchParams.get('layout') === '1+5' && url.searchParams.get('tiles') === `${west},${east}`);
  await bob.getByRole('button', { name: 'Camera of tile 1' }).filter({ hasText: 'Views west' }).waitFor();
  await bob.context().close();
});

scenario('a tour switches between the views chosen until stopped', async () => {
  const page = await logInAsAdmin('/live?layout=1');
  const id = await addCamera(page, 'Tour north', 'rtsp://127.0.2.62/');
  for (const [name, layout, tiles] of [['Tour one', '1', [id]], ['Tour two', '4', [null, id]]]) {
    const saved = await callApi(page, 'POST', '/api/views', { name, layout, tiles });
    assert.equal(saved.status, 201, saved.text);
  }
  // Opening the tour's panel lists views saved since the page loaded.
  await page.getByRole('button', { name: 'Tour', exact: true }).click();
  const form = page.getByRole('form', { name: 'Tour' });
  await form.getByLabel('Tour one').check();
  await form.getByLabel('Tour two').check();
  await form.getByLabel('Seconds per view').fill('5');
  await form.getByRole('button', { name: 'Start tour' }).click();
  const showing = (layout, tiles) => (url) => url.searchParams.get('layout') === layout && url.searchParams.get('tiles') === tiles;
  await page.waitForURL(showing('1', String(id)));
  await page.waitForURL(showing('4', `,${id}`), { timeout: 8_000 });
  await page.waitForURL(showing('1', String(id)), { timeout: 8_000 });
  await page.getByRole('button', { name: 'Stop tour' }).click();
  const stoppedOn = page.url();
  await page.waitForTimeout(6_000);
  assert.equal(page.url(), stoppedOn, 'a stopped tour stays on the view shown');
  await page.context().close();
});

// Last: it leaves 2,000 more cameras (disabled) in the registry.
scenario("a site's 2,000 cameras come in from one file: checked, errors shown, then imported and found", async () => {
  const page = await logInAsAdmin('/cameras');
  await page.getByRole('link', { name: 'Import' }).click();
  await page.waitForURL((url) => url.pathname === '/cameras/import');
  const lines = ['name,stream_url,location,enabled,groups'];
  for (let n = 0; n < 2000; n += 1) {
    lines.push(`Site camera ${n},rtsp://192.0.2.${(n % 250) + 1}/s${n},Pole ${n},no,site-a`);
  }
  lines.push('Broken camera,http://not-rtsp/,,no,');
  await page.getByLabel('File').setInputFiles({ name: 'site.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByText('Checked: 2000 to create, 0 to update, 0 unchanged, 1 with errors. Nothing was written.').waitFor();
  // Errors first, each naming its field.
  const firstRow = page.locator('table.import-rows tbody tr').first();
  assert.match(await firstRow.innerText(), /Broken camera\s+error\s+stream_url:/);

  // All or nothing refuses; the good rows only goes through.
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(/^Nothing was imported: 1 rows have errors/).waitFor();
  await page.getByLabel('Import the good rows even if some have errors').check();
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByText(/^Checked: 2000 to create/).waitFor();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText('Imported: 2000 created, 0 updated, 0 unchanged; 1 rows with errors were left out.').waitFor();

  // Counted in the group tree, which filters the list.
  await page.goto('/cameras');
  const groups = page.getByRole('navigation', { name: 'Groups' });
  await groups.getByRole('button', { name: 'site-a 2000' }).click();
  await page.waitForURL((url) => url.searchParams.get('group') === 'site-a');
  await page.locator('table.cameras').getByText('Site camera 0', { exact: true }).waitFor();

  // Found among them by search, and by a tile's picker.
  await page.goto('/cameras?q=camera%201999');
  await page.locator('table.cameras').getByText('Site camera 1999', { exact: true }).waitFor();
  await page.goto('/live?layout=1');
  await page.getByRole('button', { name: 'Camera of tile 1' }).click();
  await page.getByRole('searchbox', { name: 'Search cameras for tile 1' }).fill('site camera 1234');
  await page.getByRole('list', { name: 'Cameras for tile 1' }).getByRole('button', { name: 'Site camera 1234' }).waitFor();
  await page.context().close();
});
