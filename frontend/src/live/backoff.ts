// Retry delays for a tile: exponential from 1 s to 30 s, with jitter so that
// sixteen tiles of a camera that comes back don't all ask at the same instant.

const BASE_MS = 1_000;
const CAP_MS = 30_000;

/** The delay before retry number `attempt` (0-based): half fixed, half random. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
