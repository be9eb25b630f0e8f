import path from 'node:path';
import { loadInputs, type LoadedInputs } from '../cli/inputs.ts';
import { loadDataset } from '../cli/load.ts';
import type { Raster } from '../core/raster/raster.ts';
import { loadLandsatDn } from './landsat-dn.ts';
import type { ManifestScene } from './manifest.ts';

/** Splits `FILE:BAND` (band number) into the file and a 0-based band index (0 when none is named). */
function fileAndBand(spec: string): { file: string; band: number } {
  const m = /^(.*):(\d+)$/.exec(spec);
  return m ? { file: m[1], band: Number(m[2]) - 1 } : { file: spec, band: 0 };
}

/** Sets the LST to NaN where `drop(maskValue)`; returns the share of LST pixels masked. */
function maskLst(loaded: LoadedInputs, mask: ArrayLike<number>, drop: (v: number) => boolean, what: string): number {
  const lst = loaded.inputs.lst.data.slice();
  if (mask.length !== lst.length) throw new Error(`${what} has ${mask.length} pixels, the LST ${lst.length}: not the same grid`);
  let masked = 0;
  for (let i = 0; i < lst.length; i++) {
    if (drop(mask[i])) {
      if (!Number.isNaN(lst[i])) masked++;
      lst[i] = Number.NaN;
    }
  }
  loaded.inputs.lst = { ...loaded.inputs.lst, data: lst };
  return masked / lst.length;
}

/**
 * Loads a manifest scene's inputs from `dataDir` (as `srda-lst downscale` would, Landsat DN
 * calibrated on read) and applies its cloud masks to the LST: a pre-Collection Landsat BQA
 * (medium or high cloud confidence, bits 14-15 >= 2) and an Fmask band (anything but clear 0 or
 * water 1). With `snapAuxToLst`, auxiliary layers of the LST's size and origin whose pixel size
 * differs only by metadata rounding (< 0.2 %) are put on the LST's grid. `log` gets what was done.
 */
export async function loadManifestInputs(dataDir: string, s: ManifestScene, log: (line: string) => void = () => {}): Promise<LoadedInputs> {
  const loaded = s.landsatDn
    ? await loadLandsatDn(dataDir, s.files, s.landsatDn)
    : await loadInputs(Object.fromEntries(Object.entries(s.files).map(([k, v]) => [k, path.join(dataDir, v)])));
  if (s.dnMask) {
    const { file, atLeast } = s.dnMask;
    const dn = (await loadDataset(path.join(dataDir, file))).bands[0].raster.data;
    const share = maskLst(loaded, dn, (v) => !(v < atLeast), file);
    log(`  ${s.id}: ${(100 * share).toFixed(1)} % of LST pixels masked as cloud (${path.basename(file)} >= ${atLeast} or saturated)`);
  }
  if (s.landsatBqa) {
    const bqa = (await loadDataset(path.join(dataDir, s.landsatBqa))).bands[0].raster.data;
    const share = maskLst(loaded, bqa, (q) => ((q >> 14) & 3) >= 2, s.landsatBqa);
    log(`  ${s.id}: ${(100 * share).toFixed(1)} % of LST pixels masked as cloud (BQA)`);
  }
  if (s.fmask) {
    const { file, band } = fileAndBand(s.fmask);
    const ds = await loadDataset(path.join(dataDir, file));
    const fm = ds.bands[band]?.raster.data;
    if (!fm) throw new Error(`${s.fmask}: no band ${band + 1}`);
    const share = maskLst(loaded, fm, (v) => !(v === 0 || v === 1), s.fmask);
    log(`  ${s.id}: ${(100 * share).toFixed(1)} % of LST pixels masked as cloud or shadow (Fmask)`);
  }
  if (s.snapAuxToLst) {
    for (const [name, r] of Object.entries(loaded.inputs.aux)) {
      if (!r) continue;
      const why = snapReason(loaded.inputs.lst, r);
      if (why) throw new Error(`${s.id}: ${name} cannot be snapped to the LST grid: ${why}`);
      loaded.inputs.aux[name as keyof typeof loaded.inputs.aux] = { ...r, transform: loaded.inputs.lst.transform, crs: loaded.inputs.lst.crs };
      log(`  ${s.id}: ${name} put on the LST's grid (same size and origin, pixel size ${r.transform[1]} vs ${loaded.inputs.lst.transform[1]} m)`);
    }
  }
  return loaded;
}

/** Largest relative pixel-size difference `snapAuxToLst` accepts (metadata rounding, not a different grid). */
const SNAP_PIXEL_TOLERANCE = 2e-3;

/** Why `aux` cannot be taken as the LST's own pixel grid, or undefined when it can. */
function snapReason(lst: Raster, aux: Raster): string | undefined {
  if (aux.width !== lst.width || aux.height !== lst.height) return `size ${aux.width}x${aux.height} vs ${lst.width}x${lst.height}`;
  if (aux.transform[2] !== 0 || aux.transform[4] !== 0 || lst.transform[2] !== 0 || lst.transform[4] !== 0) return 'rotated grid';
  const px = Math.abs(lst.transform[1]);
  if (Math.abs(aux.transform[0] - lst.transform[0]) > 0.01 * px || Math.abs(aux.transform[3] - lst.transform[3]) > 0.01 * px) return 'different origin';
  for (const k of [1, 5]) {
    if (Math.abs(aux.transform[k] - lst.transform[k]) > SNAP_PIXEL_TOLERANCE * Math.abs(lst.transform[k])) return `pixel sizes differ by more than ${100 * SNAP_PIXEL_TOLERANCE} %`;
  }
  return undefined;
}
