import type { Map as MapInstance } from 'maplibre-gl';

const maps = new Map<string, MapInstance>();

/** Makes a map reachable by name (PNG export, tests). Returns the unregister function. */
export function registerMap(name: string, map: MapInstance): () => void {
  maps.set(name, map);
  return () => {
    if (maps.get(name) === map) maps.delete(name);
  };
}

/** The named map, if mounted. */
export function getMap(name: string): MapInstance | undefined {
  return maps.get(name);
}

/** PNG bytes of the current view of the first mounted map (main, else the compare maps). */
export async function captureMapPng(): Promise<ArrayBuffer | undefined> {
  const map = maps.get('main') ?? maps.get('left');
  if (!map) return undefined;
  map.triggerRepaint();
  await new Promise<void>((resolve) => map.once('render', () => resolve()));
  const blob = await new Promise<Blob | null>((resolve) => map.getCanvas().toBlob(resolve, 'image/png'));
  return blob ? blob.arrayBuffer() : undefined;
}
