// Glass-to-glass latency of live video in the console (`npm run latency`,
// part of `make bench`): the whole stack through HAProxy with the real
// MediaMTX, a mosaic of tiles in Chromium, and a test camera whose picture
// turns white or black at instants it prints. Each tile's decoded frames are
// sampled as they are shown (requestVideoFrameCallback); a tile's latency for
// a switch is when it first shows the new colour minus when the camera made
// it. Camera and browser share this machine's clock.
//
// It measures each MediaMTX HLS variant in LATENCY_VARIANTS (default
// "fmp4,lowLatency,mpegts"; the first row is mediamtx.yml's own setting when
// that is listed first), LATENCY_TILES tiles (16) for LATENCY_SECONDS (60)
// each, and writes docs/latency.md (or LATENCY_OUT).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { addCamera, launchChromium, submitLogin } from './browser.mjs';
import { Stack, TestCamera, repo } from './stack.mjs';

const VARIANTS = (process.env.LATENCY_VARIANTS ?? 'fmp4,lowLatency,mpegts').split(',');
const TILES = Number(process.env.LATENCY_TILES ?? 16);
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 60);
const OUT = process.env.LATENCY_OUT ?? join(repo, 'docs/latency.md');

/** Latencies in ms, sorted, of every switch every tile showed. */
async function measure(variant) {
  // run-local.sh passes the environment on to MediaMTX, which reads MTX_*.
  process.env.MTX_HLSVARIANT = variant;
  const stack = await Stack.start();
  const camera = await TestCamera.start();
  const flips = [];
  camera.onLine((line) => {
    const match = /^FLIP (\d+) (white|black)$/.exec(line);
    if (match) flips.push({ at: Number(match[1]), color: match[2] });
  });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto('/live');
    await page.waitForURL((url) => url.pathname === '/login');
    await submitLogin(page, 'admin', stack.adminPassword);
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    const ids = [];
    for (let tile = 0; tile < TILES; tile += 1) ids.push(await addCamera(page, `Latency ${tile + 1}`, camera.url('flash')));
    await page.goto(`/live?layout=${TILES}&tiles=${ids.join(',')}`);
    await page.waitForFunction(
      (count) => [...document.querySelectorAll('.tile video')].filter((video) => video.currentTime > 1).length === count,
      TILES,
      { timeout: 180_000, polling: 500 },
    );

    // Mean brightness of each frame as it is shown, on a 16x9 thumbnail.
    await page.evaluate(() => {
      window.latencySeen = [];
      const canvas = document.createElement('canvas');
      canvas.width = 16;
      canvas.height = 9;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      document.querySelectorAll('.tile video').forEach((video, tile) => {
        let shown = null;
        const onFrame = (_now, frame) => {
          context.drawImage(video, 0, 0, 16, 9);
          const pixels = context.getImageData(0, 0, 16, 9).data;
          let sum = 0;
          for (let at = 1; at < pixels.length; at += 4) sum += pixels[at];
          const brightness = sum / (pixels.length / 4);
          const color = brightness > 160 ? 'white' : brightness < 60 ? 'black' : shown;
          if (shown !== null && color !== shown) {
            window.latencySeen.push({ tile, color, at: performance.timeOrigin + frame.expectedDisplayTime });
          }
          shown = color;
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      });
    });
    await page.waitForTimeout(SECONDS * 1000);
    const seen = await page.evaluate(() => window.latencySeen);
    // Each change seen, against the camera's latest switch to that colour.
    const latencies = seen
      .map(({ color, at }) => {
        const flip = flips.filter((candidate) => candidate.color === color && candidate.at <= at).at(-1);
        return flip ? at - flip.at : null;
      })
      .filter((latency) => latency !== null)
      .sort((a, b) => a - b);
    if (latencies.length === 0) throw new Error(`${variant}: no switch was seen in ${SECONDS} s (${flips.length} made)`);
    return { latencies, flips: flips.length };
  } finally {
    await browser.close();
    await camera.stop();
    await stack.stop();
  }
}

const rows = [];
for (const variant of VARIANTS) {
  const { latencies, flips } = await measure(variant);
  const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const ms = (value) => `${Math.round(value)} ms`;
  const row = `| ${variant} | ${TILES} | ${flips} | ${latencies.length} | ${ms(percentile(50))} | ${ms(percentile(95))} | ${ms(latencies.at(-1))} |`;
  console.log(row);
  rows.push(row);
}
const report = [
  '# Glass-to-glass latency',
  '',
  `Written by \`npm run latency\` (in \`make bench\`) on ${new Date().toISOString().slice(0, 10)}: ${TILES} tiles of the`,
  'console in headless Chromium, through HAProxy, playing HLS from the real MediaMTX, which pulls a',
  'GStreamer test camera (640x360, 25 fps, 1 s GOP) whose picture switches between black and white',
  'every 3 s at instants it prints. Latency of one switch in one tile: when the tile shows the new',
  "colour (the frame's expected display time) minus when the camera made it. One row per MediaMTX",
  `HLS variant (\`hlsVariant\`), with mediamtx.yml's other HLS settings; ${SECONDS} s each.`,
  '',
  '| hlsVariant | tiles | switches made | changes seen | p50 | p95 | max |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
console.log(report);
writeFileSync(OUT, report);
