import { describe, expect, it } from 'vitest';

import { formatGroups, parseGroupLimit, parseGroups, sameGroups } from './groups';

describe('camera groups typed as one line', () => {
  it('splits on commas, trims, and drops blanks and repeats', () => {
    expect(parseGroups(' north, gates ,, north ,Gates')).toEqual(['north', 'gates', 'Gates']);
    expect(parseGroups('   ')).toEqual([]);
  });

  it('reads nothing typed as no limit for users and tokens', () => {
    expect(parseGroupLimit(' , ')).toBeNull();
    expect(parseGroupLimit('north')).toEqual(['north']);
  });

  it('round-trips through the text field', () => {
    expect(parseGroups(formatGroups(['north', 'dock 2']))).toEqual(['north', 'dock 2']);
    expect(formatGroups(null)).toBe('');
  });

  it('compares limits regardless of order', () => {
    expect(sameGroups(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameGroups(['a'], ['a', 'b'])).toBe(false);
    expect(sameGroups(null, null)).toBe(true);
    expect(sameGroups(null, [])).toBe(false);
  });
});
