import { describe, expect, it } from 'vitest';

import type { MediaMtxNode } from '../api/client';
import { formatLabels, healthText, parseLabels } from './nodes';

describe('nodes', () => {
  it('reads labels as key=value pairs and says which part is not one', () => {
    expect(parseLabels(' site=north, zone = a ')).toEqual({ site: 'north', zone: 'a' });
    expect(parseLabels('')).toEqual({});
    expect(parseLabels('site')).toBe('"site" is not key=value');
    expect(formatLabels({ site: 'north', zone: 'a' })).toBe('site=north, zone=a');
  });

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
