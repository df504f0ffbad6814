// WebRTC through the edge (WHEP): a recvonly offer POSTed to the camera's
// webrtc_url with the video token, MediaMTX's answer, then media straight
// from MediaMTX's ICE port, a fraction of a second behind the camera.
import { classifyStatus, senderTime, type Failure, type Transport, type TransportEvents } from './transport';
import { rejectVideoToken, videoToken } from './videoToken';

/**
 * Frames must keep being decoded within this long. A session MediaMTX
 * kicked (revocation) can stay "connected" in Chromium with no frames, so
 * decoded frames are watched, not the connection's state.
 */
export const WEBRTC_STALL_MS = 4_000;
/**
 * The first frame is decoded about 0.2 s after the answer where ICE passes;
 * where it doesn't (UDP and TCP to MediaMTX's ICE port blocked), Chromium
 * would take tens of seconds to give up, and the tile falls back to HLS
 * after this instead, so that HLS, which needs two segments, still plays
 * within 10 s of opening the tile.
 */
export const FIRST_FRAME_MS = 3_000;
/** Local candidates take about 0.15 s (Chromium, here); the offer doesn't wait longer than this. */
const GATHER_MS = 1_000;
const STATS_EVERY_MS = 500;

/** What a peer connection's state means for the tile, given whether any frame came; null: nothing yet. */
export function connectionFailure(state: RTCPeerConnectionState, decodedAny: boolean): Failure | null {
  if (state !== 'failed' && state !== 'closed') return null;
  return decodedAny ? 'stalled' : 'error';
}

/** The sentence for a refused offer: the problem document's detail, else its status. */
export async function refusal(response: Response): Promise<string> {
  if (response.status === 401) return "The video server refused this console's credentials.";
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    const said = problem.detail ?? problem.title;
    if (typeof said === 'string' && said) return said;
  } catch {
    // Not a problem document: the status says enough.
  }
  return `The WebRTC offer was refused (HTTP ${response.status}).`;
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((done) => {
    if (pc.iceGatheringState === 'complete') {
      done();
      return;
    }
    const timer = window.setTimeout(done, GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        window.clearTimeout(timer);
        done();
      }
    });
  });
}

/** The parts of WebRTC's statistics a tile reads. */
interface VideoReport {
  type: string;
  kind?: string;
  timestamp?: number;
  framesDecoded?: number;
  jitterBufferDelay?: number;
  jitterBufferEmittedCount?: number;
  remoteTimestamp?: number;
}

export class WhepTransport implements Transport {
  readonly kind = 'webrtc';
  readonly stallMs = WEBRTC_STALL_MS;
  private pc: RTCPeerConnection | null = null;
  private readonly abort = new AbortController();
  /** MediaMTX's session resource, from the answer's Location: DELETE ends it. */
  private session: string | null = null;
  private framesDecoded = 0;
  private statsTimer: number | undefined;
  private firstFrameTimer: number | undefined;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly events: TransportEvents,
  ) {}

  start() {
    this.negotiate().catch((error: unknown) => {
      this.fail('error', error instanceof Error ? error.message : String(error));
    });
  }

  close() {
    this.abort.abort();
    window.clearInterval(this.statsTimer);
    window.clearTimeout(this.firstFrameTimer);
    this.video.srcObject = null;
    const pc = this.pc;
    this.pc = null;
    if (!this.session) {
      pc?.close();
      return;
    }
    // Hang up first: closing the peer connection ends MediaMTX's session by
    // itself, and the DELETE would then find nothing. keepalive: the hang-up
    // still goes when the tile closes with the page.
    fetch(this.session, { method: 'DELETE', keepalive: true })
      .catch(() => {
        // MediaMTX ends a session whose peer went silent by itself.
      })
      .finally(() => pc?.close());
    this.session = null;
  }

  behindLive(): number | null {
    return null;
  }

  jumpToLive() {
    // WebRTC plays what arrives; there is no buffer to skip.
  }

  private async negotiate() {
    const token = await videoToken();
    // Closed while waiting: the abort ends negotiation here (and fail ignores it).
    this.abort.signal.throwIfAborted();
    // No ICE servers: MediaMTX announces the addresses to reach it at.
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addEventListener('track', (event) => {
      this.video.srcObject = new MediaStream([event.track]);
      this.video.play().catch(() => {
        // Autoplay of muted video is allowed; a refusal shows as no progress.
      });
    });
    pc.addEventListener('connectionstatechange', () => {
      const failure = connectionFailure(pc.connectionState, this.framesDecoded > 0);
      if (failure) this.fail(failure, 'The WebRTC connection failed.');
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    this.abort.signal.throwIfAborted();
    if (!pc.localDescription) throw new Error('The browser made no WebRTC offer.');

    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
      body: pc.localDescription.sdp,
      signal: this.abort.signal,
    });
    if (response.status !== 201) {
      const failure = classifyStatus(response.status);
      if (failure === 'session') rejectVideoToken(token);
      this.fail(failure, await refusal(response));
      return;
    }
    const location = response.headers.get('location');
    this.session = location ? new URL(location, new URL(this.url, window.location.href)).href : null;
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    this.abort.signal.throwIfAborted();
    this.firstFrameTimer = window.setTimeout(() => {
      if (this.framesDecoded === 0) this.fail('error', `WebRTC carried no video within ${FIRST_FRAME_MS / 1000} s.`);
    }, FIRST_FRAME_MS);
    this.statsTimer = window.setInterval(() => {
      this.readStats(pc).catch(() => {
        // Closed meanwhile: nothing left to watch.
      });
    }, STATS_EVERY_MS);
  }

  private async readStats(pc: RTCPeerConnection) {
    const stats = await pc.getStats();
    if (this.abort.signal.aborted) return;
    const reports = [...(stats.values() as IterableIterator<VideoReport>)].filter((report) => report.kind === 'video');
    const inbound = reports.find((report) => report.type === 'inbound-rtp');
    const sender = reports.find((report) => report.type === 'remote-outbound-rtp');
    if (inbound && (inbound.framesDecoded ?? 0) > this.framesDecoded) {
      this.framesDecoded = inbound.framesDecoded ?? 0;
      const held = (inbound.jitterBufferDelay ?? 0) / Math.max(inbound.jitterBufferEmittedCount ?? 0, 1);
      const cameraTime = senderTime(sender?.remoteTimestamp, sender?.timestamp, Date.now(), held);
      // How far behind the camera is not known here; the badge says only LIVE.
      this.events.progressed(null, cameraTime);
    }
  }

  private fail(failure: Failure, message: string) {
    if (this.abort.signal.aborted) return;
    this.events.failed(failure, message);
  }
}
