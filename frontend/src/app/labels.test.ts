import { describe, expect, it } from 'vitest';

import { formatLabels, parseLabels } from './labels';

describe('labels', () => {
  it('reads key=value pairs and says which part is not one', () => {
    expect(parseLabels(' site=north, zone = a ')).toEqual({ site: 'north', zone: 'a' });
    expect(parseLabels('')).toEqual({});
    expect(parseLabels('site')).toBe('"site" is not key=value');
    expect(formatLabels({ site: 'north', zone: 'a' })).toBe('site=north, zone=a');
  });
});
