// The browser tests' rig: the whole product started by scripts/run-local.sh
// (the same as `make run`) on free ports with its own database and run
// directory, plus GStreamer test cameras that a test can stop and start.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const repo = resolve(import.meta.dirname, '../..');
// The server make test's scripts/with-postgres.sh started (DATABASE_URL names its `postgres` database).
const PG = process.env.CAMPLANE_PG ?? process.env.DATABASE_URL?.replace(/\/[^/]*$/, '');
if (!PG) throw new Error('set DATABASE_URL (make test does, through scripts/with-postgres.sh)');

/** A port nothing listens on right now (the kernel's pick for port 0). */
export async function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Resolves with the first line matching `pattern`, or fails when the process exits first. */
function waitForLine(child, stream, pattern, what, timeoutMs) {
  return new Promise((done, fail) => {
    const lines = createInterface({ input: stream });
    const timer = setTimeout(() => fail(new Error(`${what}: not ready after ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        done(match);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code ?? signal}) before it was ready`));
    });
  });
}

/** A GStreamer RTSP test camera (infra/test-camera); `stop()` and `start()` keep its port. */
export class TestCamera {
  static async start() {
    const camera = new TestCamera();
    await camera.start();
    return camera;
  }

  async start() {
    this.child = spawn('/usr/bin/python3', [join(repo, 'infra/test-camera/test_camera.py'), '--port', String(this.port ?? 0)], {
      // The camera exits when its stdin closes: if this process dies, so does it.
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const [, port] = await waitForLine(this.child, this.child.stdout, /READY port=(\d+)/, 'test camera', 30_000);
    this.port = Number(port);
  }

  /** Freezes the camera (SIGSTOP): its connections stay open and send nothing, as a hung camera's. */
  pause() {
    this.child.kill('SIGSTOP');
  }

  resume() {
    this.child.kill('SIGCONT');
  }

  /** Calls `listener` with every line the camera prints from now on. */
  onLine(listener) {
    createInterface({ input: this.child.stdout }).on('line', listener);
  }

  url(mount = 'cam1') {
    return `rtsp://127.0.0.1:${this.port}/${mount}`;
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * The whole stack through HAProxy; `edge` is its public HTTPS address and
 * `adminPassword` the password of the first admin, `admin`. `settings`: more
 * of run-local.sh's environment (CAMPLANE_WEBRTC_HOST, say).
 */
export class Stack {
  static async start(settings = {}) {
    // The ports are free when picked but not reserved: another test's process
    // can take one before the stack binds it. Such a start is tried again on
    // new ports; any other failure is the test's to report.
    for (let attempt = 1; ; attempt++) {
      const stack = new Stack();
      try {
        await stack.#launch(settings);
        return stack;
      } catch (error) {
        if (attempt === 3 || !stack.#lostAPortRace()) throw error;
        console.error(`the stack lost a port to another process (${error.message}); starting it again on other ports`);
        await stack.stop();
      }
    }
  }

  async #launch(settings) {
    const [https, http, api, demo, mediamtx, hls, rtsp, mediamtxMetrics, webrtc, ice, playback] = await Promise.all(
      Array.from({ length: 11 }, freePort),
    );
    this.database = `camplane_e2e_${process.pid}_${Date.now()}`;
    this.runDir = mkdtempSync(join(tmpdir(), 'camplane-e2e-'));
    this.edge = `https://127.0.0.1:${https}`;
    this.child = spawn(join(repo, 'scripts/run-local.sh'), [], {
      cwd: repo,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CAMPLANE_PG: PG,
        CAMPLANE_DB: this.database,
        CAMPLANE_RUN_DIR: this.runDir,
        CAMPLANE_PROFILE: process.env.CAMPLANE_PROFILE ?? 'debug',
        CAMPLANE_HTTPS_PORT: String(https),
        CAMPLANE_HTTP_PORT: String(http),
        CAMPLANE_API_PORT: String(api),
        CAMPLANE_DEMO_CAMERA_PORT: String(demo),
        CAMPLANE_MEDIAMTX_API_PORT: String(mediamtx),
        CAMPLANE_HLS_PORT: String(hls),
        CAMPLANE_WEBRTC_PORT: String(webrtc),
        // A free TCP port; its UDP twin is free too unless something else
        // picked the same number, which run-local.sh would report.
        CAMPLANE_WEBRTC_ICE_PORT: String(ice),
        CAMPLANE_RTSP_PORT: String(rtsp),
        CAMPLANE_PLAYBACK_PORT: String(playback),
        CAMPLANE_MEDIAMTX_METRICS_PORT: String(mediamtxMetrics),
        CAMPLANE_METRICS_LISTEN: 'off',
        ...settings,
      },
    });
    this.said = '';
    this.child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      this.said += chunk;
    });
    // The build happens inside; a cold one takes minutes.
    await waitForLine(this.child, this.child.stdout, /Camplane is running/, 'scripts/run-local.sh', 20 * 60_000);
    this.child.stdout.resume();
    // run-local.sh creates the first admin and leaves its password here.
    this.adminPassword = readFileSync(join(this.runDir, 'admin-password'), 'utf8').trim();
  }

  /** Whether the start failed because a port picked free was taken meanwhile (run-local.sh's or a process's own words). */
  #lostAPortRace() {
    const logs = readdirSync(this.runDir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => readFileSync(join(this.runDir, name), 'utf8'));
    return [this.said, ...logs].some((text) => /address already in use|address in use|is already in use/i.test(text));
  }

  /**
   * Prints the end of each of the stack's logs, and every warning, error and
   * slow request camera-api logged: for a failed scenario, whose moment is
   * often long before the end.
   */
  printLogs() {
    for (const log of readdirSync(this.runDir).filter((name) => name.endsWith('.log'))) {
      const lines = readFileSync(join(this.runDir, log), 'utf8').trimEnd().split('\n');
      if (log === 'camera-api.log') {
        const notable = lines.filter((line) => / (WARN|ERROR) /.test(line) || /latency_ms=\d{4,}/.test(line));
        console.error(`--- ${log} (warnings, errors, requests of 1 s or more)\n${notable.slice(-200).join('\n')}`);
      }
      console.error(`--- ${log} (last 30 lines)\n${lines.slice(-30).join('\n')}`);
    }
  }

  /** Stops every process of the stack (run-local.sh's trap) and drops its database. */
  async stop() {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timeout = setTimeout(() => {
        // run-local.sh starts each process in a session of its own (so that
        // Ctrl-C reaches only the script): its pids file names them.
        const pids = readFileSync(join(this.runDir, 'pids'), { encoding: 'utf8', flag: 'a+' });
        for (const pid of [-child.pid, ...pids.split('\n').filter(Boolean).map(Number)]) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }, 15_000);
      await exited;
      clearTimeout(timeout);
    }
    execFileSync('psql', ['-q', `${PG}/postgres`, '-c', `DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`], {
      env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
    });
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
