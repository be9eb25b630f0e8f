import path from 'node:path';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Raster } from '../core/raster/raster.ts';
import { unpackRaster } from '../core/raster/packed.ts';
import { decodeMod11Qc } from '../io/modis-qc.ts';
import { closedLoopScene } from '../pipeline/evaluate.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { makePair, type ClosedLoopPair } from '../model/patches.ts';
import type { FineAux } from '../model/inputs.ts';
import { MODEL_AUX } from '../model/srda-net.ts';
import type { SrdaModel } from '../model/weights.ts';
import { loopChainPair, type LoopArrays } from '../training/chain-pairs.ts';
import { manifestScene, trainingScenes } from '../training/manifest.ts';
import { loadManifestInputs } from '../training/manifest-inputs.ts';
import type { InputValues } from './inputs.ts';
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

/**
 * Training scenes, from src/training/scenes.json (never the `eval` and `held-out` ones: Pensacola,
 * the Dhaka evaluation dates 097 and 113, the new Landsat loops).
 */
export const REAL_SCENES: RealScene[] = trainingScenes().map((s) => ({
  id: s.id,
  inputs: s.files,
  referenceFactors: s.referenceFactors,
  split: s.split === 'north' ? 'north' : 'all',
  ...(s.lstOnly ? { lstOnly: true } : {}),
}));

/** Keeps rows [0, rows) of a row-major `w`-wide array. */
function topRows(a: Float32Array, w: number, rows: number): Float32Array {
  return a.slice(0, w * rows);
}

/** A closed loop cut to the rows a scene trains on (`north`: the northern half). */
function splitLoop(coarse: Raster, truth: Raster, aux: FineAux, split: 'north' | 'all'): LoopArrays {
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
  return { coarseK: coarseData, w, h, truthK: truthData, aux: fineAux };
}

function pairOf(name: string, l: LoopArrays): ClosedLoopPair {
  return makePair(name, l.coarseK, l.w, l.h, l.truthK, l.aux);
}

function pairFrom(name: string, coarse: Raster, truth: Raster, aux: FineAux, split: 'north' | 'all'): ClosedLoopPair {
  return pairOf(name, splitLoop(coarse, truth, aux, split));
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

async function scenePairs(dataDir: string, s: RealScene, teacher?: SrdaModel): Promise<ClosedLoopPair[]> {
  if (s.lstOnly) return lstOnlyPairs(dataDir, s);
  // Cloud masks (BQA, Fmask) of the manifest entry applied to the LST.
  const loaded = await loadManifestInputs(dataDir, manifestScene(s.id));
  const scene = prepareScene(loaded.inputs, { allowZeroStages: true });
  const loops = new Map<number, LoopArrays>();
  for (const f of s.referenceFactors) {
    const { loop, reference } = closedLoopScene(scene, 1, f);
    const fine = loop.levels[1].aux;
    const aux: FineAux = {};
    for (const k of MODEL_AUX) if (fine[k]) aux[k] = unpackRaster(fine[k]!).data;
    loops.set(f, splitLoop(loop.lst, reference, aux, s.split));
  }
  const pairs = [...loops].map(([f, l]) => pairOf(`${s.id}@x${f}`, l));
  if (teacher) {
    // Each loop one octave finer than another also trains as the chain meets it: the coarser loop's output as input.
    for (const [f, inner] of loops) {
      const outer = loops.get(2 * f);
      const chained = outer && (await loopChainPair(teacher, `${s.id}@x${f}~chain`, outer, inner));
      if (chained) pairs.push(chained);
    }
  }
  return pairs;
}

/**
 * Loads the real closed-loop training pairs of every scene in REAL_SCENES not named in `holdout`.
 * Scenes whose files are missing are skipped with a log line. With `teacher`, every loop one
 * octave finer than another of its scene is added once more as the chain meets it
 * (training/chain-pairs.ts `loopChainPair`).
 */
export async function loadRealPairs(dataDir: string, holdout: string[], log: (s: string) => void, teacher?: SrdaModel): Promise<ClosedLoopPair[]> {
  const out: ClosedLoopPair[] = [];
  for (const s of REAL_SCENES) {
    if (holdout.includes(s.id)) continue;
    try {
      const pairs = await scenePairs(dataDir, s, teacher);
      out.push(...pairs);
      log(`real ${s.id}: ${pairs.map((p) => `${p.name} ${p.w}x${p.h} coarse`).join(', ')}`);
    } catch (e) {
      log(`real ${s.id}: skipped (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return out;
}
