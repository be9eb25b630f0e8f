import { runSrda } from '../model/infer.ts';
import { blockMean2, type FineAux } from '../model/inputs.ts';
import { makePair, type ClosedLoopPair } from '../model/patches.ts';
import type { SrdaModel } from '../model/weights.ts';
import type { AsterPair } from './aster-pairs.ts';

/**
 * Residual correction of a factor-2 fine field, in place: every 2x2 block is shifted so that the
 * mean of its valid pixels equals the coarse value (what the pipeline does after each stage); a
 * block whose coarse value is NaN becomes NaN. Returns `fine`.
 */
export function correctBlocks2(fine: Float32Array, coarse: Float32Array, w: number, h: number): Float32Array {
  const means = blockMean2(fine, w, h);
  const fw = 2 * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = coarse[y * w + x];
      const d = c - means[y * w + x];
      const i = 2 * y * fw + 2 * x;
      for (const j of [i, i + 1, i + fw, i + fw + 1]) fine[j] = Number.isNaN(c) ? Number.NaN : fine[j] + d;
    }
  }
  return fine;
}

/**
 * The first stage as the pipeline runs it: `model` on the coarse LST and the fine auxiliary
 * layers, residual-corrected to the coarse LST. Fine grid `2w` x `2h`, NaN where the coarse LST is.
 */
export async function teacherStage(model: SrdaModel, coarseK: Float32Array, w: number, h: number, fineAux: FineAux): Promise<Float32Array> {
  const out = await runSrda(model, { width: w, height: h, coarseLstK: coarseK, fineAux });
  return correctBlocks2(out, coarseK, w, h);
}

/**
 * The second stage of a MODIS-ASTER pair as the chain meets it at inference: its input is not the
 * target's 500 m means (asterStagePairs) but `model`'s residual-corrected 1 km -> 500 m output
 * (NDVI at 500 m), and its truth the 250 m target. Training on it as well matches the second
 * stage's training input to what the first stage hands it.
 */
export async function asterChainPair(model: SrdaModel, p: AsterPair): Promise<ClosedLoopPair> {
  const { w, h } = p;
  const first = await teacherStage(model, p.modisK, w, h, { ndvi: blockMean2(p.ndvi, 2 * w, 2 * h) });
  return makePair(`${p.id}@500m~chain`, first, 2 * w, 2 * h, p.targetK, { ndvi: p.ndvi });
}

/** The top-left `cw` x `ch` window of a row-major `w`-wide field. */
export function cropTopLeft(a: Float32Array, w: number, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) out.set(a.subarray(y * w, y * w + cw), y * cw);
  return out;
}

/** A closed loop as arrays: coarse LST `w` x `h`, truth and auxiliary layers `2w` x `2h`. */
export interface LoopArrays {
  coarseK: Float32Array;
  w: number;
  h: number;
  truthK: Float32Array;
  aux: FineAux;
}

/**
 * The chained pair of two closed loops of one scene, `outer` one octave coarser than `inner`
 * (outer's truth grid is inner's coarse grid, both cut from the same top-left corner): inner's
 * truth, with `model`'s residual-corrected output on outer as its coarse input, on the window both
 * cover. Undefined when they share no window.
 */
export async function loopChainPair(model: SrdaModel, name: string, outer: LoopArrays, inner: LoopArrays): Promise<ClosedLoopPair | undefined> {
  const first = await teacherStage(model, outer.coarseK, outer.w, outer.h, outer.aux);
  const w = Math.min(2 * outer.w, inner.w);
  const h = Math.min(2 * outer.h, inner.h);
  if (w < 1 || h < 1) return undefined;
  const aux: FineAux = {};
  for (const [k, a] of Object.entries(inner.aux) as [keyof FineAux, Float32Array | undefined][]) if (a) aux[k] = cropTopLeft(a, 2 * inner.w, 2 * w, 2 * h);
  return makePair(name, cropTopLeft(first, 2 * outer.w, w, h), w, h, cropTopLeft(inner.truthK, 2 * inner.w, 2 * w, 2 * h), aux);
}
