import { refineGrid } from '../core/geo/grid.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Raster } from '../core/raster/raster.ts';
import { registerGuides } from '../pipeline/guide-registration.ts';
import type { Scene } from '../pipeline/scene.ts';
import { blockTexture } from '../core/raster/texture.ts';
import { ASTER_FACTOR, MIN_VALID_PER_BLOCK, type AsterPair } from './aster-pairs.ts';

/**
 * The pair as the product sees it: MODIS 1 km LST, NDVI at 1 km, 500 m and 250 m, two stages
 * (1 km -> 500 m -> 250 m).
 */
export function asterScene(p: AsterPair): Scene {
  const g0 = p.coarseGrid;
  const g1 = refineGrid(g0, 2);
  const g2 = refineGrid(g0, 4);
  // Registered against the MODIS LST as prepareScene registers a user's guides.
  const reg = registerGuides({ ...g0, data: p.modisK }, { ndvi: { ...g2, data: p.ndvi } }, 4);
  const ndvi2: Raster = reg?.aux.ndvi ?? { ...g2, data: p.ndvi };
  const ndvi1 = { ...aggregateMean(ndvi2, 2), ...g1 };
  const ndvi0 = { ...aggregateMean(ndvi2, 4), ...g0 };
  const win = { col: 0, row: 0, width: g2.width, height: g2.height };
  return {
    lst: { ...g0, data: p.modisK },
    levels: [
      { grid: g0, aux: { ndvi: ndvi0 }, pixelSizeM: g0.transform[1] },
      { grid: g1, aux: { ndvi: ndvi1 }, pixelSizeM: g1.transform[1] },
      { grid: g2, aux: { ndvi: ndvi2 }, pixelSizeM: g2.transform[1] },
    ],
    stages: 2,
    notes: [`MODIS-ASTER pair ${p.id}`],
    ...(reg ? { guideShift: reg.shift } : {}),
    alignment: { lst: 'exact', auxWindow: win, auxGrid: g2, lstGrid: g0 },
  };
}

/** Sums over pixels for pooled scores (several pairs add up). */
export interface AsterSums {
  /** Full field after removing the pair's mean offset: n, sum of squared errors. */
  fullN: number;
  fullSe: number;
  /** Texture (pixel minus its 1 km block mean): n, squared error, and sums for the correlation. */
  texN: number;
  texSe: number;
  sp: number;
  sr: number;
  spp: number;
  srr: number;
  spr: number;
}

/** Empty sums. */
export function emptySums(): AsterSums {
  return { fullN: 0, fullSe: 0, texN: 0, texSe: 0, sp: 0, sr: 0, spp: 0, srr: 0, spr: 0 };
}

/**
 * Scores a 250 m output against ASTER (`asterK`, same lattice): full-field error after removing
 * the mean output-ASTER difference, and texture (each pixel minus its 1 km block mean, over the
 * pixels ASTER has) against ASTER's own. Adds into `sums` and returns this pair's own sums.
 */
export function scoreAgainstAster(outK: Float32Array, asterK: Float32Array, w: number, sums: AsterSums = emptySums()): AsterSums {
  const fw = ASTER_FACTOR * w;
  const fh = outK.length / fw;
  const masked = new Float32Array(outK.length);
  let n = 0;
  let sd = 0;
  for (let i = 0; i < outK.length; i++) {
    const ok = outK[i] === outK[i] && asterK[i] === asterK[i];
    masked[i] = ok ? outK[i] : Number.NaN;
    if (ok) {
      n++;
      sd += outK[i] - asterK[i];
    }
  }
  const off = n > 0 ? sd / n : 0;
  const own = emptySums();
  for (let i = 0; i < outK.length; i++) {
    if (masked[i] !== masked[i]) continue;
    const e = masked[i] - asterK[i] - off;
    own.fullN++;
    own.fullSe += e * e;
  }
  const asterOnOut = asterK.map((v, i) => (masked[i] === masked[i] ? v : Number.NaN));
  const tp = blockTexture(masked, fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  const tr = blockTexture(asterOnOut, fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  for (let i = 0; i < tp.length; i++) {
    const p = tp[i];
    const r = tr[i];
    if (p !== p || r !== r) continue;
    own.texN++;
    own.texSe += (p - r) ** 2;
    own.sp += p;
    own.sr += r;
    own.spp += p * p;
    own.srr += r * r;
    own.spr += p * r;
  }
  for (const k of Object.keys(own) as (keyof AsterSums)[]) sums[k] += own[k];
  return own;
}

/** Pooled scores of sums: full-field RMSE after offset removal, texture RMSE and correlation. */
export function asterScores(s: AsterSums): { fullRmseK: number; textureRmseK: number; textureCorr: number } {
  const n = s.texN;
  const cov = s.spr / n - (s.sp / n) * (s.sr / n);
  const vp = s.spp / n - (s.sp / n) ** 2;
  const vr = s.srr / n - (s.sr / n) ** 2;
  return { fullRmseK: Math.sqrt(s.fullSe / s.fullN), textureRmseK: Math.sqrt(s.texSe / n), textureCorr: cov / Math.sqrt(vp * vr) };
}

/**
 * Share of pixels whose error lies within the predicted 68 % and 95 % Gaussian intervals
 * (|out - truth| <= sigma, <= 1.96 sigma). Returns counts to pool over pairs.
 */
export function sigmaCoverage(outK: Float32Array, sigmaK: Float32Array, truthK: Float32Array): { n: number; in68: number; in95: number; sumSigma: number } {
  let n = 0;
  let in68 = 0;
  let in95 = 0;
  let sumSigma = 0;
  for (let i = 0; i < outK.length; i++) {
    const e = Math.abs(outK[i] - truthK[i]);
    const s = sigmaK[i];
    if (e !== e || s !== s) continue;
    n++;
    sumSigma += s;
    if (e <= s) in68++;
    if (e <= 1.96 * s) in95++;
  }
  return { n, in68, in95, sumSigma };
}

/**
 * Least-squares weights (no intercept) of two texture fields `a`, `b` against a reference texture
 * `r`, over pixels valid in all three: the calibrated classical control mixes bicubic + rc and
 * TsHARP texture with these two coefficients. Pass sums accumulated with `accumulateMix`.
 */
export function solveMix(m: MixSums): [number, number] {
  const det = m.aa * m.bb - m.ab * m.ab;
  if (Math.abs(det) < 1e-12) return [m.aa > 0 ? m.ar / m.aa : 0, 0];
  return [(m.ar * m.bb - m.br * m.ab) / det, (m.br * m.aa - m.ar * m.ab) / det];
}

/** Normal-equation sums of `solveMix`. */
export interface MixSums {
  aa: number;
  ab: number;
  bb: number;
  ar: number;
  br: number;
}

/** Adds one pair's texture fields (bicubic + rc `a`, TsHARP `b`, ASTER `r`; same lattice) to `m`. */
export function accumulateMix(m: MixSums, aK: Float32Array, bK: Float32Array, rK: Float32Array, w: number): void {
  const fw = ASTER_FACTOR * w;
  const fh = aK.length / fw;
  const mask = (v: Float32Array) => v.map((x, i) => (aK[i] === aK[i] && bK[i] === bK[i] && rK[i] === rK[i] ? x : Number.NaN));
  const ta = blockTexture(mask(aK), fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  const tb = blockTexture(mask(bK), fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  const tr = blockTexture(mask(rK), fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  for (let i = 0; i < ta.length; i++) {
    if (ta[i] !== ta[i] || tb[i] !== tb[i] || tr[i] !== tr[i]) continue;
    m.aa += ta[i] * ta[i];
    m.ab += ta[i] * tb[i];
    m.bb += tb[i] * tb[i];
    m.ar += ta[i] * tr[i];
    m.br += tb[i] * tr[i];
  }
}

/** The control field: bicubic + rc with its 250 m texture replaced by `ca` x its own + `cb` x TsHARP's (1 km block means kept). */
export function mixedControl(aK: Float32Array, bK: Float32Array, w: number, ca: number, cb: number): Float32Array {
  const fw = ASTER_FACTOR * w;
  const fh = aK.length / fw;
  const ta = blockTexture(aK, fw, fh, ASTER_FACTOR, ASTER_FACTOR * ASTER_FACTOR);
  const tb = blockTexture(bK, fw, fh, ASTER_FACTOR, ASTER_FACTOR * ASTER_FACTOR);
  return aK.map((v, i) => (ta[i] === ta[i] && tb[i] === tb[i] ? v - ta[i] + ca * ta[i] + cb * tb[i] : Number.NaN));
}
