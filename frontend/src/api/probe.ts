import type { Probe, ProbeCode } from './client';

/** Each probe code in the words an operator acts on. */
export const PROBE_MESSAGES: Record<ProbeCode, string> = {
  AUTH: 'Wrong user or password: the camera refused the credentials.',
  NOT_FOUND: 'No such stream on the camera: check the path after the address.',
  UNREACHABLE: 'Camera not reachable: check the address, the port and the network.',
  TIMEOUT: 'Timed out: the camera accepted the connection but sent no video in time.',
  BAD_STREAM: 'The camera answered, but its stream could not be read.',
  REDIRECTED:
    'The camera sent the request to another server, which Camplane does not follow: enter that address instead.',
  FFMPEG_EXIT: 'The stream reader failed on this camera.',
};

export function describeFailure(code: string | null | undefined): string {
  if (code && code in PROBE_MESSAGES) {
    return PROBE_MESSAGES[code as ProbeCode];
  }
  return 'The camera could not be read.';
}

/** One line: codec, size, rate and audio of a successful probe. */
export function describeProbe(probe: Probe): string {
  if (!probe.ok) {
    return describeFailure(probe.code);
  }
  const parts: string[] = [];
  if (probe.video) {
    const { codec, width, height, frame_rate } = probe.video;
    parts.push(`${codec.toUpperCase()} ${width}×${height}`);
    if (frame_rate) {
      parts.push(`${Math.round(frame_rate * 100) / 100} fps`);
    }
  } else {
    parts.push('no video track');
  }
  parts.push(probe.audio ? `${probe.audio.codec.toUpperCase()} audio` : 'no audio');
  parts.push(`answered in ${probe.rtt_ms} ms`);
  return parts.join(' · ');
}
