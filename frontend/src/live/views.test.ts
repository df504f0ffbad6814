import { describe, expect, it } from 'vitest';

import type { Layout } from './layout';
import { groupViews, nextStop, savedTiles, tourInterval, viewMosaic, type SavedView } from './views';

const view = (id: number, owner: string, shared: boolean, layout: Layout = '4', tiles: (number | null)[] = []): SavedView => ({
  id,
  name: `View ${id}`,
  owner,
  shared,
  layout,
  tiles,
  editable: owner === 'ann',
  version: 1,
  created_at: '2026-12-04T12:00:00Z',
  updated_at: '2026-12-04T12:00:00Z',
});

describe('saved views', () => {
  it('open as a mosaic of their layout and save without trailing empty tiles', () => {
    const mosaic = viewMosaic(view(1, 'ann', false, '1+5', [3, null, 7]));
    expect(mosaic).toEqual({ layout: '1+5', tiles: [3, null, 7, null, null, null] });
    expect(savedTiles(mosaic)).toEqual([3, null, 7]);
    expect(savedTiles({ layout: '4', tiles: [null, null, null, null] })).toEqual([]);
  });

  it('are listed as the reader’s own and others’ shared ones', () => {
    const views = [view(1, 'ann', false), view(2, 'ann', true), view(3, 'bob', true)];
    const { mine, shared } = groupViews(views, 'ann');
    expect(mine.map((v) => v.id)).toEqual([1, 2]);
    expect(shared.map((v) => v.id)).toEqual([3]);
  });
});

describe('a tour', () => {
  it('steps through the views chosen, in order, and round again', () => {
    expect(nextStop([4, 2, 9], null)).toBe(4);
    expect(nextStop([4, 2, 9], 4)).toBe(2);
    expect(nextStop([4, 2, 9], 9)).toBe(4);
    expect(nextStop([4, 2, 9], 7)).toBe(4);
    expect(nextStop([], 4)).toBeNull();
  });

  it('shows each view for whole seconds, five at least', () => {
    expect(tourInterval('10')).toEqual({ seconds: 10 });
    expect(tourInterval(' 5 ')).toEqual({ seconds: 5 });
    expect(tourInterval('4')).toEqual({ error: 'At least 5 seconds.' });
    expect(tourInterval('2.5')).toHaveProperty('error');
    expect(tourInterval('')).toHaveProperty('error');
  });
});
