// Plays a camera's recordings from an instant. A `<video src>` can't send
// the video token, so the fragmented MP4 of /playback/get is fetched with it
// as Bearer and fed to Media Source Extensions, a minute at a time, the next
// minute fetched while this one plays.
import { api, unwrap } from '../api/client';
import { rejectVideoToken, videoToken } from '../live/videoToken';
import { codecsOf, initSegmentEnd } from './mp4';

/** The speeds an operator can play recordings at. */
export const SPEEDS = [1, 2, 4] as const;

/** Each request asks for this many seconds. */
export const WINDOW_S = 60;
/** Fetch the next window once less than this many seconds of video are buffered ahead. */
const AHEAD_S = 20;
/** Buffer kept behind the playhead, for short seeks back; older video is dropped. */
const BEHIND_S = 30;
/** A seek further than this from what is buffered starts a new stream instead. */
const SEEK_IN_BUFFER_S = 0.25;

/** Where the edge plays `cameraId`'s recording of `durationS` seconds from `start` (ms since the epoch). */
export function playbackUrl(cameraId: number, start: number, durationS: number): string {
  const query = new URLSearchParams({
    path: `cam_${String(cameraId)}`,
    start: new Date(start).toISOString(),
    duration: String(durationS),
    format: 'fmp4',
  });
  return `/playback/get?${query.toString()}`;
}

export type PlaybackState =
  | { kind: 'loading' }
  | { kind: 'playing' }
  | { kind: 'paused' }
  | { kind: 'no-recording' }
  | { kind: 'ended' }
  | { kind: 'error'; message: string }
  | { kind: 'stopped' };

/** Why playing stopped, in the operator's words. */
class PlaybackError extends Error {}

async function problemDetail(response: Response): Promise<string> {
  try {
    const problem = (await response.json()) as { detail?: string };
    if (problem.detail) return problem.detail;
  } catch {
    // Not a problem document: the status says enough.
  }
  return `The server answered ${String(response.status)}.`;
}

/** One stream: from one instant, until the next seek or close. */
class Stream {
  private readonly abort = new AbortController();
  private readonly source = new MediaSource();
  private readonly objectUrl = URL.createObjectURL(this.source);
  private buffer: SourceBuffer | null = null;
  /** The first video arrived: from then on, playing or pausing is the operator's. */
  private started = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: number,
    /** The instant media time 0 stands for. */
    readonly origin: number,
    private readonly onState: (state: PlaybackState) => void,
    /** Whether the operator wants it playing (not paused) when the first video arrives. */
    private readonly wanted: () => boolean,
  ) {
    video.src = this.objectUrl;
  }

  get closed() {
    return this.abort.signal.aborted;
  }

  close() {
    this.abort.abort();
    URL.revokeObjectURL(this.objectUrl);
  }

  async run() {
    try {
      await this.event(this.source, 'sourceopen');
      let next = this.origin;
      let first = true;
      while (next < Date.now()) {
        await this.untilBufferedAheadBelow(AHEAD_S);
        const response = await this.fetchWindow(next);
        if (response.status === 404 || (response.status === 400 && !(await this.recorded(next)))) {
          if (first) {
            this.onState({ kind: 'no-recording' });
            return;
          }
          break;
        }
        if (!response.ok || !response.body) throw new PlaybackError(await problemDetail(response));
        await this.appendStream(response.body, (next - this.origin) / 1000);
        first = false;
        next += WINDOW_S * 1000;
      }
      await this.idle();
      if (this.source.readyState === 'open') this.source.endOfStream();
    } catch (error) {
      if (this.closed) return;
      this.onState({
        kind: 'error',
        message: error instanceof PlaybackError ? error.message : 'The recording could not be loaded. Check the network and retry.',
      });
    }
  }

  /**
   * Whether the API lists a recording in the window from `start`. The edge
   * answers a camera that never recorded (no directory of recordings yet)
   * with 400, not 404, so a 400 is checked here before it is shown as an
   * error. When the list can't be had, the 400 stands.
   */
  private async recorded(start: number): Promise<boolean> {
    try {
      const { spans } = await unwrap(
        api.GET('/api/cameras/{id}/recordings', {
          params: {
            path: { id: this.cameraId },
            query: { since: new Date(start).toISOString(), until: new Date(Math.min(Date.now(), start + WINDOW_S * 1000)).toISOString() },
          },
          signal: this.abort.signal,
        }),
      );
      return spans.length > 0;
    } catch {
      return true;
    }
  }

  /** The window from `start`; a refused token is renewed once. */
  private async fetchWindow(start: number): Promise<Response> {
    const url = playbackUrl(this.cameraId, start, WINDOW_S);
    for (let attempt = 0; ; attempt++) {
      const token = await videoToken();
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: this.abort.signal });
      if (response.status !== 401 || attempt > 0) return response;
      rejectVideoToken(token);
    }
  }

  /** Appends one response as it arrives, its media time starting at `offset` seconds. */
  private async appendStream(body: ReadableStream<Uint8Array>, offset: number) {
    const reader = body.getReader();
    let head: Uint8Array = new Uint8Array(0);
    let offsetSet = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let chunk: Uint8Array = value;
      if (!this.buffer) {
        // The codecs are in the init segment: wait for all of it.
        head = joined(head, value);
        const end = initSegmentEnd(head);
        if (end === null) continue;
        this.buffer = this.sourceBuffer(head.subarray(0, end));
        chunk = head;
      }
      if (!offsetSet) {
        await this.idle();
        this.dropPlayed();
        await this.idle();
        this.buffer.timestampOffset = offset;
        offsetSet = true;
      }
      await this.append(chunk);
      this.skipGap();
      if (!this.started) this.startPlaying();
    }
  }

  private sourceBuffer(init: Uint8Array): SourceBuffer {
    const codecs = codecsOf(init);
    const type = `video/mp4; codecs="${codecs ?? ''}"`;
    if (!codecs || !MediaSource.isTypeSupported(type)) {
      throw new PlaybackError("This camera's recording can't be played in the browser: it is not H.264 video.");
    }
    return this.source.addSourceBuffer(type);
  }

  private startPlaying() {
    this.started = true;
    if (!this.wanted()) return;
    this.video.play().catch(() => {
      // Muted video may autoplay; a refusal leaves the Play button to the operator.
    });
  }

  /**
   * Recordings have holes (the camera was off); a playhead in one would
   * wait forever, so it jumps to the next recorded video.
   */
  skipGap() {
    const { buffered, currentTime } = this.video;
    for (let index = 0; index < buffered.length; index++) {
      if (buffered.end(index) <= currentTime) continue;
      if (buffered.start(index) > currentTime + SEEK_IN_BUFFER_S) this.video.currentTime = buffered.start(index);
      return;
    }
  }

  /** Whether media time `time` is already buffered, so a seek there needs no new stream. */
  holds(time: number): boolean {
    const { buffered } = this.video;
    for (let index = 0; index < buffered.length; index++) {
      if (time >= buffered.start(index) && time <= buffered.end(index) - SEEK_IN_BUFFER_S) return true;
    }
    return false;
  }

  private bufferedAhead(): number {
    const { buffered, currentTime } = this.video;
    return buffered.length ? buffered.end(buffered.length - 1) - currentTime : 0;
  }

  private async untilBufferedAheadBelow(seconds: number) {
    while (this.bufferedAhead() >= seconds) await this.event(this.video, 'timeupdate');
  }

  private dropPlayed() {
    const buffer = this.buffer;
    const before = this.video.currentTime - BEHIND_S;
    if (buffer && buffer.buffered.length && buffer.buffered.start(0) < before) buffer.remove(0, before);
  }

  private async append(chunk: Uint8Array) {
    const buffer = this.buffer;
    if (!buffer) return;
    await this.idle();
    buffer.appendBuffer(chunk as Uint8Array<ArrayBuffer>);
    await this.event(buffer, 'updateend');
  }

  private async idle() {
    while (this.buffer?.updating) await this.event(this.buffer, 'updateend');
  }

  /** The next `name` event of `target`, or a rejection once the stream is closed. */
  private event(target: EventTarget, name: string): Promise<void> {
    return new Promise((done, fail) => {
      const signal = this.abort.signal;
      if (signal.aborted) {
        fail(new DOMException('closed', 'AbortError'));
        return;
      }
      const finish = () => {
        target.removeEventListener(name, finish);
        signal.removeEventListener('abort', cancel);
        done();
      };
      const cancel = () => {
        target.removeEventListener(name, finish);
        fail(new DOMException('closed', 'AbortError'));
      };
      target.addEventListener(name, finish);
      signal.addEventListener('abort', cancel, { once: true });
    });
  }
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(a.length + b.length);
  bytes.set(a);
  bytes.set(b, a.length);
  return bytes;
}

/** A `<video>` playing one camera's recordings: from an instant, at a speed, paused or not. */
export class RecordingPlayer {
  private stream: Stream | null = null;
  private rate = 1;
  private held = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: number,
    private readonly onState: (state: PlaybackState) => void,
  ) {
    video.addEventListener('playing', this.onPlaying);
    video.addEventListener('pause', this.onPause);
    video.addEventListener('waiting', this.onWaiting);
    video.addEventListener('ended', this.onEnded);
  }

  /** Plays from `instant` (ms since the epoch); paused there if the operator paused. */
  playFrom(instant: number) {
    this.stream?.close();
    this.onState({ kind: 'loading' });
    const stream = new Stream(
      this.video,
      this.cameraId,
      instant,
      (state) => {
        if (stream === this.stream) this.onState(state);
      },
      () => !this.held,
    );
    this.stream = stream;
    this.video.playbackRate = this.rate;
    void stream.run();
  }

  /** Moves the playhead to `instant`: within what is buffered if it can, else from a new stream. */
  seek(instant: number) {
    const stream = this.stream;
    const time = stream ? (instant - stream.origin) / 1000 : -1;
    if (stream && time >= 0 && stream.holds(time)) this.video.currentTime = time;
    else this.playFrom(instant);
  }

  /** The instant shown now; null before anything plays. */
  position(): number | null {
    const stream = this.stream;
    if (!stream || this.video.readyState < 1) return null;
    return stream.origin + this.video.currentTime * 1000;
  }

  setRate(rate: number) {
    this.rate = rate;
    this.video.playbackRate = rate;
  }

  pause() {
    this.held = true;
    this.video.pause();
  }

  resume() {
    this.held = false;
    if (this.stream) {
      this.video.play().catch(() => {
        // Before any video (a new stream): it starts once video arrives.
      });
    }
  }

  close() {
    this.stream?.close();
    this.stream = null;
    this.video.removeEventListener('playing', this.onPlaying);
    this.video.removeEventListener('pause', this.onPause);
    this.video.removeEventListener('waiting', this.onWaiting);
    this.video.removeEventListener('ended', this.onEnded);
    this.video.removeAttribute('src');
    this.video.load();
    this.onState({ kind: 'stopped' });
  }

  private readonly onPlaying = () => {
    if (this.stream) this.onState({ kind: 'playing' });
  };

  private readonly onPause = () => {
    if (this.stream && !this.video.ended) this.onState({ kind: 'paused' });
  };

  private readonly onWaiting = () => {
    this.stream?.skipGap();
  };

  private readonly onEnded = () => {
    if (this.stream) this.onState({ kind: 'ended' });
  };
}
