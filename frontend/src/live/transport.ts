// What a tile's player needs from a way of getting video (WebRTC or HLS),
// and the rules for choosing between them: WebRTC first, HLS where WebRTC
// can't get through. Pure, so the rules are tested without a browser.

export type TransportKind = 'webrtc' | 'hls';

/** The operator's choice, per user: Auto is WebRTC with HLS as the fallback. */
export type Preference = 'auto' | TransportKind;

export const PREFERENCES: readonly Preference[] = ['auto', 'webrtc', 'hls'];

/** How the console names them. */
export const TRANSPORT_NAMES: Record<TransportKind, string> = { webrtc: 'WebRTC', hls: 'HLS' };
export const PREFERENCE_NAMES: Record<Preference, string> = { auto: 'Auto', ...TRANSPORT_NAMES };

/** Why a transport stopped playing. */
export type Failure =
  /** 404 from the edge: the camera is offline or not provisioned. */
  | 'offline'
  /** 503: the camera's viewer limit. */
  | 'capacity'
  /** 415: this transport can't carry the camera's video. */
  | 'unplayable'
  /** 401: the video token was refused. */
  | 'session'
  /** Video played, then stopped moving. */
  | 'stalled'
  /** Anything else: the network, the server, a connection that never carried video. */
  | 'error';

/** What a transport tells its player. */
export interface TransportEvents {
  /**
   * The video moved; `latency`: seconds behind the camera's live edge,
   * `cameraTime`: when the picture shown was taken, where the stream says.
   */
  progressed: (latency: number | null, cameraTime: Date | null) => void;
  failed: (failure: Failure, message: string) => void;
}

/** One attempt at playing a camera over one transport; closed once, never restarted. */
export interface Transport {
  readonly kind: TransportKind;
  /** No progress for this long while live: stalled. */
  readonly stallMs: number;
  start: () => void;
  /** Releases everything: the connection, the server's session, the element's source. */
  close: () => void;
  /** Seconds behind the live edge, where the transport knows it. */
  behindLive: () => number | null;
  jumpToLive: () => void;
}

/**
 * The camera's time of the picture shown, from the sender's last report:
 * its clock (`remoteTimestamp`, ms since 1970) when that report was
 * received (`receivedAt`, on this page's clock), carried forward to `now`,
 * less what the jitter buffer holds back (`heldSeconds`). MediaMTX reports
 * every second, on the camera's clock where the camera sends one.
 */
export function senderTime(
  remoteTimestamp: number | undefined,
  receivedAt: number | undefined,
  now: number,
  heldSeconds: number,
): Date | null {
  if (!remoteTimestamp || receivedAt === undefined) return null;
  return new Date(remoteTimestamp + (now - receivedAt) - heldSeconds * 1000);
}

/** The camera's time as a tile shows it: the operator's local time, to the second. */
export function clockText(time: Date): string {
  return time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The transport a tile starts with; `fellBack`: WebRTC already failed on this tile. */
export function firstTransport(preference: Preference, fellBack: boolean): TransportKind {
  if (preference === 'auto') return fellBack ? 'hls' : 'webrtc';
  return preference;
}

export type Next =
  /** Play over `to` now: WebRTC did not get through and Auto allows HLS. */
  | { kind: 'fall-back'; to: TransportKind }
  /** A fresh video token, the same transport, now. */
  | { kind: 'renew' }
  /** Show `show`, wait out the backoff, start again. */
  | { kind: 'retry'; show: 'offline' | 'capacity' | 'error' }
  /** Nothing allowed can play this camera: retrying can't change its codec. */
  | { kind: 'give-up' };

/**
 * What a tile does after `failure` of `transport`. An offline camera, a full
 * one or a stall say nothing against WebRTC, so they retry with backoff over
 * the same choice; a WebRTC connection that failed or a codec it can't carry
 * is what Auto falls back to HLS for, at once.
 */
export function afterFailure(observed: {
  preference: Preference;
  transport: TransportKind;
  failure: Failure;
  /** A 401 already got a fresh token since the tile last played. */
  renewed: boolean;
}): Next {
  const { preference, transport, failure, renewed } = observed;
  const mayFallBack = preference === 'auto' && transport === 'webrtc';
  switch (failure) {
    case 'offline':
    case 'capacity':
      return { kind: 'retry', show: failure };
    case 'session':
      return renewed ? { kind: 'retry', show: 'error' } : { kind: 'renew' };
    case 'stalled':
      return { kind: 'retry', show: 'error' };
    case 'unplayable':
      return mayFallBack ? { kind: 'fall-back', to: 'hls' } : { kind: 'give-up' };
    case 'error':
      return mayFallBack ? { kind: 'fall-back', to: 'hls' } : { kind: 'retry', show: 'error' };
  }
}

/**
 * What the edge's status for a video request means. It turns MediaMTX's
 * 500s into 404 (camera offline or not provisioned), 503 (the camera's
 * viewer limit) and 415 (a codec the protocol can't carry); 401 is MediaMTX
 * refusing the video token (or, for HLS, its expired session).
 */
export function classifyStatus(status: number | undefined): Failure {
  if (status === 404) return 'offline';
  if (status === 503) return 'capacity';
  if (status === 415) return 'unplayable';
  if (status === 401) return 'session';
  return 'error';
}

/** Where a user's preference is kept in this browser: one per username, so a shared PC keeps each operator's. */
export function preferenceKey(username: string): string {
  return `camplane.live.transport.${username}`;
}

export function readPreference(stored: string | null): Preference {
  return PREFERENCES.find((preference) => preference === stored) ?? 'auto';
}
