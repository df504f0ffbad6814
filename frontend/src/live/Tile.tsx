import { useEffect, useRef, useState } from 'react';

import type { Camera, CameraStatus } from '../api/client';
import { describeFailure } from '../api/probe';
import { Link } from '../app/Link';
import { useCountdown } from '../app/useCountdown';
import type { PlaybackState } from '../recordings/playback';
import type { PlaybackClock } from '../recordings/sync';
import { useSyncedPlayback } from '../recordings/useSyncedPlayback';
import { CameraPicker } from './CameraPicker';
import { carriesTileDrop, dragTile, readDrop, type Dropped } from './dragging';
import { LastPicture } from './LastPicture';
import { TilePlayer, type TileState } from './player';
import { TRANSPORT_NAMES, clockText, type Preference } from './transport';

/** Whether the element is on screen and the tab visible: only then does a tile hold a stream. */
function useVisible(element: React.RefObject<HTMLElement | null>): boolean {
  const [onScreen, setOnScreen] = useState(true);
  const [tabVisible, setTabVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const target = element.current;
    if (!target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(([entry]) => {
      if (entry) setOnScreen(entry.isIntersecting);
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
    };
  }, [element]);
  useEffect(() => {
    const update = () => {
      setTabVisible(document.visibilityState === 'visible');
    };
    document.addEventListener('visibilitychange', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
    };
  }, []);
  return onScreen && tabVisible;
}

/** Whether the element is the page's full-screen element. */
function useFullscreen(element: React.RefObject<HTMLElement | null>): boolean {
  const [fullscreen, setFullscreen] = useState(false);
  useEffect(() => {
    const update = () => {
      setFullscreen(document.fullscreenElement !== null && document.fullscreenElement === element.current);
    };
    document.addEventListener('fullscreenchange', update);
    return () => {
      document.removeEventListener('fullscreenchange', update);
    };
  }, [element]);
  return fullscreen;
}

/** What a tile playing recordings says over its video. */
const PLAYBACK_MESSAGES: Partial<Record<PlaybackState['kind'], string>> = {
  loading: 'Loading the recording…',
  'no-recording': 'No recording of this camera at this time.',
  ended: 'End of the recording.',
};

export function Tile({
  index,
  span,
  large,
  camera,
  status,
  preference,
  clock,
  onChoose,
  onDrop,
}: {
  index: number;
  /** Grid cells it covers each way (a layout's large tiles cover several). */
  span: number;
  /** Big enough for the main stream: the only tile, or a layout's large one. */
  large: boolean;
  camera: Camera | null;
  status: CameraStatus | undefined;
  preference: Preference;
  /** Set: the tile plays its camera's recordings by this clock instead of live. */
  clock: PlaybackClock | null;
  onChoose: (id: number | null) => void;
  /** A tile or a camera was dropped on this tile. */
  onDrop: (dropped: Dropped) => void;
}) {
  const figure = useRef<HTMLElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const player = useRef<TilePlayer | null>(null);
  const [state, setState] = useState<TileState>({ kind: 'stopped' });
  const [paused, setPaused] = useState(false);
  const [dropping, setDropping] = useState(false);
  const visible = useVisible(figure);
  const id = camera?.id ?? null;
  const playable = camera !== null && camera.enabled && visible && !paused && clock === null;
  const playback = useSyncedPlayback(video, id, clock, camera !== null && camera.enabled && visible);
  const fullScreen = useFullscreen(figure);
  // A small tile plays the camera's low-resolution sub-stream, where it has
  // one, so many tiles decode small pictures; a large tile and full screen
  // play the main stream.
  const stream = camera && !fullScreen && !large && camera.sub_stream ? camera.sub_stream : camera;
  const hlsUrl = stream?.hls_url ?? null;
  const webrtcUrl = stream?.webrtc_url ?? null;

  useEffect(() => {
    const element = video.current;
    if (!playable || !element || !hlsUrl || !webrtcUrl) return;
    const tilePlayer = new TilePlayer(element, { hls: hlsUrl, webrtc: webrtcUrl }, preference, setState);
    player.current = tilePlayer;
    tilePlayer.start();
    return () => {
      tilePlayer.stop();
      player.current = null;
    };
  }, [playable, hlsUrl, webrtcUrl, preference]);

  // The camera came back (a live update says MediaMTX receives it again):
  // don't wait out the backoff.
  const cameraState = status?.state;
  useEffect(() => {
    if (cameraState === 'live') player.current?.cameraIsLive();
  }, [cameraState]);

  const waiting = state.kind === 'offline' || state.kind === 'error';
  const retryAt = 'retryAt' in state ? state.retryAt : null;
  const retryIn = useCountdown(retryAt);
  const label = camera ? camera.name : `Tile ${index + 1}`;
  const transport = 'transport' in state && camera && !paused && !clock ? state.transport : null;
  const shownState = clock ? `playback-${playback.kind}` : camera ? (paused ? 'paused' : state.kind) : 'empty';
  const fullscreen = () => {
    const element = figure.current;
    if (!element) return;
    if (document.fullscreenElement) void document.exitFullscreen();
    else void element.requestFullscreen();
  };

  let overlay: React.ReactNode = null;
  if (!camera) {
    overlay = <p className="tile-message">Choose a camera for this tile.</p>;
  } else if (!camera.enabled) {
    overlay = <p className="tile-message">This camera is disabled.</p>;
  } else if (clock) {
    const message = PLAYBACK_MESSAGES[playback.kind];
    overlay = playback.kind === 'error' ? <p className="tile-message"><strong>Error:</strong> {playback.message}</p> : message ? <p className="tile-message">{message}</p> : null;
  } else if (paused) {
    overlay = <p className="tile-message">Paused: the stream is released.</p>;
  } else if (state.kind === 'starting') {
    overlay = <p className="tile-message">Starting over {TRANSPORT_NAMES[state.transport]}…</p>;
  } else if (state.kind === 'offline') {
    overlay = (
      <>
        <LastPicture id={camera.id} refresh={retryAt ?? 0} />
        <p className="tile-message">
          <strong>Offline</strong>
          {status?.code ? ` (${status.code})` : ''}: {status?.reason ?? describeFailure(status?.code)}
          {retryIn !== null ? ` Retrying in ${retryIn} s.` : ''}
        </p>
      </>
    );
  } else if (state.kind === 'capacity') {
    overlay = (
      <p className="tile-message">
        <strong>At capacity:</strong> the camera&apos;s viewer limit is reached.
        {retryIn !== null ? ` Retrying in ${retryIn} s.` : ''}
      </p>
    );
  } else if (state.kind === 'unplayable' && state.transport === 'webrtc') {
    overlay = (
      <p className="tile-message">
        <strong>Can&apos;t play over WebRTC:</strong> the camera&apos;s video can&apos;t be carried over WebRTC
        (MJPEG, or H.264 with B-frames). Choose Auto or HLS above.
      </p>
    );
  } else if (state.kind === 'unplayable') {
    overlay = (
      <p className="tile-message">
        <strong>Can&apos;t play in the browser:</strong> the camera sends no H.264 or H.265 video
        (MJPEG, say). Set its video encoding to H.264 in the camera&apos;s own settings.
      </p>
    );
  } else if (state.kind === 'error') {
    overlay = (
      <p className="tile-message">
        <strong>Error:</strong> {state.message}
        {retryIn !== null ? ` Retrying in ${retryIn} s.` : ''}
      </p>
    );
  }

  return (
    <figure
      ref={figure}
      className={`tile tile-${shownState}`}
      data-tile={index}
      style={span > 1 ? { gridColumn: `span ${span}`, gridRow: `span ${span}` } : undefined}
      data-state={shownState}
      data-transport={transport ?? undefined}
      data-stream={stream?.path}
      data-drop-target={dropping || undefined}
      aria-label={label}
      onDoubleClick={fullscreen}
      draggable={camera !== null}
      onDragStart={(e) => {
        dragTile(e.dataTransfer, index);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={(e) => {
        if (!carriesTileDrop(e.dataTransfer)) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => {
        setDropping(false);
      }}
      onDrop={(e) => {
        setDropping(false);
        const dropped = readDrop(e.dataTransfer);
        if (!dropped) return;
        e.preventDefault();
        onDrop(dropped);
      }}
    >
      <video
        ref={video}
        muted
        playsInline
        poster={id !== null ? `/api/cameras/${id}/snapshot?width=640&max_age=30&fallback=last` : undefined}
        aria-label={camera ? `Live video of ${camera.name}` : undefined}
      />
      {overlay ? <div className="tile-overlay">{overlay}</div> : null}
      <figcaption className="tile-bar">
        <CameraPicker index={index} camera={camera} onChoose={onChoose} />
        {clock && camera && playback.kind === 'playing' ? (
          <span className="playback-badge" title="Playing this camera's recording, in step with the other tiles">
            REC
          </span>
        ) : null}
        {state.kind === 'live' && !paused && camera && !clock ? (
          <span className="live-badge" title="How far behind the camera's live edge this tile plays">
            LIVE{state.latency !== null ? ` ${state.latency.toFixed(1)} s` : ''}
          </span>
        ) : null}
        {state.kind === 'live' && !paused && state.cameraTime ? (
          <time className="camera-time" dateTime={state.cameraTime.toISOString()} title="The camera's time of the picture shown">
            {clockText(state.cameraTime)}
          </time>
        ) : null}
        {transport ? (
          <span className="transport-badge" title="How this tile receives its video">
            {TRANSPORT_NAMES[transport]}
          </span>
        ) : null}
        {camera ? (
          <>
            {clock ? null : (
              <button
                type="button"
                aria-label={paused ? `Play ${label}` : `Pause ${label}`}
                onClick={() => {
                  setPaused((p) => !p);
                }}
              >
                {paused ? '▶' : '❚❚'}
              </button>
            )}
            {waiting || state.kind === 'capacity' ? (
              <button type="button" onClick={() => player.current?.retryNow()} aria-label={`Retry ${label}`}>
                Retry
              </button>
            ) : null}
            <Link className="button" href={`/cameras/${String(camera.id)}/recordings`} aria-label={`Recordings of ${label}`} title="Recordings">
              ⏪
            </Link>
            <button type="button" onClick={fullscreen} aria-label={`Full screen ${label}`}>
              <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
                <path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4" />
              </svg>
            </button>
          </>
        ) : null}
      </figcaption>
    </figure>
  );
}
