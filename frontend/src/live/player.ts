// One tile's player: the tile's lifecycle (start, classify failures, fall
// back from WebRTC to HLS, retry with backoff, watchdog, release) around
// whichever transport plays. React only renders the state this reports.
import { retryDelay } from './backoff';
import { HlsTransport } from './hls';
import {
  afterFailure,
  firstTransport,
  type Failure,
  type Preference,
  type Transport,
  type TransportEvents,
  type TransportKind,
} from './transport';
import { WhepTransport } from './webrtc';

export type TileState =
  | { kind: 'starting'; transport: TransportKind }
  | { kind: 'live'; transport: TransportKind; latency: number | null; cameraTime: Date | null }
  | { kind: 'offline'; retryAt: number }
  | { kind: 'capacity'; retryAt: number }
  | { kind: 'unplayable'; transport: TransportKind }
  | { kind: 'error'; message: string; retryAt: number }
  | { kind: 'stopped' };

/**
 * Starting covers MediaMTX's on-demand start (10 s) plus, for HLS, the two
 * segments its first playlist waits for, which start on keyframes: three
 * GOPs of a camera with a 10 s GOP.
 */
export const START_MS = 50_000;
/** Further behind the live edge than this after a stall: jump to it. */
export const MAX_BEHIND_S = 6;

export type Verdict = 'ok' | 'never-started' | 'stalled' | 'jump-to-live';

/** The watchdog's decision, from what it last observed. */
export function watchdog(observed: {
  now: number;
  state: TileState['kind'];
  startedAt: number;
  lastProgressAt: number;
  behindLive: number | null;
  /** The transport's patience with video that stopped. */
  stallMs: number;
}): Verdict {
  if (observed.state === 'starting') {
    return observed.now - observed.startedAt > START_MS ? 'never-started' : 'ok';
  }
  if (observed.state !== 'live') return 'ok';
  if (observed.now - observed.lastProgressAt > observed.stallMs) return 'stalled';
  if (observed.behindLive !== null && observed.behindLive > MAX_BEHIND_S) return 'jump-to-live';
  return 'ok';
}

/** Where a camera plays, from the API's camera. */
export interface Sources {
  hls: string;
  webrtc: string;
}

export class TilePlayer {
  private transport: Transport | null = null;
  private state: TileState = { kind: 'stopped' };
  private attempt = 0;
  private retryTimer: number | undefined;
  private watchdogTimer: number | undefined;
  private startedAt = 0;
  private lastProgressAt = 0;
  /** A 401 already got a fresh token and a restart since the tile last played. */
  private renewed = false;
  /**
   * WebRTC did not get through on this tile: Auto's retries play HLS
   * until the operator's Retry or news that the camera is live again.
   */
  private fellBack = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly sources: Sources,
    private readonly preference: Preference,
    private readonly onState: (state: TileState) => void,
  ) {}

  start() {
    this.play(firstTransport(this.preference, this.fellBack));
  }

  /** Stops playing and releases the stream (off screen, hidden, paused). */
  stop() {
    this.teardown();
    this.set({ kind: 'stopped' });
  }

  /** The operator's Retry: now, WebRTC first again, and with a fresh backoff. */
  retryNow() {
    this.attempt = 0;
    this.fellBack = false;
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

  private play(kind: TransportKind) {
    this.teardown();
    this.startedAt = Date.now();
    this.lastProgressAt = this.startedAt;
    this.set({ kind: 'starting', transport: kind });
    // Events of a transport the tile has since closed are ignored.
    const events: TransportEvents = {
      progressed: (latency, cameraTime) => {
        this.onProgress(transport, latency, cameraTime);
      },
      failed: (failure, message) => {
        this.onFailure(transport, failure, message);
      },
    };
    const transport: Transport =
      kind === 'webrtc'
        ? new WhepTransport(this.video, this.sources.webrtc, events)
        : new HlsTransport(this.video, this.sources.hls, events);
    this.transport = transport;
    this.watchdogTimer = window.setInterval(this.check, 1_000);
    transport.start();
  }

  private onProgress(transport: Transport, latency: number | null, cameraTime: Date | null) {
    if (transport !== this.transport) return;
    this.lastProgressAt = Date.now();
    if (this.state.kind !== 'live') {
      this.attempt = 0;
      this.renewed = false;
    }
    this.set({ kind: 'live', transport: transport.kind, latency, cameraTime });
  }

  private onFailure(transport: Transport, failure: Failure, message: string) {
    if (transport !== this.transport) return;
    const next = afterFailure({ preference: this.preference, transport: transport.kind, failure, renewed: this.renewed });
    switch (next.kind) {
      case 'fall-back':
        this.fellBack = true;
        this.play(next.to);
        return;
      case 'renew':
        // A new token and a new session are one restart away: no backoff.
        this.renewed = true;
        this.play(transport.kind);
        return;
      case 'give-up':
        this.teardown();
        this.set({ kind: 'unplayable', transport: transport.kind });
        return;
      case 'retry': {
        this.teardown();
        const retryAt = Date.now() + retryDelay(this.attempt);
        this.attempt += 1;
        this.retryTimer = window.setTimeout(() => {
          this.start();
        }, retryAt - Date.now());
        this.set(next.show === 'error' ? { kind: 'error', message, retryAt } : { kind: next.show, retryAt });
      }
    }
  }

  private readonly check = () => {
    const transport = this.transport;
    if (!transport) return;
    const verdict = watchdog({
      now: Date.now(),
      state: this.state.kind,
      startedAt: this.startedAt,
      lastProgressAt: this.lastProgressAt,
      behindLive: transport.behindLive(),
      stallMs: transport.stallMs,
    });
    if (verdict === 'never-started') this.onFailure(transport, 'error', 'The video did not start; restarting.');
    else if (verdict === 'stalled') this.onFailure(transport, 'stalled', 'The video stalled; restarting.');
    else if (verdict === 'jump-to-live') transport.jumpToLive();
  };

  private teardown() {
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.watchdogTimer);
    this.transport?.close();
    this.transport = null;
  }

  private set(state: TileState) {
    this.state = state;
    this.onState(state);
  }
}
