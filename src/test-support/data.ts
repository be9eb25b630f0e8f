import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInputs } from '../cli/inputs.ts';
import { loadDataset } from '../cli/load.ts';
import { readSrdaWeights } from '../cli/srda-weights.ts';
import type { Raster } from '../core/raster/raster.ts';
import { unpackRaster } from '../core/raster/packed.ts';
import type { Dataset } from '../io/dataset.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';

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

/** The Dhaka MOD11A2 + MOD13Q1 folder and its DOY 097 files (8-day LST, its QC, the 16-day NDVI of the same start). */
export const DHAKA_DIR = dataPath('dhaka-mod11a2-mod13q1-2024-citypath');
export const DHAKA_097 = {
  lst: path.join(DHAKA_DIR, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'),
  qc: path.join(DHAKA_DIR, 'MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif'),
  ndvi: path.join(DHAKA_DIR, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif'),
} as const;
/** The Landsat 5 TM Para scene folder (B1-B7 and its MTL). */
export const PARA_DIR = dataPath('landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');

/** A GeoTIFF on disk with its bands, roles and metadata (the CLI's reader, Landsat MTL included). */
export function readDataset(file: string, opts?: Parameters<typeof loadDataset>[1]): Promise<Dataset> {
  return loadDataset(file, opts);
}

/** One band of a GeoTIFF on disk: the first, or the first that `pick(name, role)` accepts. */
export async function readBand(file: string, pick?: (name: string, role: string) => boolean): Promise<Raster> {
  const ds = await readDataset(file);
  const band = pick ? ds.bands.find((b) => pick(b.name, b.role)) : ds.bands[0];
  if (!band) throw new Error(`${file}: no band matches`);
  return band.raster;
}

/** The shipped SRDA-Net weights (`models/srda-net/`) as bytes for `loadSrdaWeights` / the runner. */
export function readShippedWeights(): ReturnType<typeof readSrdaWeights> {
  return readSrdaWeights();
}

/** Dhaka MOD11A2 DOY 097 (QC applied) with MOD13Q1 NDVI, prepared: 1 km -> 500 m -> 250 m. Needs `hasData('dhaka-mod11a2-mod13q1-2024-citypath')`. */
export async function dhakaScene(): Promise<Scene> {
  const loaded = await loadInputs({ ...DHAKA_097 });
  return prepareScene(loaded.inputs);
}

/**
 * The first stage of Dhaka MOD11A2 DOY 097 (QC applied) with MOD13Q1 NDVI, as SRDA-Net's typed
 * stage input: 1 km LST and the 500 m NDVI. Needs `hasData('dhaka-mod11a2-mod13q1-2024-citypath')`.
 */
export async function dhakaStageInput(): Promise<{ width: number; height: number; coarseLstK: Float32Array; fineAux: { ndvi: Float32Array } }> {
  const scene = await dhakaScene();
  return { width: scene.lst.width, height: scene.lst.height, coarseLstK: scene.lst.data, fineAux: { ndvi: unpackRaster(scene.levels[1].aux.ndvi!).data } };
}
