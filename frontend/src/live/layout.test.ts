import { describe, expect, it } from 'vitest';

import { LAYOUTS, mosaicParams, openingView, playsMainStream, readMosaic, swapTiles, tileCount, tileSpan, viewQuery, withLayout, withTile } from './layout';

const read = (search: string) => readMosaic(new URLSearchParams(search));

describe('mosaic in the address bar', () => {
  it('restores the layout and each tile, empty slots included', () => {
    expect(read('layout=4&tiles=3,,12')).toEqual({ layout: '4', tiles: [3, null, 12, null] });
  });

  it('falls back to four tiles for a layout it does not offer', () => {
    expect(read('layout=7').layout).toBe('4');
    expect(read('').tiles).toEqual([null, null, null, null]);
  });

  it('ignores ids that are not camera ids', () => {
    expect(read('layout=4&tiles=x,-2,1.5,9').tiles).toEqual([null, null, null, 9]);
  });

  it('round-trips, leaving trailing empty tiles out', () => {
    const mosaic = read('layout=9&tiles=1,,3');
    expect(mosaicParams(mosaic)).toEqual({ layout: '9', tiles: '1,,3' });
    expect(read(new URLSearchParams(mosaicParams(mosaic) as Record<string, string>).toString())).toEqual(mosaic);
    expect(mosaicParams(read('layout=1'))).toEqual({ layout: '1', tiles: null });
  });

  it('keeps the chosen cameras that still fit when the layout changes', () => {
    const nine = read('layout=9&tiles=1,2,3,4,5');
    expect(withLayout(nine, '4').tiles).toEqual([1, 2, 3, 4]);
    expect(withLayout(withLayout(nine, '4'), '16').tiles.slice(0, 5)).toEqual([1, 2, 3, 4, null]);
  });

  it('changes one tile only', () => {
    expect(withTile(read('layout=4&tiles=1,2'), 1, 7).tiles).toEqual([1, 7, null, null]);
  });
});

describe('the live view opened without a view in the address', () => {
  const bare = new URLSearchParams();

  it('opens the last view kept for the user', () => {
    expect(openingView(bare, 'layout=9&tiles=4,,8', [1, 2, 3])).toBe('layout=9&tiles=4,,8');
  });

  it('else fills the layout with the first cameras', () => {
    expect(openingView(bare, null, [5, 6, 7, 8, 9])).toBe('layout=4&tiles=5,6,7,8');
    expect(openingView(bare, 'layout=1', [5, 6])).toBe('layout=1&tiles=5');
    expect(openingView(bare, null, [])).toBe('layout=4');
  });

  it('leaves an address that names a view alone', () => {
    expect(openingView(new URLSearchParams('layout=1'), 'layout=9&tiles=4', [1])).toBeNull();
    expect(openingView(new URLSearchParams('tiles=3'), null, [1])).toBeNull();
  });
});

describe('layouts beyond squares, as data', () => {
  it('give each shape its tiles, the large ones first', () => {
    expect(LAYOUTS.map((shape) => [shape.id, tileCount(shape.id)])).toEqual([
      ['1', 1], ['4', 4], ['9', 9], ['16', 16], ['1+5', 6], ['1+7', 8], ['2+8', 10],
    ]);
    expect([0, 1, 2].map((index) => tileSpan('2+8', index))).toEqual([2, 2, 1]);
    expect(tileSpan('1+7', 0)).toBe(3);
  });

  it('give the main stream to the only tile and to large tiles, the sub-stream to the rest', () => {
    expect(playsMainStream('1', 0)).toBe(true);
    expect(playsMainStream('4', 0)).toBe(false);
    expect(playsMainStream('16', 15)).toBe(false);
    expect([0, 1].map((index) => playsMainStream('1+5', index))).toEqual([true, false]);
    expect([0, 1].map((index) => playsMainStream('1+7', index))).toEqual([true, false]);
    expect([0, 1, 2].map((index) => playsMainStream('2+8', index))).toEqual([true, true, false]);
  });

  it('survive the address bar, where + means a space unless encoded', () => {
    const view = read('layout=2%2B8&tiles=5,,7');
    expect(view).toEqual({ layout: '2+8', tiles: [5, null, 7, null, null, null, null, null, null, null] });
    expect(viewQuery(view)).toBe('layout=2%2B8&tiles=5,,7');
    expect(read(viewQuery(view))).toEqual(view);
  });

  it('swaps two tiles dragged onto each other, empty ones included', () => {
    const four = read('layout=4&tiles=1,,3');
    expect(swapTiles(four, 0, 1).tiles).toEqual([null, 1, 3, null]);
    expect(swapTiles(four, 2, 0).tiles).toEqual([3, null, 1, null]);
    expect(swapTiles(four, 1, 1)).toBe(four);
    expect(swapTiles(four, 0, 9)).toBe(four);
  });
});
