// HLS through the edge with hls.js: the fallback where WebRTC can't get
// through, since it needs nothing but the edge's HTTPS port.
import Hls from 'hls.js';

import { classifyStatus, type Transport, type TransportEvents } from './transport';
import { rejectVideoToken, videoToken } from './videoToken';

/** Video must move within this long; HLS arrives in segments, so a few seconds' pause is normal. */
export const HLS_STALL_MS = 10_000;

const HLS_CONFIG = {
  // Near the live edge, and bounded buffers so hours of playback don't grow
  // the page.
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 5,
  maxLiveSyncPlaybackRate: 1.5,
  maxBufferLength: 8,
  backBufferLength: 4,
  // Failures to load the playlist are classified and retried by the tile
  // (with backoff and the reason shown), not silently by hls.js.
  manifestLoadPolicy: {
    // The first playlist waits for the camera and two segments: up to
    // 10 s plus three GOPs (40 s for a 10 s GOP), as the edge allows.
    default: { maxTimeToFirstByteMs: 45_000, maxLoadTimeMs: 50_000, timeoutRetry: null, errorRetry: null },
  },
} as const;

export class HlsTransport implements Transport {
  readonly kind = 'hls';
  readonly stallMs = HLS_STALL_MS;
  private hls: Hls | null = null;
  private lastTime = 0;
  private mediaRecoveries = 0;
  /** The video token this tile last presented. */
  private token: string | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly events: TransportEvents,
  ) {}

  start() {
    if (!Hls.isSupported()) {
      this.events.failed('error', 'This browser cannot play HLS video.');
      return;
    }
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
      const failure = classifyStatus(data.response?.code);
      if (failure === 'session' && this.token) rejectVideoToken(this.token);
      this.events.failed(
        failure,
        failure === 'session' ? "The video server refused this console's credentials." : data.error.message || data.details,
      );
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.video.addEventListener('timeupdate', this.onTimeUpdate);
  }

  close() {
    this.video.removeEventListener('timeupdate', this.onTimeUpdate);
    this.hls?.destroy();
    this.hls = null;
    // Detaching leaves the element holding the last MediaSource otherwise.
    this.video.removeAttribute('src');
    this.video.load();
  }

  behindLive(): number | null {
    const sync = this.hls?.liveSyncPosition ?? null;
    return sync === null ? null : sync - this.video.currentTime;
  }

  jumpToLive() {
    const sync = this.hls?.liveSyncPosition ?? null;
    if (sync !== null) this.video.currentTime = sync;
  }

  private readonly onTimeUpdate = () => {
    const time = this.video.currentTime;
    if (time > this.lastTime) {
      this.lastTime = time;
      // From the playlist's EXT-X-PROGRAM-DATE-TIME.
      this.events.progressed(this.hls?.latency ?? null, this.hls?.playingDate ?? null);
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
}
