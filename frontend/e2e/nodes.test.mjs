// Several MediaMTX nodes behind the edge, in a real browser: the stack of
// scripts/run-local.sh with three more MediaMTX nodes (CAMPLANE_NODES=3)
// and a failover time of 5 s. Sixteen tiles play cameras the service spread
// over the nodes; one node is SIGKILLed; every tile plays again, without a
// reload, its camera now served by another node.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addCamera, adminPage, callApi, launchChromium } from './browser.mjs';
import { Stack, TestCamera } from './stack.mjs';

const TILES = 16;
let stack;
let sources = [];
let browser;
let failed = false;

before(async () => {
  [stack, ...sources] = await Promise.all([
    Stack.start({ CAMPLANE_NODES: '3', CAMPLANE_NODE_FAILOVER_AFTER: '5s' }),
    TestCamera.start(),
    TestCamera.start(),
  ]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all(sources.map((source) => source.stop()));
  if (failed) stack?.printLogs();
  await stack?.stop();
});

/** The node serving each camera, by name, as its status says. */
async function nodesOf(page, ids) {
  const nodes = new Map();
  for (const id of ids) {
    const { status, text } = await callApi(page, 'GET', `/api/cameras/${id}/status`);
    assert.equal(status, 200, text);
    nodes.set(id, JSON.parse(text).node ?? null);
  }
  return nodes;
}

/** Waits until every tile is live and its video advances while watched. */
async function allPlaying(page, timeoutMs) {
  await page.waitForFunction(
    (count) => {
      const tiles = [...document.querySelectorAll('.tile')];
      return tiles.length === count && tiles.every((tile) => tile.dataset.state === 'live' && tile.querySelector('video').currentTime > 0.5);
    },
    TILES,
    { timeout: timeoutMs, polling: 250 },
  );
  const times = () => page.$$eval('.tile video', (videos) => videos.map((video) => video.currentTime));
  const before = await times();
  await page.waitForTimeout(2000);
  const advanced = (await times()).map((time, index) => time - before[index]);
  assert.ok(
    advanced.every((delta) => delta >= 1),
    `every tile's video should advance; in 2 s: ${advanced.map((delta) => delta.toFixed(1)).join(', ')}`,
  );
}

test("sixteen tiles over three nodes play again within 20 s of a node's SIGKILL, without a reload", async () => {
  try {
    const page = await adminPage(browser, stack);
    const ids = [];
    for (let index = 0; index < TILES; index += 1) {
      ids.push(await addCamera(page, `Wall ${String(index + 1).padStart(2, '0')}`, sources[index % 2].url('cam1')));
    }
    await page.goto(`/live?layout=16&tiles=${ids.join(',')}`);
    await allPlaying(page, 90_000);

    const placed = await nodesOf(page, ids);
    const counts = new Map();
    for (const node of placed.values()) counts.set(node, (counts.get(node) ?? 0) + 1);
    assert.equal(counts.size, 3, `the cameras spread over the three nodes: ${JSON.stringify([...counts])}`);
    assert.ok(!counts.has(null), 'every camera has a node');
    const [victim] = [...counts].sort((a, b) => b[1] - a[1])[0];
    const moved = ids.filter((id) => placed.get(id) === victim);

    // A reload would lose this.
    await page.evaluate(() => {
      window.sameDocument = true;
    });
    const pid = Number(readFileSync(join(stack.runDir, `mediamtx-node-${victim.replace('local-', '')}.pid`), 'utf8'));
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();

    // The killed node's tiles notice, then every tile plays again.
    await page.waitForFunction(
      (indexes) => indexes.some((index) => document.querySelector(`.tile[data-tile="${index}"]`).dataset.state !== 'live'),
      moved.map((id) => ids.indexOf(id)),
      { timeout: 15_000, polling: 100 },
    );
    await allPlaying(page, 20_000 - (Date.now() - killedAt));
    const back = Date.now() - killedAt;
    console.log(`${moved.length} tiles of node ${victim} played again ${back} ms after its SIGKILL (the other ${TILES - moved.length} played on)`);
    assert.ok(back <= 20_000 + 2_500, `every tile played again within 20 s (${back} ms, the last 2 s watching them advance)`);
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was not reloaded');

    const now = await nodesOf(page, ids);
    for (const id of ids) {
      const node = now.get(id);
      assert.ok(node !== null && node !== victim, `camera ${id} is served by a live node (${node})`);
      if (placed.get(id) !== victim) assert.equal(node, placed.get(id), `camera ${id} of a node that lived stayed there`);
    }
    await page.context().close();
  } catch (error) {
    failed = true;
    throw error;
  }
});
