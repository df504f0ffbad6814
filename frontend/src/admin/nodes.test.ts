import { describe, expect, it } from 'vitest';

import type { MediaMtxNode } from '../api/client';
import { healthText } from './nodes';

describe('nodes', () => {
  it('says why a node is down, and when it is still converging', () => {
    const node = (health: Partial<MediaMtxNode['health']>) =>
      ({ health: { state: 'up', converged: true, ...health } }) as MediaMtxNode;
    expect(healthText(node({}))).toBe('up');
    expect(healthText(node({ converged: false }))).toBe('up, converging');
    expect(healthText(node({ state: 'down', error: 'MediaMTX did not answer within 2s' }))).toBe(
      'down: MediaMTX did not answer within 2s',
    );
    expect(healthText(node({ state: 'unknown' }))).toBe('not checked yet');
  });
});
