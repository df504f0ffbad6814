// The mosaic's layout and camera choices live in the address bar
// (`/live?layout=4&tiles=3,7,,12`), so a view can be shared and survives a
// reload. An empty slot is an empty tile.

export const LAYOUTS = [1, 4, 9, 16] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface Mosaic {
  layout: Layout;
  /** One entry per tile: a camera id, or null for an empty tile. */
  tiles: (number | null)[];
}

export function readMosaic(query: URLSearchParams): Mosaic {
  const asked = Number(query.get('layout'));
  const layout = (LAYOUTS as readonly number[]).includes(asked) ? (asked as Layout) : 4;
  const listed = (query.get('tiles') ?? '').split(',');
  const tiles = Array.from({ length: layout }, (_, index) => {
    const id = Number(listed[index]);
    return Number.isInteger(id) && id > 0 ? id : null;
  });
  return { layout, tiles };
}

/** The query parameters of a mosaic; trailing empty tiles are left out. */
export function mosaicParams(mosaic: Mosaic): { layout: string; tiles: string | null } {
  const tiles = mosaic.tiles.map((id) => (id === null ? '' : String(id)));
  while (tiles.length && tiles[tiles.length - 1] === '') tiles.pop();
  return { layout: String(mosaic.layout), tiles: tiles.length ? tiles.join(',') : null };
}

/** Changing the layout keeps the chosen cameras that still fit. */
export function withLayout(mosaic: Mosaic, layout: Layout): Mosaic {
  return { layout, tiles: Array.from({ length: layout }, (_, index) => mosaic.tiles[index] ?? null) };
}

export function withTile(mosaic: Mosaic, index: number, id: number | null): Mosaic {
  return { ...mosaic, tiles: mosaic.tiles.map((old, at) => (at === index ? id : old)) };
}

/**
 * Where `/live` opened bare (no layout or tiles in the address) goes, as a
 * query: the user's last view (its query, as kept), else the first cameras
 * filling the default layout; `null` when the address already names a view.
 */
export function openingView(query: URLSearchParams, last: string | null, cameraIds: number[]): string | null {
  if (query.has('layout') || query.has('tiles')) return null;
  const kept = readMosaic(new URLSearchParams(last ?? ''));
  const view = kept.tiles.some((id) => id !== null)
    ? kept
    : { layout: kept.layout, tiles: kept.tiles.map((_, index) => cameraIds[index] ?? null) };
  const { layout, tiles } = mosaicParams(view);
  return tiles === null ? `layout=${layout}` : `layout=${layout}&tiles=${tiles}`;
}
