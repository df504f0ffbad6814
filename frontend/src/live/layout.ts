// The mosaic's layout and camera choices live in the address bar
// (`/live?layout=4&tiles=3,7,,12`), so a view can be shared and survives a
// reload. An empty slot is an empty tile.
import type { components } from '../api/schema';

/**
 * A layout as data: a square grid of `columns` × `columns` cells whose first
 * `large` tiles each cover `span` × `span` cells; the other tiles fill the
 * cells left, one each, in reading order. VMS operators' usual shapes are
 * rows of this table, not code each.
 */
export interface LayoutShape {
  id: Layout;
  label: string;
  columns: number;
  large: number;
  span: number;
}

export const LAYOUTS: readonly LayoutShape[] = [
  { id: '1', label: '1 tile', columns: 1, large: 0, span: 1 },
  { id: '4', label: '4 tiles', columns: 2, large: 0, span: 1 },
  { id: '9', label: '9 tiles', columns: 3, large: 0, span: 1 },
  { id: '16', label: '16 tiles', columns: 4, large: 0, span: 1 },
  { id: '1+5', label: '1 large + 5', columns: 3, large: 1, span: 2 },
  { id: '1+7', label: '1 large + 7', columns: 4, large: 1, span: 3 },
  { id: '2+8', label: '2 large + 8', columns: 4, large: 2, span: 2 },
];
/** A layout's id, as the API's saved views know them: a layout the API doesn't know fails to compile. */
export type Layout = components['schemas']['View']['layout'];

const DEFAULT_LAYOUT: Layout = '4';

/** The layout `id` names; the default one for an id that names none (an old or edited address). */
export function layoutShape(id: string): LayoutShape {
  return LAYOUTS.find((shape) => shape.id === id) ?? layoutShape(DEFAULT_LAYOUT);
}

/** How many tiles a layout has. */
export function tileCount(id: Layout): number {
  const { columns, large, span } = layoutShape(id);
  return columns * columns - large * (span * span - 1);
}

/** How many cells tile `index` covers each way. */
export function tileSpan(id: Layout, index: number): number {
  const { large, span } = layoutShape(id);
  return index < large ? span : 1;
}

/**
 * Whether tile `index` is big enough to be worth the main stream: the only
 * tile, or a layout's large one. The others play the camera's sub-stream,
 * where it has one, so a grid decodes small pictures.
 */
export function playsMainStream(id: Layout, index: number): boolean {
  return layoutShape(id).columns === 1 || tileSpan(id, index) > 1;
}

export interface Mosaic {
  layout: Layout;
  /** One entry per tile: a camera id, or null for an empty tile. */
  tiles: (number | null)[];
}

export function readMosaic(query: URLSearchParams): Mosaic {
  const layout = layoutShape(query.get('layout') ?? DEFAULT_LAYOUT).id;
  const listed = (query.get('tiles') ?? '').split(',');
  const tiles = Array.from({ length: tileCount(layout) }, (_, index) => {
    const id = Number(listed[index]);
    return Number.isInteger(id) && id > 0 ? id : null;
  });
  return { layout, tiles };
}

/** The query parameters of a mosaic; trailing empty tiles are left out. */
export function mosaicParams(mosaic: Mosaic): { layout: string; tiles: string | null } {
  const tiles = mosaic.tiles.map((id) => (id === null ? '' : String(id)));
  while (tiles.length && tiles[tiles.length - 1] === '') tiles.pop();
  return { layout: mosaic.layout, tiles: tiles.length ? tiles.join(',') : null };
}

/** Changing the layout keeps the chosen cameras that still fit. */
export function withLayout(mosaic: Mosaic, layout: Layout): Mosaic {
  return { layout, tiles: Array.from({ length: tileCount(layout) }, (_, index) => mosaic.tiles[index] ?? null) };
}

export function withTile(mosaic: Mosaic, index: number, id: number | null): Mosaic {
  return { ...mosaic, tiles: mosaic.tiles.map((old, at) => (at === index ? id : old)) };
}

/** Tiles `from` and `to` trade cameras: what a drag of one tile onto another does. */
export function swapTiles(mosaic: Mosaic, from: number, to: number): Mosaic {
  const tiles = [...mosaic.tiles];
  if (from === to || from >= tiles.length || to >= tiles.length) return mosaic;
  [tiles[from], tiles[to]] = [tiles[to] ?? null, tiles[from] ?? null];
  return { ...mosaic, tiles };
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
  return viewQuery(view);
}

/** A view as the query of its address (`layout=2%2B8&tiles=3,,7`). */
export function viewQuery(mosaic: Mosaic): string {
  const { layout, tiles } = mosaicParams(mosaic);
  const named = `layout=${encodeURIComponent(layout)}`;
  return tiles === null ? named : `${named}&tiles=${tiles}`;
}
