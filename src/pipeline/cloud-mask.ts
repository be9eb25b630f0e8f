import { isAppError } from '../core/errors.ts';
import { pixelToWorld, pixelSize, worldToPixel } from '../core/geo/affine.ts';
import { sameCrs, transformPoints } from '../core/geo/crs.ts';
import { gridBoundsIn, gridOverlap, isNorthUp } from '../core/geo/grid.ts';
import { STEP_PX, type Steps } from '../core/progress.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { reprojectRasterInSteps } from '../core/raster/reproject.ts';
import { alignToGridInSteps, type AlignedRaster } from './align.ts';
import type { CloudMaskPart, SceneMaskReport } from './mask-report.ts';
import type { LabelledBand } from './scene-assembly.ts';

/**
 * Largest share of an LST pixel's footprint that a finer cloud mask may call not clear before the
 * LST pixel is masked (the share is compared with `>`). A cloud top is some 20-60 K colder than
 * the ground, so a footprint a share s cloudy reads roughly s x 30 K too cold: 5 % is about
 * 1.5 K, below the 2 K LST error the default MOD11 QC lets through; a thin cloud edge over a 1 km
 * pixel already passes it. Fmask itself dilates cloud by 3 pixels (90 m), so its edges are in.
 */
export const CLOUD_SHARE_LIMIT = 0.05;

/** Most mask samples per LST pixel side (64 x 64 = 4096 per pixel: a 10 m mask under 1 km is sampled every 16 m). */
const MAX_SAMPLES_PER_SIDE = 64;

/** Mask pixels this much finer than the LST (side ratio) or less count as the same size: projection distortion aside, nearest sampling is then as good. */
const SAME_SIZE_RATIO = 1.05;

/** What a mask read as not 0 calls not clear, in words. */
export const NOT_ZERO_WORDS = 'every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow';

/** How a cloud-mask band's values say "not clear". */
export interface CloudReading {
  kind: 'nonzero' | 'landsat-bqa-pre-collection' | 'landsat-bqa-collection-1' | 'landsat-qa-pixel';
  /** What "not clear" means for it, for the user: 'every pixel where it is not 0: …'. */
  words: string;
}

/**
 * How to read a cloud mask's values. Landsat quality bands are bit fields whose clear pixels are
 * not 0: a band named QA_PIXEL (Collection 2) is cloudy where it flags dilated cloud, cloud or
 * cloud shadow (bits 1, 3, 4), fill (bit 0) is no value; a band named BQA is a Collection 1 BQA
 * when every value is below 2^13 (its bits 13-15 are unused: cloud bit 4, cloud shadow confidence
 * bits 7-8), else a pre-Collection Landsat 8 BQA (cloud confidence bits 14-15, as the training
 * manifest reads it), fill bit 0 no value either way. Anything else (Fmask, ECOSTRESS cloud_mask)
 * is not clear wherever it is not 0.
 */
export function cloudReading(name: string, data: Float32Array): CloudReading {
  const n = name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  if (/(^|_)qa_pixel(_|$)/.test(n)) return { kind: 'landsat-qa-pixel', words: 'where it flags cloud, dilated cloud or cloud shadow, read as a Landsat Collection 2 QA_PIXEL band' };
  if (/(^|_)bqa(_|$)/.test(n)) {
    let max = 0;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    return max >= 1 << 13
      ? { kind: 'landsat-bqa-pre-collection', words: 'where its cloud confidence is medium or high, read as a pre-Collection Landsat 8 BQA' }
      : { kind: 'landsat-bqa-collection-1', words: 'where it flags cloud or its cloud shadow confidence is medium or high, read as a Landsat Collection 1 BQA' };
  }
  return { kind: 'nonzero', words: NOT_ZERO_WORDS };
}

/** 1 where `v` (a cloud mask value read as `kind`) is not clear, 0 where clear, NaN where it says nothing. */
function notClear(v: number, kind: CloudReading['kind']): number {
  if (v !== v) return Number.NaN;
  if (kind === 'nonzero') return v !== 0 ? 1 : 0;
  if (v & 1) return Number.NaN;
  if (kind === 'landsat-qa-pixel') return v & 0b11010 ? 1 : 0;
  if (kind === 'landsat-bqa-pre-collection') return ((v >> 14) & 3) >= 2 ? 1 : 0;
  return v & 0b10000 || ((v >> 7) & 3) >= 2 ? 1 : 0;
}

/**
 * Mask samples per LST pixel side when `mask` has finer pixels than `lst` (the ratio of their
 * sides, rounded up, at most 64), or 1 when it is not finer (coarser, the same size, or within 5 %
 * of it). Pixel sides are compared in the LST's CRS: a mask in another CRS is measured by the
 * area of a block of its pixels at its centre taken there.
 */
export function samplesPerLstPixel(mask: Grid, lst: Grid): number {
  const l = pixelSize(lst.transform);
  const lstSide = Math.sqrt(l.x * l.y);
  let maskSide: number;
  if (sameCrs(mask.crs, lst.crs)) {
    const m = pixelSize(mask.transform);
    maskSide = Math.sqrt(m.x * m.y);
  } else {
    // The area of a 10 x 10 block of mask pixels at its centre, taken to the LST's CRS (a parallelogram there).
    const c = Math.floor(mask.width / 2);
    const r = Math.floor(mask.height / 2);
    const pts = [pixelToWorld(mask.transform, c, r), pixelToWorld(mask.transform, c + 10, r), pixelToWorld(mask.transform, c, r + 10)];
    const xs = Float64Array.from(pts, (p) => p[0]);
    const ys = Float64Array.from(pts, (p) => p[1]);
    transformPoints(mask.crs, lst.crs, xs, ys);
    const area = Math.abs((xs[1] - xs[0]) * (ys[2] - ys[0]) - (xs[2] - xs[0]) * (ys[1] - ys[0]));
    if (!(area > 0)) return 1;
    maskSide = Math.sqrt(area) / 10;
  }
  const ratio = lstSide / maskSide;
  if (!(ratio > SAME_SIZE_RATIO)) return 1;
  return Math.min(MAX_SAMPLES_PER_SIDE, Math.ceil(ratio - 1e-9));
}


/**
 * The share of not-clear mask pixels under each LST pixel's footprint: each LST pixel is split
 * into `k` x `k` sub-pixels (about one per mask pixel), the mask's values are sampled at their
 * centres by georeference (nearest, reprojected with proj4 across CRSs) and read as `reading`
 * there, so the mask is never copied whole, and the not-clear ones are counted over those with a
 * value. Works on blocks of LST rows inside the mask's extent, yielding after each block of about
 * STEP_PX / 4 samples. The result holds per LST pixel the share (0..1) of its samples that are
 * not clear, NaN where no sample has a value.
 */
export function* cloudShareInSteps(mask: Raster, reading: CloudReading, lst: Grid, k: number): Steps<Float64Array> {
  const W = lst.width;
  const share = new Float64Array(W * lst.height).fill(Number.NaN);
  const win = lstWindow(mask, lst);
  if (!win) return share;
  const winW = win.c1 - win.c0;
  // A quarter of STEP_PX samples a block: sampled by georeference and counted, each costs about four plain resampled pixels.
  const rowsPerBlock = Math.max(1, Math.floor(STEP_PX / 4 / (winW * k * k)));
  const cloudy = new Uint32Array(winW);
  const total = new Uint32Array(winW);
  const t = lst.transform;
  for (let r0 = win.r0; r0 < win.r1; r0 += rowsPerBlock) {
    if (r0 > win.r0) yield;
    const r1 = Math.min(win.r1, r0 + rowsPerBlock);
    const [x, y] = pixelToWorld(t, win.c0, r0);
    const sub: Grid = { width: winW * k, height: (r1 - r0) * k, transform: [x, t[1] / k, t[2] / k, y, t[4] / k, t[5] / k], crs: lst.crs };
    const samples = (yield* reprojectRasterInSteps(mask, sub, 'nearest')).data;
    countShares(samples, reading.kind, winW, k, r1 - r0, cloudy, total, share, W, r0 * W + win.c0);
  }
  return share;
}

/** LST pixel rows and columns the mask's extent touches (north-up LST), or the whole grid; undefined when it touches none. */
function lstWindow(mask: Grid, lst: Grid): { c0: number; c1: number; r0: number; r1: number } | undefined {
  const whole = { c0: 0, c1: lst.width, r0: 0, r1: lst.height };
  if (!isNorthUp(lst)) return whole;
  const b = gridBoundsIn(mask, lst.crs);
  if (!b) return undefined;
  const [ca, ra] = worldToPixel(lst.transform, b.minX, b.maxY);
  const [cb, rb] = worldToPixel(lst.transform, b.maxX, b.minY);
  const c0 = Math.max(0, Math.floor(Math.min(ca, cb)));
  const c1 = Math.min(lst.width, Math.ceil(Math.max(ca, cb)));
  const r0 = Math.max(0, Math.floor(Math.min(ra, rb)));
  const r1 = Math.min(lst.height, Math.ceil(Math.max(ra, rb)));
  return c1 > c0 && r1 > r0 ? { c0, c1, r0, r1 } : undefined;
}

/**
 * Counts the mask values sampled under `rows` LST rows (`k` x `k` each, `winW` LST pixels wide),
 * read as `kind`, into `share` from index `at` (row stride `W`). A plain function for speed.
 */
function countShares(samples: Float32Array, kind: CloudReading['kind'], winW: number, k: number, rows: number, cloudy: Uint32Array, total: Uint32Array, share: Float64Array, W: number, at: number): void {
  const subW = winW * k;
  for (let r = 0; r < rows; r++) {
    cloudy.fill(0);
    total.fill(0);
    for (let sr = r * k; sr < (r + 1) * k; sr++) {
      const o = sr * subW;
      for (let sc = 0; sc < subW; sc++) {
        const v = notClear(samples[o + sc], kind);
        if (v !== v) continue;
        const c = (sc / k) | 0;
        total[c]++;
        if (v === 1) cloudy[c]++;
      }
    }
    for (let c = 0; c < winW; c++) if (total[c] > 0) share[at + r * W + c] = cloudy[c] / total[c];
  }
}

/** One cloud mask brought onto the LST grid: 1 per LST pixel it calls not clear, and how. */
export interface CloudOnLst {
  mask: LabelledBand;
  notClear: Uint8Array;
  reading: CloudReading;
  /** 'finer': by the share of its pixels under each LST pixel (`cloudShareInSteps`); else as `alignToGrid`. */
  how: 'same-grid' | 'reprojected' | 'finer';
  /** Share of the LST the mask covers: of the LST grid ('reprojected', as `alignToGrid`), of the valid LST pixels ('finer'). */
  coverage: number;
  /** Finer masks: valid LST pixels with some not-clear share, at most CLOUD_SHARE_LIMIT, kept. */
  keptUnderLimit: number;
}

/**
 * One cloud mask on the LST grid, or why not. A mask with finer pixels than the LST masks an LST
 * pixel when more than CLOUD_SHARE_LIMIT of the mask pixels under its footprint are not clear; a
 * mask coarser than the LST or of its size is taken at the nearest mask pixel.
 */
export function* cloudOnLstGridInSteps(lst: Raster, mask: LabelledBand): Steps<CloudOnLst | { reason: string }> {
  const reading = cloudReading(`${mask.name} ${mask.band.name}`, mask.band.raster.data);
  const values = mask.band.raster;
  const k = samplesPerLstPixel(values, lst);
  const onLst = new Uint8Array(lst.data.length);
  if (k > 1) {
    if (!gridOverlap(lst, values)) return { reason: 'it does not cover the same place as the LST' };
    const share = yield* cloudShareInSteps(values, reading, lst, k);
    let keptUnderLimit = 0;
    let valid = 0;
    let covered = 0;
    for (let i = 0; i < onLst.length; i++) {
      if (share[i] > CLOUD_SHARE_LIMIT) onLst[i] = 1;
      if (lst.data[i] !== lst.data[i]) continue;
      valid++;
      if (share[i] === share[i]) covered++;
      if (share[i] > 0 && share[i] <= CLOUD_SHARE_LIMIT) keptUnderLimit++;
    }
    // Coverage of the valid LST: where the LST is fill, a mask that says nothing leaves nothing unmasked.
    return { mask, notClear: onLst, reading, how: 'finer', coverage: valid ? covered / valid : 1, keptUnderLimit };
  }
  // The mask's own values go on the LST grid (nearest) and are read there: the same as reading them first.
  const onGrid = yield* maskOnLstGridInSteps(lst, values, mask.name);
  if ('reason' in onGrid) return onGrid;
  const m = onGrid.raster.data;
  for (let i = 0; i < onLst.length; i++) if (notClear(m[i], reading.kind) === 1) onLst[i] = 1;
  return { mask, notClear: onLst, reading, how: onGrid.how, coverage: onGrid.coverage, keptUnderLimit: 0 };
}

/** A mask of the LST's size or coarser on the LST grid by georeference (nearest pixel, `alignToGrid`), or why not. */
function* maskOnLstGridInSteps(lst: Raster, mask: Raster, name: string): Steps<AlignedRaster | { reason: string }> {
  try {
    return yield* alignToGridInSteps(mask, lst, { categorical: true, name });
  } catch (e) {
    if (isAppError(e) && e.code === 'NO_OVERLAP') return { reason: 'it does not cover the same place as the LST' };
    throw e;
  }
}

/**
 * The cloud masks `placed` on the LST together: `keep` is `lstKeep` (1 = keep, from the QC; all
 * when absent; not changed) with 0 wherever the LST is valid and any mask says not clear, and
 * `count` what they take of the LST pixels `lstKeep` kept, together and each alone, for the note.
 */
export function combineCloudMasks(lst: Raster, placed: CloudOnLst[], lstKeep: Uint8Array | undefined): { keep: Uint8Array; count: NonNullable<SceneMaskReport['cloudMask']> } {
  const d = lst.data;
  const keep = lstKeep ? lstKeep.slice() : new Uint8Array(d.length).fill(1);
  const alone = placed.map(() => 0);
  let valid = 0;
  let masked = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== d[i] || !keep[i]) continue;
    valid++;
    let any = false;
    for (let j = 0; j < placed.length; j++) {
      if (!placed[j].notClear[i]) continue;
      any = true;
      alone[j]++;
    }
    if (any) {
      keep[i] = 0;
      masked++;
    }
  }
  const parts: CloudMaskPart[] = placed.map((c, j) => ({
    name: c.mask.name,
    reading: c.reading.words,
    masked: alone[j],
    ...(c.how === 'same-grid' ? {} : { how: c.how, coverage: c.coverage }),
    ...(c.how === 'finer' ? { keptUnderLimit: c.keptUnderLimit, ...pixelSizesWords(c.mask.band.raster, lst) } : {}),
  }));
  const used = placed.map((c) => c.mask);
  const single = placed.length === 1 && placed[0].how === 'reprojected' ? { coverage: placed[0].coverage } : {};
  const count = { valid, masked, share: valid ? masked / valid : 0, name: used.map((b) => b.name).join(' + '), ...single, parts };
  return { keep, count };
}

/** A finer mask's and the LST's pixel sizes in words, when both are in one CRS: 'sizes: 30 m mask pixels under 300 m LST pixels'. */
function pixelSizesWords(mask: Raster, lst: Raster): { sizes?: string } {
  if (!sameCrs(mask.crs, lst.crs)) return {};
  const size = (x: number): string => (lst.crs.isGeographic ? `${x.toPrecision(3)}°` : `${Math.round(x)} m`);
  return { sizes: `${size(pixelSize(mask.transform).x)} mask pixels under ${size(pixelSize(lst.transform).x)} LST pixels` };
}
