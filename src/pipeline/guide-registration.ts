import { AppError } from '../core/errors.ts';
import type { PixelWindow } from '../core/geo/grid.ts';
import type { AuxName, Raster } from '../core/raster/raster.ts';
import { maskedBoxMean } from '../core/raster/focal.ts';
import { correlation, shiftBilinear } from '../core/raster/shift.ts';
import { extractTile } from '../core/raster/tiling.ts';

/**
 * Guide co-registration. Products from different sensors or processing chains can sit a fraction of
 * a pixel apart: MOD09GQ NDVI, for one, lies about 1 fine (250 m) pixel west and north of ASTER
 * and MODIS LST on the MODIS-ASTER pairs. Detail drawn from a misplaced guide lands beside the
 * feature it belongs to. Before a run, the shift of the reflectance guides against the LST is
 * estimated from the inputs alone (the shift at which the guide's block means correlate best with
 * the coarse LST, both high-passed) and the guides are resampled onto the LST's frame. Layers from
 * other sources (DEM, land cover) keep their place.
 */

/** Guide layers that come from the reflectance product and move together. */
export const REGISTERED_GUIDES: readonly AuxName[] = ['ndvi', 'ndwi', 'red', 'nir', 'swir', 'albedo'];
/** Layers tried, in order, to estimate the shift. */
const ESTIMATE_FROM: readonly AuxName[] = ['ndvi', 'nir', 'red', 'albedo'];
/** Search range (fine pixels, each axis) and step. */
export const GUIDE_SHIFT_MAX_PX = 2;
export const GUIDE_SHIFT_STEP_PX = 0.25;
/** Below this |correlation| at zero shift the guide says too little about the LST to register it. */
export const MIN_GUIDE_CORRELATION = 0.2;
/** A shift must raise |correlation| by at least this much over no shift to be applied. */
export const MIN_CORRELATION_GAIN = 0.004;
/** Largest coarse window (px per side, centred) the estimate uses: bounds its cost on a full tile. */
const MAX_WINDOW = 256;
/** Radius (coarse px) of the local mean removed before correlating. */
const HIGHPASS_RADIUS = 2;

/** What the registration found and did. */
export interface GuideShift {
  /** Layer the shift was estimated from. */
  guide: AuxName;
  /** Shift applied to the guides, fine pixels: east (+) and south (+). 0 when not applied. */
  dxPx: number;
  dyPx: number;
  /** The best shift found, whether or not applied. */
  bestDxPx: number;
  bestDyPx: number;
  /** Correlation of the high-passed block means with the high-passed LST: at no shift and at the best shift. */
  corr0: number;
  corrBest: number;
  applied: boolean;
  /** Why the shift was not applied (absent when applied). */
  reason?: string;
  /** Layers moved. */
  moved: AuxName[];
}

/** Each valid pixel at least r from the edge minus the mean of the valid pixels in its (2r+1)^2 neighbourhood. */
function highpass(v: Float32Array, w: number, h: number, r = HIGHPASS_RADIUS): Float32Array {
  const mean = maskedBoxMean(v, w, h, 2 * r + 1);
  const out = new Float32Array(v.length).fill(Number.NaN);
  // Only pixels with their whole neighbourhood inside: a truncated one leaves a ramp at the edge.
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      const c = v[y * w + x];
      if (c === c) out[y * w + x] = c - mean[y * w + x];
    }
  }
  return out;
}

/**
 * Where the fine field's pixels lie in `fine`: the whole `fw` x `fh` field (`at` absent), or only the
 * window `at` of it, row-major (a copy of what the estimate reads: `guideSample`).
 */
interface FineField {
  data: Float32Array;
  at?: PixelWindow;
}

/**
 * Block means (factor `f`) over the coarse window of the fine field sampled at integer offset
 * (i, j): cell (X, Y) averages fine (x0 + X f + a + i, y0 + Y f + b + j). NaN where under 3/4 of
 * the samples are valid or fall inside the raster. `field.at` must hold every pixel read.
 */
function blockMeansAt(field: FineField, fw: number, fh: number, f: number, x0: number, y0: number, cw: number, ch: number, i: number, j: number): Float32Array {
  const fine = field.data;
  const ox = field.at?.col ?? 0;
  const oy = field.at?.row ?? 0;
  const stride = field.at?.width ?? fw;
  const out = new Float32Array(cw * ch);
  const need = Math.ceil(0.75 * f * f);
  for (let Y = 0; Y < ch; Y++) {
    for (let X = 0; X < cw; X++) {
      let s = 0;
      let n = 0;
      for (let b = 0; b < f; b++) {
        const y = y0 + Y * f + b + j;
        if (y < 0 || y >= fh) continue;
        const row = (y - oy) * stride - ox;
        for (let a = 0; a < f; a++) {
          const x = x0 + X * f + a + i;
          if (x < 0 || x >= fw) continue;
          const q = fine[row + x];
          if (q === q) {
            s += q;
            n++;
          }
        }
      }
      out[Y * cw + X] = n >= need ? s / n : Number.NaN;
    }
  }
  return out;
}

/** The coarse window (centred, at most MAX_WINDOW a side) the estimate correlates over. */
function coarseWindow(cwAll: number, chAll: number): { cw: number; ch: number; cx0: number; cy0: number } {
  const cw = Math.min(cwAll, MAX_WINDOW);
  const ch = Math.min(chAll, MAX_WINDOW);
  return { cw, ch, cx0: Math.floor((cwAll - cw) / 2), cy0: Math.floor((chAll - ch) / 2) };
}

/**
 * Estimates the shift (fine px, east/south) that moves `fine` onto the frame of `coarse` (the LST,
 * `f` times coarser, same origin). Block means are linear in the field, so the block means of the
 * field shifted by a fraction of a pixel are the bilinear mix of those at the four integer shifts
 * around it: 25 passes over the fine window serve every shift tried (whole pixels, then the
 * fraction found by the parabola).
 */
export function estimateShift(coarse: Float32Array, cwAll: number, chAll: number, fine: Float32Array | FineField, f: number): ShiftEstimate {
  return finish(estimateShiftInSteps(coarse, cwAll, chAll, fine, f));
}

/** What `estimateShift` finds. */
type ShiftEstimate = { dxPx: number; dyPx: number; corr0: number; corrBest: number };

/** Runs steps to their end. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** `estimateShift` in steps: it yields after each pass over the fine window and each row of the search, so a caller can pause there. */
function* estimateShiftInSteps(coarse: Float32Array, cwAll: number, chAll: number, fine: Float32Array | FineField, f: number): Generator<void, ShiftEstimate> {
  const field = fine instanceof Float32Array ? { data: fine } : fine;
  const { cw, ch, cx0, cy0 } = coarseWindow(cwAll, chAll);
  const lstWin = extractTile(coarse, cwAll, chAll, { col: cx0, row: cy0, width: cw, height: ch });
  const lstHp = highpass(lstWin, cw, ch);
  const m = GUIDE_SHIFT_MAX_PX;
  const fw = cwAll * f;
  const fh = chAll * f;
  // means[(j + m) * (2m + 1) + (i + m)]: sampled at integer offset (i, j) = field shifted by (-i, -j).
  const means: Float32Array[] = [];
  for (let j = -m; j <= m; j++) {
    for (let i = -m; i <= m; i++) {
      means.push(blockMeansAt(field, fw, fh, f, cx0 * f, cy0 * f, cw, ch, i, j));
      yield;
    }
  }
  const at = (i: number, j: number) => means[(j + m) * (2 * m + 1) + (i + m)];
  const mix = new Float32Array(cw * ch);
  const corrAt = (dx: number, dy: number): number => {
    // Sampling offset s = -d; bracket it by integers i <= s <= i + 1 inside the computed range.
    const sx = -dx;
    const sy = -dy;
    const i = Math.min(Math.floor(sx), m - 1);
    const j = Math.min(Math.floor(sy), m - 1);
    const tx = sx - i;
    const ty = sy - j;
    const a = at(i, j);
    const b = at(i + 1, j);
    const c = at(i, j + 1);
    const d = at(i + 1, j + 1);
    for (let k = 0; k < mix.length; k++) mix[k] = (1 - ty) * ((1 - tx) * a[k] + tx * b[k]) + ty * ((1 - tx) * c[k] + tx * d[k]);
    return correlation(highpass(mix, cw, ch), lstHp);
  };
  // Correlation at whole-pixel shifts only: a fractional shift would smooth the guide, and a smoother
  // guide can fit a smooth LST better wherever it sits. The peak is refined to a fraction of a pixel
  // by a parabola through it and its two neighbours on each axis.
  // Whole-pixel correlations, each computed once: the search and the parabola share them.
  const whole = new Map<number, number>();
  const c = (i: number, j: number): number => {
    const k = (j + m) * (2 * m + 1) + (i + m);
    let v = whole.get(k);
    if (v === undefined) whole.set(k, (v = corrAt(i, j)));
    return v;
  };
  const corr0 = c(0, 0);
  const sign = corr0 < 0 ? -1 : 1;
  let bi = 0;
  let bj = 0;
  let bc = corr0;
  for (let j = -m + 1; j <= m - 1; j++) {
    for (let i = -m + 1; i <= m - 1; i++) {
      const v = c(i, j);
      if (v === v && sign * v > sign * bc) [bi, bj, bc] = [i, j, v];
    }
    yield;
  }
  const peak = (lo: number, mid: number, hi: number): number => {
    const den = lo - 2 * mid + hi;
    if (!(sign * den < 0)) return 0;
    return Math.max(-0.5, Math.min(0.5, (lo - hi) / (2 * den)));
  };
  const fx = peak(c(bi - 1, bj), bc, c(bi + 1, bj));
  const fy = peak(c(bi, bj - 1), bc, c(bi, bj + 1));
  const q = GUIDE_SHIFT_STEP_PX;
  const dxPx = Math.round((bi + fx) / q) * q;
  const dyPx = Math.round((bj + fy) / q) * q;
  return { dxPx, dyPx, corrBest: Number.isInteger(dxPx) && Number.isInteger(dyPx) ? c(dxPx, dyPx) : corrAt(dxPx, dyPx), corr0 };
}

/** The raster's field shifted by (dx, dy) pixels east/south; where the shifted field has no value, the original is kept. */
export function shiftRaster(r: Raster, dxPx: number, dyPx: number): Raster {
  const s = shiftBilinear(r.data, r.width, r.height, -dxPx, -dyPx);
  for (let k = 0; k < s.length; k++) if (s[k] !== s[k]) s[k] = r.data[k];
  return { ...r, data: s };
}

/** The part of the guide the estimate reads (`guideSample`), copied: the estimate needs no more of it. */
export interface GuideSample {
  guide: AuxName;
  data: Float32Array;
  at: PixelWindow;
}

/** The guide the shift is estimated from (the first of ESTIMATE_FROM given), where the registration can run on these layers. */
function estimateGuide(coarseLst: Raster, fineAux: Partial<Record<AuxName, Raster>>, factor: number): AuxName | undefined {
  const guide = ESTIMATE_FROM.find((n) => fineAux[n]);
  if (!guide || factor < 2) return undefined;
  const g = fineAux[guide]!;
  return g.width === coarseLst.width * factor && g.height === coarseLst.height * factor ? guide : undefined;
}

/**
 * A copy of the fine pixels of the estimate guide that `estimateGuideShift` reads (the centred
 * window and the search margin: ~1 M pixels of a full tile), so the guide itself can go elsewhere
 * (packed on another thread) while the shift is estimated. Undefined where there is nothing to estimate.
 */
export function guideSample(coarseLst: Raster, fineAux: Partial<Record<AuxName, Raster>>, factor: number): GuideSample | undefined {
  const guide = estimateGuide(coarseLst, fineAux, factor);
  if (!guide) return undefined;
  const g = fineAux[guide]!;
  const { cw, ch, cx0, cy0 } = coarseWindow(coarseLst.width, coarseLst.height);
  const m = GUIDE_SHIFT_MAX_PX;
  const col = Math.max(0, cx0 * factor - m);
  const row = Math.max(0, cy0 * factor - m);
  const at = { col, row, width: Math.min(g.width, (cx0 + cw) * factor + m) - col, height: Math.min(g.height, (cy0 + ch) * factor + m) - row };
  return { guide, data: extractTile(g.data, g.width, g.height, at), at };
}

/**
 * Estimates the guides' shift against the coarse LST (`factor` = fine/coarse pixel ratio, grids
 * aligned at the origin) and whether the data support applying it (`applied`, `moved`: the guides
 * it moves); from `sample` (`guideSample` of these layers) where given, else from the guide itself.
 * Undefined when there is no reflectance guide.
 */
export function estimateGuideShift(coarseLst: Raster, fineAux: Partial<Record<AuxName, Raster>>, factor: number, sample?: GuideSample): GuideShift | undefined {
  return finish(estimateGuideShiftInSteps(coarseLst, fineAux, factor, sample));
}

/** `estimateGuideShift` in steps (a few hundred ms on a full MODIS tile): it yields between passes, so a caller can pause there; the same result. */
export function* estimateGuideShiftInSteps(coarseLst: Raster, fineAux: Partial<Record<AuxName, Raster>>, factor: number, sample?: GuideSample): Generator<void, GuideShift | undefined> {
  const guide = estimateGuide(coarseLst, fineAux, factor);
  if (!guide) return undefined;
  if (sample && sample.guide !== guide) throw new AppError('INTERNAL', `A guide sample of ${sample.guide} was given; the estimate reads ${guide}.`);
  const e = yield* estimateShiftInSteps(coarseLst.data, coarseLst.width, coarseLst.height, sample ?? fineAux[guide]!.data, factor);
  const base = { guide, dxPx: 0, dyPx: 0, bestDxPx: e.dxPx, bestDyPx: e.dyPx, corr0: e.corr0, corrBest: e.corrBest, applied: false, moved: [] as AuxName[] };
  let reason: string | undefined;
  if (e.corr0 !== e.corr0) reason = 'the LST and the guide have too little local contrast to compare';
  else if (!(Math.abs(e.corr0) >= MIN_GUIDE_CORRELATION)) reason = `its correlation with the LST (${e.corr0.toFixed(2)}) is too weak to place it`;
  else if (e.dxPx === 0 && e.dyPx === 0) reason = 'it already lines up with the LST';
  else if (Math.abs(e.dxPx) >= GUIDE_SHIFT_MAX_PX || Math.abs(e.dyPx) >= GUIDE_SHIFT_MAX_PX) reason = `the best shift lies at the edge of the search (${GUIDE_SHIFT_MAX_PX} px)`;
  else if (Math.abs(e.corrBest) - Math.abs(e.corr0) < MIN_CORRELATION_GAIN) reason = 'a shift does not fit the LST clearly better';
  if (reason) return { ...base, reason };
  return { ...base, dxPx: e.dxPx, dyPx: e.dyPx, applied: true, moved: REGISTERED_GUIDES.filter((n) => fineAux[n]) };
}

/** The layers with the guides `shift` moves (`estimateGuideShift`, applied) moved onto the LST's frame; the others as they are. */
export function applyGuideShift(fineAux: Partial<Record<AuxName, Raster>>, shift: GuideShift): Partial<Record<AuxName, Raster>> {
  const aux: Partial<Record<AuxName, Raster>> = { ...fineAux };
  for (const n of shift.applied ? shift.moved : []) aux[n] = shiftRaster(fineAux[n]!, shift.dxPx, shift.dyPx);
  return aux;
}

/**
 * Estimates the guides' shift against the coarse LST (`factor` = fine/coarse pixel ratio, grids
 * aligned at the origin) and, where the data support it, returns the fine guides moved onto the
 * LST's frame. Undefined when there is no reflectance guide.
 */
export function registerGuides(coarseLst: Raster, fineAux: Partial<Record<AuxName, Raster>>, factor: number): { aux: Partial<Record<AuxName, Raster>>; shift: GuideShift } | undefined {
  const shift = estimateGuideShift(coarseLst, fineAux, factor);
  if (!shift) return undefined;
  return { aux: shift.applied ? applyGuideShift(fineAux, shift) : fineAux, shift };
}

const LABEL: Partial<Record<AuxName, string>> = { ndvi: 'NDVI', ndwi: 'NDWI', nir: 'NIR', swir: 'SWIR' };
const label = (n: AuxName) => LABEL[n] ?? n;

/** How to keep the guides where they are, in the app (the default of `guideShiftNote`). */
export const KEEP_GUIDES_IN_APP = 'To keep them where they are, tick "Keep guides in place" in the run panel.';

/**
 * One sentence for notes, the CLI and the app. `fineM`: the guides' pixel size in metres;
 * `keepHint`: how to keep the guides in place where the note is shown (the CLI gives its option).
 */
export function guideShiftNote(s: GuideShift, fineM: number, names: Partial<Record<AuxName | 'lst', string>> = {}, keepHint = KEEP_GUIDES_IN_APP): string {
  const from = names[s.guide] ?? label(s.guide);
  if (!s.applied) return `Guide registration: ${from} kept in place: ${s.reason}.`;
  const dir = (v: number, pos: string, neg: string) => `${Math.round(Math.abs(v) * fineM)} m ${v >= 0 ? pos : neg}`;
  return (
    `Guide registration: ${s.moved.map(label).join(', ')} moved ${dir(s.dxPx, 'east', 'west')} and ${dir(s.dyPx, 'south', 'north')} ` +
    `(${s.dxPx}, ${s.dyPx} px) onto the LST's frame, the shift at which ${from} fits the LST best (correlation ${s.corr0.toFixed(3)} -> ${s.corrBest.toFixed(3)}). ` +
    keepHint
  );
}
