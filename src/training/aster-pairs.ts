import { blockTexture } from '../core/raster/texture.ts';
import { pixelToWorld } from '../core/geo/affine.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { reprojectRaster } from '../core/raster/reproject.ts';
import { correlation, shiftBilinear } from '../core/raster/shift.ts';

/** Fine (250 m) pixels per MODIS 1 km pixel. */
export const ASTER_FACTOR = 4;
/** A 1 km block is scored / trained only when at least this many of its 16 ASTER pixels are valid. */
export const MIN_VALID_PER_BLOCK = 12;

/** Estimated shift of ASTER relative to the MODIS NDVI, fine (250 m) pixels: ASTER(x + dx, y + dy) matches NDVI(x, y). */
export interface RegistrationShift {
  /** East (+) shift, fine px. */
  dxPx: number;
  /** South (+) shift, fine px. */
  dyPx: number;
  /** Correlation of NDVI texture with ASTER texture at the chosen shift. */
  corr: number;
  /** The same correlation without a shift. */
  corr0: number;
}

/**
 * One MODIS-ASTER pair on the MODIS lattice: `w` x `h` 1 km pixels fully covered by the NDVI,
 * 250 m fields `4w` x `4h`, row-major.
 */
export interface AsterPair {
  id: string;
  /** Centre of the pair, MODIS sinusoidal metres (for splitting by place). */
  centreX: number;
  centreY: number;
  w: number;
  h: number;
  /** The 1 km grid of the pair (a window of the MOD21A1D patch). */
  coarseGrid: Grid;
  /** MODIS LST, K, `w*h`. */
  modisK: Float32Array;
  /** MOD09GQ NDVI on the 250 m lattice, NaN invalid. */
  ndvi: Float32Array;
  /** ASTER LST warped onto the 250 m lattice, not shifted (ASTER's own frame), K, NaN invalid. */
  asterK: Float32Array;
  /** ASTER LST warped with the registration shift applied (NDVI's frame), K, NaN invalid. */
  asterRegK: Float32Array;
  shift: RegistrationShift;
  /**
   * Training target on the 250 m lattice: MODIS 1 km plus ASTER's (registered) sub-1 km texture,
   * so every 1 km block mean equals MODIS (per-pair offset and everything coarser than 1 km
   * removed). NaN in blocks with fewer than MIN_VALID_PER_BLOCK valid ASTER pixels.
   */
  targetK: Float32Array;
}


/**
 * Estimates the shift of ASTER relative to NDVI that makes their sub-1 km textures agree best:
 * minimises the (negative) correlation of NDVI texture with shifted ASTER texture over shifts of
 * -`maxPx`..`maxPx` fine pixels in steps of `stepPx`. Daytime LST falls with vegetation cover, so
 * the correlation sought is negative. Returns no shift when no shift reaches -0.05.
 */
export function estimateShift(ndvi: Float32Array, asterK: Float32Array, fw: number, fh: number, maxPx = 3, stepPx = 0.25): RegistrationShift {
  const nt = blockTexture(ndvi, fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK);
  const corrAt = (dx: number, dy: number) => correlation(nt, blockTexture(dx === 0 && dy === 0 ? asterK : shiftBilinear(asterK, fw, fh, dx, dy), fw, fh, ASTER_FACTOR, MIN_VALID_PER_BLOCK));
  const corr0 = corrAt(0, 0);
  let best = { dxPx: 0, dyPx: 0, corr: corr0 };
  // Coarse search on whole pixels, then refine around the best in `stepPx` steps.
  for (let dy = -maxPx; dy <= maxPx; dy++) {
    for (let dx = -maxPx; dx <= maxPx; dx++) {
      const c = corrAt(dx, dy);
      if (c < best.corr) best = { dxPx: dx, dyPx: dy, corr: c };
    }
  }
  const cx = best.dxPx;
  const cy = best.dyPx;
  for (let dy = cy - 1; dy <= cy + 1 + 1e-9; dy += stepPx) {
    for (let dx = cx - 1; dx <= cx + 1 + 1e-9; dx += stepPx) {
      if (Math.abs(dx) > maxPx || Math.abs(dy) > maxPx) continue;
      const c = corrAt(dx, dy);
      if (c < best.corr) best = { dxPx: dx, dyPx: dy, corr: c };
    }
  }
  if (!(best.corr < -0.05)) return { dxPx: 0, dyPx: 0, corr: corr0, corr0 };
  return { ...best, corr0 };
}

/** `grid` moved by (`dxPx`, `dyPx`) of its own pixels (east, south). */
function shiftedGrid(grid: Grid, dxPx: number, dyPx: number): Grid {
  const [x, y] = pixelToWorld(grid.transform, dxPx, dyPx);
  const t = grid.transform;
  return { ...grid, transform: [x, t[1], t[2], y, t[4], t[5]] };
}

/** MODIS 1 km plus the 250 m texture of `fineK` (block means replaced by MODIS). */
export function textureOnModis(modisK: Float32Array, w: number, fineK: Float32Array, minValid = MIN_VALID_PER_BLOCK): Float32Array {
  const fw = ASTER_FACTOR * w;
  const tex = blockTexture(fineK, fw, fineK.length / fw, ASTER_FACTOR, minValid);
  const out = new Float32Array(tex.length);
  for (let i = 0; i < out.length; i++) {
    const y = Math.floor(i / fw);
    const x = i % fw;
    out[i] = modisK[Math.floor(y / ASTER_FACTOR) * w + Math.floor(x / ASTER_FACTOR)] + tex[i];
  }
  return out;
}

/**
 * Builds a pair from the three rasters of one folder (MOD21A1D LST 1 km, MOD09GQ NDVI 250 m, ASTER
 * LST in UTM): keeps the 1 km pixels the NDVI covers fully, warps ASTER onto their 250 m lattice
 * with the project's reprojection, estimates the NDVI-ASTER registration shift and warps ASTER
 * again with it, and forms the target (MODIS 1 km + registered ASTER texture).
 */
export function buildAsterPair(id: string, lst: Raster, ndvi: Raster, aster: Raster): AsterPair {
  const cs = lst.transform[1];
  const fs = ndvi.transform[1];
  const f = Math.round(cs / fs);
  if (f !== ASTER_FACTOR) throw new Error(`pair ${id}: NDVI pixel ${fs} m is not a quarter of the LST pixel ${cs} m`);
  // Coarse pixels fully inside the NDVI patch.
  const ox = (ndvi.transform[0] - lst.transform[0]) / cs;
  const oy = (ndvi.transform[3] - lst.transform[3]) / lst.transform[5];
  const cx0 = Math.max(0, Math.ceil(ox - 1e-6));
  const cy0 = Math.max(0, Math.ceil(oy - 1e-6));
  const cx1 = Math.min(lst.width, Math.floor(ox + ndvi.width / f + 1e-6));
  const cy1 = Math.min(lst.height, Math.floor(oy + ndvi.height / f + 1e-6));
  const w = cx1 - cx0;
  const h = cy1 - cy0;
  const modisK = new Float32Array(w * h);
  for (let y = 0; y < h; y++) modisK.set(lst.data.subarray((cy0 + y) * lst.width + cx0, (cy0 + y) * lst.width + cx1), y * w);
  const [gx, gy] = pixelToWorld(lst.transform, cx0, cy0);
  const coarseGrid: Grid = { width: w, height: h, crs: lst.crs, transform: [gx, cs, 0, gy, 0, lst.transform[5]] };
  const fineGrid: Grid = { width: f * w, height: f * h, crs: lst.crs, transform: [gx, cs / f, 0, gy, 0, lst.transform[5] / f] };
  const nx0 = Math.round((cx0 - ox) * f);
  const ny0 = Math.round((cy0 - oy) * f);
  const fw = f * w;
  const ndviFine = new Float32Array(fw * f * h);
  for (let y = 0; y < f * h; y++) ndviFine.set(ndvi.data.subarray((ny0 + y) * ndvi.width + nx0, (ny0 + y) * ndvi.width + nx0 + fw), y * fw);
  const asterK = reprojectRaster(aster, fineGrid, 'bilinear').data;
  const shift = estimateShift(ndviFine, asterK, fw, f * h);
  const asterRegK = shift.dxPx === 0 && shift.dyPx === 0 ? asterK : reprojectRaster(aster, shiftedGrid(fineGrid, shift.dxPx, shift.dyPx), 'bilinear').data;
  const [ccx, ccy] = pixelToWorld(coarseGrid.transform, w / 2, h / 2);
  return { id, centreX: ccx, centreY: ccy, w, h, coarseGrid, modisK, ndvi: ndviFine, asterK, asterRegK, shift, targetK: textureOnModis(modisK, w, asterRegK) };
}

/**
 * Splits pairs by place: spatial blocks of `blockM` metres in sinusoidal x/y; a block goes to
 * validation when its index (sorted by x then y) is 1 mod `every`. Pairs in one block never
 * straddle the split.
 */
export function splitByPlace<T extends { centreX: number; centreY: number }>(pairs: T[], blockM = 100_000, every = 4): { train: T[]; validation: T[]; blocks: number } {
  const key = (p: T) => `${Math.floor(p.centreX / blockM)},${Math.floor(p.centreY / blockM)}`;
  const keys = [...new Set(pairs.map(key))].sort((a, b) => {
    const [ax, ay] = a.split(',').map(Number);
    const [bx, by] = b.split(',').map(Number);
    return ax - bx || ay - by;
  });
  const val = new Set(keys.filter((_, i) => i % every === 1));
  return { train: pairs.filter((p) => !val.has(key(p))), validation: pairs.filter((p) => val.has(key(p))), blocks: keys.length };
}
