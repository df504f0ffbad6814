// One tile's player: hls.js on a <video>, with the tile's lifecycle around
// it (start, classify failures, retry with backoff, watchdog, release).
// React only renders the state this reports.
import Hls, { type ErrorData } from 'hls.js';

import { retryDelay } from './backoff';
import { rejectVideoToken, videoToken } from './videoToken';

export type TileState =
  | { kind: 'starting' }
  | { kind: 'live'; latency: number | null }
  | { kind: 'offline'; retryAt: number }
  | { kind: 'capacity'; retryAt: number }
  | { kind: 'unplayable' }
  | { kind: 'error'; message: string; retryAt: number }
  | { kind: 'stopped' };

export type Failure = 'offline' | 'capacity' | 'unplayable' | 'session' | 'error';

/**
 * What a fatal hls.js error means for the operator. The edge turns
 * MediaMTX's 500s into 404 (camera offline or not provisioned), 503 (the
 * camera's viewer limit) and 415 (the camera sends no codec HLS can carry,
 * such as MJPEG: final); 401 is MediaMTX refusing the video token or its
 * expired HLS session.
 */
export function classify(data: Pick<ErrorData, 'type' | 'details' | 'response'>): Failure {
  const code = data.response?.code;
  if (code === 404) return 'offline';
  if (code === 503) return 'capacity';
  if (code === 415) return 'unplayable';
  if (code === 401) return 'session';
  return 'error';
}

/** Video must move within this long, or the tile is restarted. */
export const STALL_MS = 10_000;
/**
 * Starting covers MediaMTX's on-demand start (10 s) plus the two segments
 * its first playlist waits for, which start on keyframes: three GOPs of a
 * camera with a 10 s GOP.
 */
export const START_MS = 50_000;
/** Further behind the live edge than this after a stall: jump to it. */
export const MAX_BEHIND_S = 6;

export type Verdict = 'ok' | 'restart' | 'jump-to-live';

/** The watchdog's decision, from what it last observed. */
export function watchdog(observed: {
  now: number;
  state: TileState['kind'];
  startedAt: number;
  lastProgressAt: number;
  behindLive: number | null;
}): Verdict {
  if (observed.state === 'starting') {
    return observed.now - observed.startedAt > START_MS ? 'restart' : 'ok';
  }
  if (observed.state !== 'live') return 'ok';
  if (observed.now - observed.lastProgressAt > STALL_MS) return 'restart';
  if (observed.behindLive !== null && observed.behindLive > MAX_BEHIND_S) return 'jump-to-live';
  return 'ok';
}

const HLS_CONFIG = {
  // Near the live edge, and bounded buffers so hours of playback don't grow
  // the page.
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 5,
  maxLiveSyncPlaybackRate: 1.5,
  maxBufferLength: 8,
  backBufferLength: 4,
  // Failures to load the playlist are classified and retried here (with
  // backoff and the reason shown), not silently by hls.js.
  manifestLoadPolicy: {
    // The first playlist waits for the camera and two segments: up to
    // 10 s plus three GOPs (40 s for a 10 s GOP), as the edge allows.
    default: { maxTimeToFirstByteMs: 45_000, maxLoadTimeMs: 50_000, timeoutRetry: null, errorRetry: null },
  },
} as const;

export class TilePlayer {
  private hls: Hls | null = null;
  private state: TileState = { kind: 'stopped' };
  private attempt = 0;
  private retryTimer: number | undefined;
  private watchdogTimer: number | undefined;
  private startedAt = 0;
  private lastTime = 0;
  private lastProgressAt = 0;
  private mediaRecoveries = 0;
  /** The video token this tile last presented. */
  private token: string | null = null;
  /** A 401 already got a fresh token and a restart since the tile last played. */
  private renewedAfter401 = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly onState: (state: TileState) => void,
  ) {}

  start() {
    this.teardown();
    if (!Hls.isSupported()) {
      this.fail('error', 'This browser cannot play HLS video.');
      return;
    }
    this.startedAt = Date.now();
    this.lastProgressAt = this.startedAt;
    this.lastTime = 0;
    this.mediaRecoveries = 0;
    this.set({ kind: 'starting' });

    const hls = new Hls({ ...HLS_CONFIG, xhrSetup: this.authorize });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.play().catch(() => {
        // Autoplay of muted video is allowed; a refusal shows as a stall
        // and the watchdog restarts the tile.
      });
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
        this.mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      const failure = classify(data);
      if (failure === 'unplayable') {
        // Retrying can't change the camera's codec.
        this.teardown();
        this.set({ kind: 'unplayable' });
      } else if (failure !== 'session') {
        this.fail(failure, data.error.message || data.details);
      } else if (!this.renewedAfter401) {
        // A new token and a new HLS session are one reload away: no backoff.
        this.renewedAfter401 = true;
        if (this.token) rejectVideoToken(this.token);
        this.start();
      } else {
        this.fail('error', 'The video server refused this console\'s credentials.');
      }
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.video.addEventListener('timeupdate', this.onTimeUpdate);
    this.watchdogTimer = window.setInterval(this.check, 1_000);
  }

  /** Stops playing and releases the stream (off screen, hidden, paused). */
  stop() {
    this.teardown();
    this.set({ kind: 'stopped' });
  }

  /** The operator's Retry: now, and with a fresh backoff. */
  retryNow() {
    this.attempt = 0;
    this.start();
  }

  /**
   * Live updates say MediaMTX receives the camera again: a tile waiting out
   * its backoff retries now. Only on that news, so a tile that keeps
   * failing still backs off.
   */
  cameraIsLive() {
    if (this.state.kind === 'offline' || this.state.kind === 'error') this.retryNow();
  }

  private readonly onTimeUpdate = () => {
    const time = this.video.currentTime;
    if (time > this.lastTime) {
      this.lastTime = time;
      this.lastProgressAt = Date.now();
      if (this.state.kind !== 'live') {
        this.attempt = 0;
        this.renewedAfter401 = false;
      }
      this.set({ kind: 'live', latency: this.hls?.latency ?? null });
    }
  };

  /**
   * Presents the video token on every request: MediaMTX checks it on a
   * session's second playlist request, after its cookie-check redirect. A
   * header, never the URL, so it stays out of access logs; and only to this
   * origin, whatever host a playlist might name.
   */
  private readonly authorize = async (xhr: XMLHttpRequest, url: string) => {
    const sameOrigin = new URL(url, window.location.href).origin === window.location.origin;
    const token = sameOrigin ? await videoToken() : null;
    xhr.open('GET', url, true);
    if (token) {
      this.token = token;
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    }
  };

  private readonly check = () => {
    const hls = this.hls;
    const sync = hls?.liveSyncPosition ?? null;
    const verdict = watchdog({
      now: Date.now(),
      state: this.state.kind,
      startedAt: this.startedAt,
      lastProgressAt: this.lastProgressAt,
      behindLive: sync === null ? null : sync - this.video.currentTime,
    });
    if (verdict === 'restart') {
      this.fail('error', 'The video stalled; restarting.');
    } else if (verdict === 'jump-to-live' && sync !== null) {
      this.video.currentTime = sync;
    }
  };

  private fail(failure: Exclude<Failure, 'session' | 'unplayable'>, message: string) {
    this.teardown();
    const retryAt = Date.now() + retryDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = window.setTimeout(() => {
      this.start();
    }, retryAt - Date.now());
    if (failure === 'error') this.set({ kind: 'error', message, retryAt });
    else this.set({ kind: failure, retryAt });
  }

  private teardown() {
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.watchdogTimer);
    this.video.removeEventListener('timeupdate', this.onTimeUpdate);
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    // Detaching leaves the element holding the last MediaSource otherwise.
    this.video.removeAttribute('src');
    this.video.load();
  }

  private set(state: TileState) {
    this.state = state;
    this.onState(state);
  }
}
