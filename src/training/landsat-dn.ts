import path from 'node:path';
import type { LoadedInputs } from '../cli/inputs.ts';
import { loadDataset } from '../cli/load.ts';
import type { BandRole, Dataset } from '../io/dataset.ts';
import { landsatCalibration, type Mtl } from '../io/landsat-mtl.ts';
import { assembleScene, type LabelledBand } from '../pipeline/scene-assembly.ts';

/**
 * Landsat L1 DN files whose names and tags say nothing about Landsat and that come without an MTL
 * (the Pennsylvania ETM+ exports of the R package `landsat`): the calibration constants the data's
 * documentation gives, so the reader's own Landsat calibration (io/landsat-mtl.ts) can be applied.
 */
export interface LandsatDnSpec {
  mission: number;
  /** Acquisition date, ISO. */
  date: string;
  sunElevationDeg: number;
  /** Sensor band number per role (`61` = ETM+ thermal low gain). */
  bands: Record<string, number>;
  /** Radiance gain and bias per sensor band number: L = gain x DN + bias. */
  radiance: Record<string, [number, number]>;
}

/** The MTL the documentation stands for: mission, date, sun elevation, radiance rescaling. */
function mtlOf(spec: LandsatDnSpec): Mtl {
  const entries = new Map<string, string>([
    ['PRODUCT_METADATA.SPACECRAFT_ID', `LANDSAT_${spec.mission}`],
    ['PRODUCT_METADATA.DATE_ACQUIRED', spec.date],
    ['IMAGE_ATTRIBUTES.SUN_ELEVATION', String(spec.sunElevationDeg)],
  ]);
  for (const [band, [gain, bias]] of Object.entries(spec.radiance)) {
    const b = band === '61' ? '6_VCID_1' : band === '62' ? '6_VCID_2' : band;
    entries.set(`RADIOMETRIC_RESCALING.RADIANCE_MULT_BAND_${b}`, String(gain));
    entries.set(`RADIOMETRIC_RESCALING.RADIANCE_ADD_BAND_${b}`, String(bias));
  }
  return { entries };
}

/**
 * Reads the files of `files` (role -> path relative to `dataDir`) as Landsat L1 DN, calibrates
 * each with `spec` (thermal -> brightness temperature with the sensor's K1/K2, reflective -> TOA
 * reflectance) and assembles the scene as `srda-lst downscale` would. Files of roles without a
 * band number (a DEM) are used as read. Throws naming the file when a band cannot be calibrated.
 */
export async function loadLandsatDn(dataDir: string, files: Record<string, string>, spec: LandsatDnSpec): Promise<LoadedInputs> {
  const mtl = mtlOf(spec);
  const labelled: LabelledBand[] = [];
  const warnings: string[] = [];
  for (const [role, rel] of Object.entries(files)) {
    const ds = await loadDataset(path.join(dataDir, rel));
    const band = spec.bands[role];
    const src = ds.bands[0];
    if (band === undefined) {
      // Not a Landsat band (a DEM on the same grid): as read, with its role.
      const asRead = { ...src, role: role as BandRole };
      labelled.push({ key: role, name: path.basename(rel), role: role as BandRole, dataset: { ...ds, bands: [asRead] }, band: asRead });
      continue;
    }
    const cal = landsatCalibration({ mission: spec.mission, band, level: 'L1' }, role as BandRole, mtl);
    if (!cal) throw new Error(`${rel}: no Landsat calibration for the ${role} role (band ${band})`);
    const data = Float32Array.from(src.raster.data);
    cal.apply(data);
    warnings.push(...cal.notes.map((n) => `${rel}: ${n}`));
    const calibrated = { ...src, role: role as BandRole, units: cal.units, scale: 1, offset: 0, raster: { ...src.raster, data } };
    const dataset: Dataset = { ...ds, date: spec.date, product: `LANDSAT_${spec.mission}`, bands: [calibrated] };
    labelled.push({ key: role, name: path.basename(rel), role: role as BandRole, dataset, band: calibrated });
  }
  const assembled = assembleScene(labelled, { mode: 'strict' });
  const names = Object.fromEntries(labelled.map((b) => [b.key, b.name]));
  return { inputs: { ...assembled.inputs, names }, files: {}, warnings: [...warnings, ...assembled.notices], assembled };
}
