import { describe, expect, it } from 'vitest';

import { budgetBytes, gigabytesOf } from './storageBudget';

describe('storage budget', () => {
  it('turns typed gigabytes into bytes and back', () => {
    expect(budgetBytes('')).toBeNull();
    expect(budgetBytes(' 50 ')).toBe(50_000_000_000);
    expect(budgetBytes('0.5')).toBe(500_000_000);
    expect(gigabytesOf(50_000_000_000)).toBe('50');
    expect(gigabytesOf(1_234_567_890)).toBe('1.23457');
    expect(gigabytesOf(null)).toBe('');
  });

  it('sends what is not a positive size so the API names the field', () => {
    expect(budgetBytes('-3')).toBe(0);
    expect(budgetBytes('lots')).toBe(0);
  });
});
