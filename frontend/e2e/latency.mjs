// Glass-to-glass latency of live video in the console (`npm run latency`,
// part of `make bench`): the whole stack through HAProxy with the real
// MediaMTX, a mosaic of tiles in Chromium, and a test camera whose picture
// turns white or black at instants it prints. Each tile's decoded frames are
// sampled as they are shown (requestVideoFrameCallback); a tile's latency for
// a switch is when it first shows the new colour minus when the camera made
// it. Camera and browser share this machine's clock. While the tiles play,
// what the browser spends is read too: CPU time and memory (PSS) of all of
// Chromium's processes, and the page's script heap (CDP).
//
// It measures each run in LATENCY_RUNS (default "webrtc,fmp4,lowLatency,mpegts,playback":
// the tiles over WebRTC, then over HLS with each MediaMTX HLS variant; fmp4
// is mediamtx.yml's own), LATENCY_TILES tiles (16) for LATENCY_SECONDS (60)
// each, writes docs/latency.md (or LATENCY_OUT) and the table's section of
// docs/benchmarks.md (or BENCHMARKS_OUT), after what `cargo bench` wrote.
// `playback` is recorded video instead: from a click on the recordings
// timeline to the first frame of that past instant shown, in a section of
// docs/benchmarks.md of its own.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import { addCamera, callApi, launchChromium, playPastInstant, submitLogin } from './browser.mjs';
import { Stack, TestCamera, repo } from './stack.mjs';

const RUNS = (process.env.LATENCY_RUNS ?? 'webrtc,fmp4,lowLatency,mpegts,playback').split(',');
const LIVE_RUNS = RUNS.filter((run) => run !== 'playback');
const TILES = Number(process.env.LATENCY_TILES ?? 16);
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 60);
const OUT = process.env.LATENCY_OUT ?? join(repo, 'docs/latency.md');
const BENCHMARKS = process.env.BENCHMARKS_OUT ?? join(repo, 'docs/benchmarks.md');
/** The target for WebRTC tiles. */
const WEBRTC_P95_MS = 400;
/** Issue 19's target from a click on the timeline to the first frame of that instant. */
const PLAYBACK_FIRST_FRAME_MS = 1_000;
/** Past instants clicked, each on a freshly loaded recordings page. */
const PLAYBACK_CLICKS = 7;
/** Linux's clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat's CPU times. */
const TICKS_PER_S = 100;

/** Chromium's processes: every descendant of this one whose name says so. */
function chromiumProcesses() {
  const parents = new Map();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces: the fields follow the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), { parent: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields });
    } catch {
      // Exited while listed.
    }
  }
  const descends = (pid) => {
    for (let at = parents.get(pid); at; at = parents.get(at.parent)) if (at.parent === process.pid) return true;
    return false;
  };
  return [...parents].filter(([pid, { name }]) => /chrom/i.test(name) && descends(pid));
}

/** CPU seconds Chromium's processes have used, and their memory now (PSS, bytes). */
function chromiumUsage() {
  let cpu = 0;
  let pss = 0;
  for (const [pid, { fields }] of chromiumProcesses()) {
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
    cpu += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    try {
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // Exited meanwhile.
    }
  }
  return { cpu, pss };
}

/** Latencies in ms, sorted, of every switch every tile showed, and what the browser spent. */
async function measure(run) {
  const transport = run === 'webrtc' ? 'webrtc' : 'hls';
  // run-local.sh passes the environment on to MediaMTX, which reads MTX_*;
  // WebRTC runs with mediamtx.yml's own HLS settings.
  if (transport === 'hls') process.env.MTX_HLSVARIANT = run;
  else delete process.env.MTX_HLSVARIANT;
  const stack = await Stack.start();
  // Whatever fails after this (the camera's start included), the stack stops.
  let camera;
  let browser;
  try {
    camera = await TestCamera.start();
    const flips = [];
    camera.onLine((line) => {
      const match = /^FLIP (\d+) (white|black)$/.exec(line);
      if (match) flips.push({ at: Number(match[1]), color: match[2] });
    });
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true, viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await logIn(page, stack);
    const ids = [];
    for (let tile = 0; tile < TILES; tile += 1) ids.push(await addCamera(page, `Latency ${tile + 1}`, camera.url('flash')));
    await page.goto(`/live?layout=${TILES}&tiles=${ids.join(',')}`);
    // The operator's own switch: this user's preference, kept for the next page.
    await page.getByRole('group', { name: 'Transport' }).getByRole('button', { name: transport === 'webrtc' ? 'WebRTC' : 'HLS' }).click();
    await page
      .waitForFunction(
        ({ count, transport }) =>
          [...document.querySelectorAll('.tile')].filter(
            (tile) => tile.dataset.transport === transport && tile.dataset.state === 'live' && tile.querySelector('video').currentTime > 1,
          ).length === count,
        { count: TILES, transport },
        { timeout: 180_000, polling: 500 },
      )
      .catch(async (error) => {
        const tiles = await page.$$eval('.tile', (all) => all.map((tile) => `${tile.dataset.state}/${tile.dataset.transport}: ${tile.innerText.replace(/\s+/g, ' ')}`));
        throw new Error(`${run}: not every tile played: ${tiles.join(' | ')}`, { cause: error });
      });

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
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const before = chromiumUsage();
    await page.waitForTimeout(SECONDS * 1000);
    const after = chromiumUsage();
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize').value;
    const playing = await page.locator(`.tile[data-state="live"][data-transport="${transport}"]`).count();
    const seen = await page.evaluate(() => window.latencySeen);
    // Each change seen, against the camera's latest switch to that colour.
    const latencies = seen
      .map(({ color, at }) => {
        const flip = flips.filter((candidate) => candidate.color === color && candidate.at <= at).at(-1);
        return flip ? at - flip.at : null;
      })
      .filter((latency) => latency !== null)
      .sort((a, b) => a - b);
    if (latencies.length === 0) throw new Error(`${run}: no switch was seen in ${SECONDS} s (${flips.length} made)`);
    const spent = { cores: (after.cpu - before.cpu) / SECONDS, pss: after.pss, heap, playing };
    return { latencies, flips: flips.length, spent };
  } finally {
    await browser?.close();
    await camera?.stop();
    await stack.stop();
  }
}

async function logIn(page, stack) {
  await page.goto('/live');
  await page.waitForURL((url) => url.pathname === '/login');
  await submitLogin(page, 'admin', stack.adminPassword);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/**
 * Milliseconds, sorted, from a click on the recordings timeline to the first
 * frame of that instant shown (its expected display time), each on a
 * freshly loaded page as an operator opening it: the video token's request,
 * /playback/get through the edge and MSE's start included.
 */
async function measurePlayback() {
  const stack = await Stack.start();
  let camera;
  let browser;
  try {
    camera = await TestCamera.start();
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: stack.edge, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await logIn(page, stack);
    const created = await callApi(page, 'POST', '/api/cameras', { name: 'Recorded', stream_url: camera.url(), recording: { mode: 'continuous' } });
    const { id } = JSON.parse(created.text);
    // Enough recording behind it that every click lands in the past.
    for (let recorded = 0; recorded < 40; await page.waitForTimeout(2_000)) {
      recorded = JSON.parse((await callApi(page, 'GET', `/api/cameras/${id}/recordings`)).text).recorded_seconds ?? 0;
    }
    const firstFrames = [];
    for (let click = 0; click < PLAYBACK_CLICKS; click += 1) {
      await page.goto(`/cameras/${id}/recordings`);
      await page.locator('.timeline-span').first().waitFor();
      // Before the console's own handler (React listens at the root), so the
      // frame callback waits for the stream the click starts.
      await page.evaluate(() => {
        const bar = document.querySelector('.timeline-bar');
        const video = document.querySelector('.recordings-player video');
        window.firstFrame = new Promise((done) => {
          bar.addEventListener('click', () => {
            const clicked = performance.now();
            video.requestVideoFrameCallback((_now, frame) => done(frame.expectedDisplayTime - clicked));
          }, { capture: true, once: true });
        });
      });
      await playPastInstant(page, 0.1 + (0.8 * click) / PLAYBACK_CLICKS);
      firstFrames.push(await page.evaluate(() => window.firstFrame));
    }
    return firstFrames.sort((a, b) => a - b);
  } finally {
    await browser?.close();
    await camera?.stop();
    await stack.stop();
  }
}

/** `text` with the `## heading` section (up to the next one) replaced by `lines`, or added at the end. */
function withSection(text, heading, lines) {
  const start = text.indexOf(heading);
  if (start === -1) return `${text.trimEnd()}\n\n${lines.join('\n')}`;
  const next = text.indexOf('\n## ', start + heading.length);
  return text.slice(0, start) + lines.join('\n') + (next === -1 ? '' : text.slice(next));
}

const loadBefore = loadavg()[0].toFixed(2);
const rows = [];
for (const run of LIVE_RUNS) {
  const { latencies, flips, spent } = await measure(run);
  const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const ms = (value) => `${Math.round(value)} ms`;
  const mib = (bytes) => `${Math.round(bytes / 2 ** 20)} MiB`;
  const p95 = percentile(95);
  const verdict = run === 'webrtc' ? (p95 <= WEBRTC_P95_MS ? 'PASS' : 'MISSED') : '';
  const what = run === 'webrtc' ? 'WebRTC (WHEP)' : `HLS, \`hlsVariant: ${run}\``;
  const row =
    `| ${what} | ${spent.playing}/${TILES} | ${flips} | ${latencies.length} | ${ms(percentile(50))} | ${ms(p95)} | ${ms(latencies.at(-1))} ` +
    `| ${spent.cores.toFixed(2)} | ${mib(spent.pss)} | ${mib(spent.heap)} | ${verdict} |`;
  console.log(row);
  rows.push(row);
}
const header = [
  '| tiles play over | tiles playing | switches made | changes seen | p50 | p95 | max | browser CPU (cores) | browser memory (PSS) | script heap | WebRTC p95 ≤ 400 ms |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const method = [
  `${TILES} tiles of the console in headless Chromium, through HAProxy, each playing the real MediaMTX's`,
  're-stream of one GStreamer test camera (640x360, 25 fps, 1 s GOP) whose picture switches between',
  'black and white every 3 s at instants it prints. Latency of one switch in one tile: when the tile',
  "shows the new colour (the frame's expected display time) minus when the camera made it. One row per",
  'transport the tiles were switched to (the live view\'s preference): WebRTC, then HLS with each MediaMTX',
  `HLS variant (\`hlsVariant\`; mediamtx.yml's other settings); ${SECONDS} s each. Browser CPU is the CPU time`,
  "of all of Chromium's processes over those seconds, divided by them (1.00 = one core busy); memory is",
  "their proportional set size (PSS) at the end, and the page's script heap from CDP's Performance.getMetrics;",
  'both include the sampling of every shown frame (a 16x9 canvas read), the same for every row.',
];
/** The machine and its load from the first measurement to now. */
const machine = () => [
  `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${loadBefore} at the start and`,
  `${loadavg()[0].toFixed(2)} at the end, shared with other engineers' builds; the camera, MediaMTX, HAProxy and`,
  'camera-api run beside the browser.',
];
const date = new Date().toISOString().slice(0, 10);
const report = [
  '# Glass-to-glass latency',
  '',
  `Written by \`npm run latency\` (in \`make bench\`) on ${date}:`,
  ...method,
  ...machine(),
  '',
  ...header,
  ...rows,
  '',
].join('\n');
// docs/benchmarks.md: cargo bench writes it whole first; these sections
// follow its table (and replace those a previous `npm run latency` left).
if (rows.length) {
  console.log(report);
  writeFileSync(OUT, report);
  writeFileSync(BENCHMARKS, withSection(readFileSync(BENCHMARKS, 'utf8'), '## Live video in the browser', [
    '## Live video in the browser',
    '',
    `Written by \`npm run latency\` on ${date}: ${TILES} tiles of the console in Chromium over each transport, ${SECONDS} s each;`,
    'the method is in [latency.md](latency.md).',
    ...machine(),
    '',
    ...header,
    ...rows,
    '',
  ]));
}

if (RUNS.includes('playback')) {
  const firstFrames = await measurePlayback();
  const at = (p) => firstFrames[Math.min(firstFrames.length - 1, Math.floor((p / 100) * firstFrames.length))];
  const ms = (value) => `${Math.round(value)} ms`;
  const row = `| ${firstFrames.length} | ${ms(firstFrames[0])} | ${ms(at(50))} | ${ms(firstFrames.at(-1))} | ${firstFrames.at(-1) <= PLAYBACK_FIRST_FRAME_MS ? 'PASS' : 'MISSED'} |`;
  const lines = [
    '## Recorded video in the browser',
    '',
    `Written by \`npm run latency\` on ${date}: from a click on a camera's recordings timeline at a past instant to the`,
    "first frame of that instant shown (its expected display time, requestVideoFrameCallback), in headless Chromium",
    'through HAProxy and the real MediaMTX\'s playback server; each click on a freshly loaded recordings page, so the',
    'video token\'s request, `/playback/get` and Media Source Extensions\' start are all inside. The camera (640x360,',
    '25 fps, 1 s GOP) records continuously; the clicks fall at different points of its last recorded minute or so.',
    ...machine(),
    '',
    '| clicks | fastest | p50 | slowest | every click ≤ 1 s |',
    '| --- | --- | --- | --- | --- |',
    row,
    '',
  ];
  console.log(lines.join('\n'));
  writeFileSync(BENCHMARKS, withSection(readFileSync(BENCHMARKS, 'utf8'), '## Recorded video in the browser', lines));
}
