import { describe, expect, it } from 'vitest';

import { carriesTileDrop, dragCamera, dragTile, readDrop } from './dragging';

/** Just enough of a DataTransfer: what is set can be got, and its types listed. */
function transfer() {
  const data = new Map<string, string>();
  return {
    setData: (type: string, value: string) => {
      data.set(type, value);
    },
    getData: (type: string) => data.get(type) ?? '',
    get types() {
      return [...data.keys()];
    },
  };
}

describe('dragging onto a tile', () => {
  it('carries a tile or a camera, and reads back what was dragged', () => {
    const tile = transfer();
    dragTile(tile, 0);
    expect(carriesTileDrop(tile)).toBe(true);
    expect(readDrop(tile)).toEqual({ kind: 'tile', index: 0 });
    const camera = transfer();
    dragCamera(camera, 42);
    expect(readDrop(camera)).toEqual({ kind: 'camera', id: 42 });
  });

  it('ignores anything else', () => {
    const link = transfer();
    link.setData('text/uri-list', 'https://example.com/');
    expect(carriesTileDrop(link)).toBe(false);
    expect(readDrop(link)).toBeNull();
  });
});
