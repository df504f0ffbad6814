// The rules of the nodes page that don't need a browser.
import type { MediaMtxNode } from '../api/client';

/** How a node's health reads in the list. */
export function healthText(node: MediaMtxNode): string {
  const { health } = node;
  switch (health.state) {
    case 'up':
      return health.converged ? 'up' : 'up, converging';
    case 'down':
      return `down${health.error ? `: ${health.error}` : ''}`;
    default:
      return 'not checked yet';
  }
}
