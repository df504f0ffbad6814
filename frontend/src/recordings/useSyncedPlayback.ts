import { useEffect, useRef, useState } from 'react';

import { RecordingPlayer, type PlaybackState } from './playback';
import { clockPosition, correction, type PlaybackClock } from './sync';

/** How often a tile is compared with the mosaic's clock. */
const CHECK_MS = 1_000;

/**
 * Plays `cameraId`'s recordings in `video` by the mosaic's `clock` while
 * `clock` is set and the tile may play: started at the clock's instant,
 * paused and sped up with it, moved back to it when it drifts.
 */
export function useSyncedPlayback(
  video: React.RefObject<HTMLVideoElement | null>,
  cameraId: number | null,
  clock: PlaybackClock | null,
  playable: boolean,
): PlaybackState {
  const [state, setState] = useState<PlaybackState>({ kind: 'stopped' });
  const player = useRef<RecordingPlayer | null>(null);
  const latest = useRef(clock);
  const active = clock !== null && playable && cameraId !== null;

  useEffect(() => {
    latest.current = clock;
  }, [clock]);

  useEffect(() => {
    const element = video.current;
    const started = latest.current;
    if (!active || !element || !started) return;
    const recordingPlayer = new RecordingPlayer(element, cameraId, setState);
    player.current = recordingPlayer;
    recordingPlayer.playFrom(clockPosition(started, Date.now()));
    const timer = window.setInterval(() => {
      const now = latest.current;
      if (!now || now.paused) return;
      const target = correction(now, recordingPlayer.position(), Date.now());
      if (target !== null) recordingPlayer.seek(target);
    }, CHECK_MS);
    return () => {
      window.clearInterval(timer);
      recordingPlayer.close();
      player.current = null;
    };
  }, [active, cameraId, video]);

  // Pause, speed, or a new instant: applied at once, not at the next check.
  useEffect(() => {
    const recordingPlayer = player.current;
    if (!clock || !recordingPlayer) return;
    recordingPlayer.setRate(clock.rate);
    const target = correction(clock, recordingPlayer.position(), Date.now());
    if (target !== null) recordingPlayer.seek(target);
    if (clock.paused) recordingPlayer.pause();
    else recordingPlayer.resume();
  }, [clock]);

  return active ? state : { kind: 'stopped' };
}
