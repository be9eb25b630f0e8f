import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../cli/load.ts';
import type { Raster } from '../core/raster/raster.ts';

/** The shared real scenes (`../shared/data` beside the repository); tests skip when absent. */
export const SHARED_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

/** Path of a file or folder in the shared data. */
export function dataPath(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}

/** True when the shared data has this file or folder. */
export function hasData(...parts: string[]): boolean {
  return existsSync(dataPath(...parts));
}

/** One band of a GeoTIFF on disk: the first, or the first that `pick(name, role)` accepts. */
export async function readBand(file: string, pick?: (name: string, role: string) => boolean): Promise<Raster> {
  const ds = await loadDataset(file);
  const band = pick ? ds.bands.find((b) => pick(b.name, b.role)) : ds.bands[0];
  if (!band) throw new Error(`${file}: no band matches`);
  return band.raster;
}
