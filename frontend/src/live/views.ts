// Saved views as the live view uses them: a view opens as a mosaic, the
// mosaic saves as a view, and a tour steps through chosen views in turn.
import type { components } from '../api/schema';
import { tileCount, type Mosaic } from './layout';

export type SavedView = components['schemas']['View'];

/** The mosaic a view opens: its layout, each tile as saved (missing ones empty). */
export function viewMosaic(view: SavedView): Mosaic {
  return { layout: view.layout, tiles: Array.from({ length: tileCount(view.layout) }, (_, index) => view.tiles[index] ?? null) };
}

/** The tiles a mosaic saves: trailing empty tiles are left out, as in the address. */
export function savedTiles(mosaic: Mosaic): (number | null)[] {
  const tiles = [...mosaic.tiles];
  while (tiles.length && tiles[tiles.length - 1] === null) tiles.pop();
  return tiles;
}

/** The views menu's two lists: the reader's own (shared or not), and others' shared views. */
export function groupViews(views: readonly SavedView[], me: string): { mine: SavedView[]; shared: SavedView[] } {
  return {
    mine: views.filter((view) => view.owner === me),
    shared: views.filter((view) => view.shared && view.owner !== me),
  };
}

/** The shortest time a tour shows each view: less, and no tile has started playing before the next. */
export const TOUR_MIN_SECONDS = 5;

/** A tour's interval as typed: whole seconds, at least the minimum, or what is wrong with it. */
export function tourInterval(typed: string): { seconds: number } | { error: string } {
  const seconds = Number(typed.trim());
  if (!Number.isInteger(seconds) || typed.trim() === '') return { error: 'Give the interval in whole seconds.' };
  if (seconds < TOUR_MIN_SECONDS) return { error: `At least ${TOUR_MIN_SECONDS} seconds.` };
  return { seconds };
}

/**
 * The tour's next stop after `current`: the views in the order chosen, back
 * to the first after the last. A view gone from the tour (deleted meanwhile)
 * starts it over from the first.
 */
export function nextStop(stops: readonly number[], current: number | null): number | null {
  if (!stops.length) return null;
  const at = current === null ? -1 : stops.indexOf(current);
  return stops[(at + 1) % stops.length] ?? null;
}
