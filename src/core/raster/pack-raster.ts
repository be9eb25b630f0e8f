import type { Raster } from './raster.ts';
import { gridOf } from './raster.ts';
import { newBands, PACKED_NAN, type Bands, type PackedRaster } from './packed.ts';

/**
 * Steps tried, coarse to fine: the scale factors of the products (DEM and land cover 1, MODIS LST
 * 0.02, albedo 0.001, NDVI, EVI and surface reflectance 0.0001) and their usual neighbours.
 */
const SCALES: readonly number[] = [1, 0.5, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005, 0.00001];

/** Pixels of `packWide`'s first pass between two yields (about a band's worth). */
const WIDE_PAUSE_PX = 1 << 20;

/** Scales at which every value of a sample of `data`'s valid pixels is an exact integer multiple. */
function sampledScales(data: Float32Array): number[] {
  const sample: number[] = [];
  const stride = Math.max(1, Math.floor(data.length / 4096));
  for (let i = 0; i < data.length && sample.length < 4096; i += stride) if (data[i] === data[i]) sample.push(data[i]);
  if (sample.length === 0) return [];
  return SCALES.filter((scale) => sample.every((v) => Math.fround(Math.round(v / scale) * scale) === v));
}

/**
 * One pass: codes at `scale` with base 0, or undefined when a value is not exactly `code x scale`
 * as float32 (-0 included: it would come back +0), or 'wide' when the codes leave int16's range.
 */
function* packAt(d: Float32Array, scale: number, bands: () => Bands): Generator<void, Bands | 'wide' | undefined> {
  const inv = 1 / scale;
  const out = bands();
  let i = 0;
  for (const codes of out.bands) {
    if (i > 0) yield;
    for (let j = 0; j < codes.length; j++, i++) {
      const v = d[i];
      if (v !== v) {
        codes[j] = PACKED_NAN;
        continue;
      }
      const x = v * inv;
      if (!(x > -32767.5 && x < 32767.5)) return 'wide';
      // Round half away from zero; a wrong rounding fails the exactness check below.
      const k = (x >= 0 ? x + 0.5 : x - 0.5) | 0;
      if (Math.fround(k * scale) !== v || (v === 0 && 1 / v < 0)) return undefined;
      codes[j] = k;
    }
  }
  return out;
}

/** `packAt` for integers that span more than int16's half: codes offset by a base (uint16 DN). */
function* packWide(d: Float32Array, scale: number, bands: () => Bands): Generator<void, (Bands & { base: number }) | undefined> {
  let kMin = Infinity;
  let kMax = -Infinity;
  for (let i = 0; i < d.length; i++) {
    if (i > 0 && i % WIDE_PAUSE_PX === 0) yield;
    const v = d[i];
    if (v !== v) continue;
    const k = Math.round(v / scale);
    if (Math.fround(k * scale) !== v || (v === 0 && 1 / v < 0)) return undefined;
    if (k < kMin) kMin = k;
    if (k > kMax) kMax = k;
  }
  if (kMax - kMin > 65534) return undefined;
  const base = kMin + 32767;
  const out = bands();
  let i = 0;
  for (const codes of out.bands) {
    if (i > 0) yield;
    for (let j = 0; j < codes.length; j++, i++) codes[j] = d[i] === d[i] ? Math.round(d[i] / scale) - base : PACKED_NAN;
  }
  return { ...out, base };
}

/** The codes of a packed layer without its grid: what `packCodes` makes (and a worker thread hands back). */
export interface PackedCodes extends Bands {
  scale: number;
  base: number;
}

/**
 * `packRaster` of a row-major `width` x `height` float32 field, without a grid: its codes, or
 * undefined where it does not pack. What a worker thread runs to pack a field it was handed
 * (cli/read-workers.ts), the same codes as `packRaster`; into `into` (`newBands(width, height)`
 * made by the caller, every code written) where given, else into new bands of `bandRows` rows.
 */
export function packCodes(data: Float32Array, width: number, height: number, bandRows?: number, into?: Bands): PackedCodes | undefined {
  return finish(packCodesInSteps(data, width, height, bandRows, into));
}

/** `packCodes` a band of codes at a time: it yields between bands (and passes), so a caller can pause there. */
function* packCodesInSteps(data: Float32Array, width: number, height: number, bandRows?: number, into?: Bands): Generator<void, PackedCodes | undefined> {
  const bands = () => into ?? newBands(width, height, bandRows);
  for (const scale of sampledScales(data)) {
    const codes = yield* packAt(data, scale, bands);
    if (codes && codes !== 'wide') return { ...codes, scale, base: 0 };
    const wide = codes === 'wide' ? yield* packWide(data, scale, bands) : undefined;
    if (wide) return { ...wide, scale };
    yield;
  }
  return undefined;
}

/** Runs steps to their end. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Packs a float32 raster into int16 codes when that is lossless: every valid value is an integer
 * multiple of one of the product scale factors (as the readers decode MODIS int16 products: DN x
 * scale) and the integers span at most 65 535 codes (one is kept for NaN). Returns undefined
 * otherwise (a resampled or shifted layer, float data): the caller keeps the float32 raster.
 * One pass over the pixels for a product that packs; the result owns new memory (`r` is not referenced),
 * in bands of `bandRows` rows (default: ~2 MiB a band).
 */
export function packRaster(r: Raster, bandRows?: number): PackedRaster | undefined {
  return finish(packRasterInSteps(r, bandRows));
}

/**
 * `packRaster` in steps: it yields after each band of codes it fills (~1 M pixels with the default
 * bands), so that a caller with other work to let in (a cancel) can pause there; the same result.
 */
export function* packRasterInSteps(r: Raster, bandRows?: number): Generator<void, PackedRaster | undefined> {
  const codes = yield* packCodesInSteps(r.data, r.width, r.height, bandRows);
  return codes && { ...gridOf(r), ...codes };
}
