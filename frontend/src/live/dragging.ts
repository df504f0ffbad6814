// What can be dropped on a tile: another tile (the two swap cameras) or a
// camera from a picker's list (the tile shows it). Each travels as a media
// type of its own, so a drop of anything else (a link, a file) is ignored.
const TILE_TYPE = 'application/x-camplane-tile';
const CAMERA_TYPE = 'application/x-camplane-camera';

export type Dropped = { kind: 'tile'; index: number } | { kind: 'camera'; id: number };

type Data = Pick<DataTransfer, 'setData' | 'getData' | 'types'>;

export function dragTile(data: Data, index: number): void {
  data.setData(TILE_TYPE, String(index));
}

export function dragCamera(data: Data, id: number): void {
  data.setData(CAMERA_TYPE, String(id));
}

/** Whether a drag carries something a tile takes (its data is readable only on drop). */
export function carriesTileDrop(data: Pick<DataTransfer, 'types'>): boolean {
  return data.types.includes(TILE_TYPE) || data.types.includes(CAMERA_TYPE);
}

export function readDrop(data: Pick<DataTransfer, 'getData'>): Dropped | null {
  const index = Number.parseInt(data.getData(TILE_TYPE), 10);
  if (Number.isInteger(index) && index >= 0) return { kind: 'tile', index };
  const id = Number.parseInt(data.getData(CAMERA_TYPE), 10);
  if (Number.isInteger(id) && id > 0) return { kind: 'camera', id };
  return null;
}
