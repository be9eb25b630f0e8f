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
