import { AppError } from '../core/errors.ts';
import type { PixelWindow } from '../core/geo/grid.ts';
import { addLinearSums, correctLinearBlock, linearResult, linearSums, type LinearCorrection } from '../core/raster/correct.ts';
import type { Grid } from '../core/raster/raster.ts';
import { pasteTile, type TileSpec } from '../core/raster/tiling.ts';
import { releaseArray } from '../core/release-buffer.ts';

/**
 * Takes the last stage's output band by band, top to bottom, instead of as whole rasters (the CLI
 * streams it into its GeoTIFFs: `DownscaleOptions.lastStageSink`).
 */
export interface StageSink {
  /** Before the first band: the stage, its fine grid and whether an uncertainty band comes. */
  open(info: { stage: number; grid: Grid; hasSigma: boolean }): Promise<void> | void;
  /**
   * Fine rows `row` .. of the final LST (K, NaN invalid; residual-corrected) and, when the stage
   * has one, its sigma (K): `lst.length / grid.width` whole rows, the next after the last band's.
   * The arrays become the sink's. The next band waits for this promise.
   */
  rows(band: { row: number; lst: Float32Array; sigma?: Float32Array }): Promise<void>;
  /**
   * Optional, before `rows`: fine columns `col` .. `col + width` - 1 of the band at fine row `row`
   * are final (residual-corrected) in `lst` and `sigma`, the arrays `rows` hands over later with the
   * same values (the sink must not change them). Column blocks come as their tiles complete, in
   * any order, bands not in order; a sink may start on them (the CLI compresses the GeoTIFF tiles
   * there while later tiles run). A throw fails the stage (at its next tile, or at its end).
   */
  columns?(part: { row: number; col: number; width: number; lst: Float32Array; sigma?: Float32Array }): void;
  /** Every row was given: finish the output. */
  close(): Promise<void>;
  /** The stage failed or was cancelled: drop what was written (no partial output left). */
  abort(): Promise<void>;
}

/** Coarse rows per band: 256 fine rows, a row of 256 px GeoTIFF tiles. */
export const BAND_COARSE_ROWS = 128;

/** Coarse columns per column block of a band (`StageSink.columns`): 256 fine columns, a column of 256 px GeoTIFF tiles. */
export const BAND_COARSE_COLS = 128;

/**
 * Adds the variance carried in from earlier stages (`prev`, on the stage's coarse grid `cw` wide)
 * to the stage's sigma, each fine pixel taking its coarse pixel's, and returns what goes on: the
 * stage's own carried variance plus `prev`, on the fine grid (undefined after the last stage, which
 * passes nothing on). `sigma` may be a band of the fine grid starting at fine row `fineRow0` (even);
 * only its fine columns `fineCol0` .. `fineCol1` - 1 (even) are done.
 */
export function addCarried(sigma: Float32Array, own: Float32Array | undefined, prev: Float32Array, cw: number, last: boolean, fineRow0 = 0, fineCol0 = 0, fineCol1 = 2 * cw): Float32Array | undefined {
  const fw = 2 * cw;
  const fh = sigma.length / fw;
  const next = last ? undefined : (own ?? new Float32Array(sigma.length));
  for (let r = 0; r < fh; r++) {
    const p = ((r + fineRow0) >> 1) * cw;
    const o = r * fw;
    for (let c = fineCol0; c < fineCol1; c++) {
      const v = prev[p + (c >> 1)];
      if (!(v > 0)) continue;
      const i = o + c;
      sigma[i] = Math.sqrt(sigma[i] * sigma[i] + v);
      if (next) next[i] += v;
    }
  }
  return next;
}

/**
 * A stage's carried variance on its fine grid (`width` wide, `height` tall) kept in bands of
 * `BAND_COARSE_ROWS` rows: the bands of the next stage's coarse grid. When that stage is the last
 * and streamed (`bandedOutput`), each band is freed once its rows are done instead of the whole
 * array living to the stage's end (23 MB at 500 m on a full tile). A band no tile wrote is absent
 * (all 0: nothing to add).
 */
export interface CarriedBands {
  width: number;
  height: number;
  bands: Array<Float32Array | undefined>;
}

/** Empty carried-variance bands for a fine grid `width` x `height`. */
export function carriedBands(width: number, height: number): CarriedBands {
  return { width, height, bands: new Array<Float32Array | undefined>(Math.ceil(height / BAND_COARSE_ROWS)).fill(undefined) };
}

/** `pasteTile` (factor 2) of a tile's carried variance into `dst`'s bands, each allocated (zeros) when first written. */
export function pasteCarried(dst: CarriedBands, tileFine: Float32Array, tile: TileSpec): void {
  const pw = 2 * tile.padded.width;
  if (tileFine.length !== pw * 2 * tile.padded.height) {
    throw new AppError('INTERNAL', `tile ${tile.index} carried variance has ${tileFine.length} values, expected ${pw}x${2 * tile.padded.height}.`);
  }
  const w = 2 * tile.core.width;
  const c0 = 2 * tile.coreInPadded.col;
  for (let r = 2 * tile.core.row; r < 2 * (tile.core.row + tile.core.height); r++) {
    const b = Math.floor(r / BAND_COARSE_ROWS);
    const rows = Math.min(dst.height, (b + 1) * BAND_COARSE_ROWS) - b * BAND_COARSE_ROWS;
    const band = (dst.bands[b] ??= new Float32Array(rows * dst.width));
    const src = (r - 2 * tile.core.row + 2 * tile.coreInPadded.row) * pw + c0;
    band.set(tileFine.subarray(src, src + w), (r - b * BAND_COARSE_ROWS) * dst.width + 2 * tile.core.col);
  }
}

/**
 * `addCarried` of `prev` (the earlier stages' variance, whole, on the coarse grid `cw` wide) into
 * a stage's whole `sigma` with the stage's own carried variance in bands (`own`, written in place):
 * the same values as with `own` whole. Returns `own`.
 */
export function addCarriedToBands(sigma: Float32Array, own: CarriedBands, prev: Float32Array, cw: number): CarriedBands {
  const fw = 2 * cw;
  for (let b = 0; b < own.bands.length; b++) {
    const r0 = b * BAND_COARSE_ROWS;
    const r1 = Math.min(own.height, r0 + BAND_COARSE_ROWS);
    const band = (own.bands[b] ??= new Float32Array((r1 - r0) * fw));
    addCarried(sigma.subarray(r0 * fw, r1 * fw), band, prev, cw, false, r0);
  }
  return own;
}

/**
 * For the last stage kept whole (not streamed): folds the carried variance `prev` (bands on the
 * stage's coarse grid, `cw` wide) into the stage's whole `sigma` over each tile's core as the tile
 * is pasted, `addCarried` pixel by pixel, so the same values as over the whole sigma at the stage's
 * end; each band of `prev` is freed once every tile over it is in. Call once per tile, pasted
 * (with the sigma it was pasted into) or skipped (no sigma: NaN there stays NaN).
 */
export function carriedFolder(tiles: TileSpec[], prev: CarriedBands, cw: number): (tile: TileSpec, sigma: Float32Array | undefined) => void {
  const fw = 2 * cw;
  const R = BAND_COARSE_ROWS;
  const waiting = new Int32Array(prev.bands.length);
  const bandRange = (core: PixelWindow): [number, number] => [Math.floor(core.row / R), Math.min(prev.bands.length, Math.ceil((core.row + core.height) / R))];
  for (const t of tiles) {
    const [b0, b1] = bandRange(t.core);
    for (let b = b0; b < b1; b++) waiting[b]++;
  }
  return (tile, sigma) => {
    const { core } = tile;
    const [b0, b1] = bandRange(core);
    for (let b = b0; b < b1; b++) {
      const band = prev.bands[b];
      if (sigma && band) {
        const r0 = Math.max(core.row, b * R);
        const r1 = Math.min(core.row + core.height, (b + 1) * R);
        addCarried(sigma.subarray(2 * r0 * fw, 2 * r1 * fw), undefined, band, cw, true, 2 * (r0 - b * R), 2 * core.col, 2 * (core.col + core.width));
      }
      if (--waiting[b] === 0 && band) {
        releaseArray(band);
        prev.bands[b] = undefined;
      }
    }
  };
}

/** Where a stage's tiles go: pasted (their core) or skipped (NaN). */
export interface StageOutput {
  /** Pastes the core of a tile's fine LST (and sigma; NaN when the stage has one and the tile gave none). */
  paste(tile: TileSpec, lst: Float32Array, sigma: Float32Array | undefined): void;
  /** A tile without valid LST: NaN over its core. */
  skip(tile: TileSpec): void;
}

/**
 * A stage's whole output: every fine pixel is written once, pasted from its tile or NaN where the
 * tile is skipped. Not filled up front, so the pages of a 4800x4800 output (92 MB each for the LST
 * and the sigma) are touched as the tiles come in rather than all at the stage's start.
 */
export function wholeOutput(cw: number, ch: number, hasSigma: boolean): { output: StageOutput; out: Float32Array; sigma?: Float32Array } {
  const out = new Float32Array(4 * cw * ch);
  const sigma = hasSigma ? new Float32Array(4 * cw * ch) : undefined;
  const fillNaN = (dst: Float32Array, core: PixelWindow): void => {
    for (let r = 2 * core.row; r < 2 * (core.row + core.height); r++) dst.fill(Number.NaN, r * 2 * cw + 2 * core.col, r * 2 * cw + 2 * (core.col + core.width));
  };
  const output: StageOutput = {
    paste: (tile, pred, predSigma) => {
      if (sigma && predSigma) pasteTile(sigma, 2 * cw, predSigma, tile, 2);
      else if (sigma) fillNaN(sigma, tile.core);
      pasteTile(out, 2 * cw, pred, tile, 2);
    },
    skip: (tile) => {
      fillNaN(out, tile.core);
      if (sigma) fillNaN(sigma, tile.core);
    },
  };
  return { output, out, sigma };
}

/**
 * The last stage's output in bands of `BAND_COARSE_ROWS` coarse rows: a band is allocated when its
 * first tile comes. Each column block of a band (`BAND_COARSE_COLS` coarse columns) is finished
 * once every tile over it is in, in any order (carried variance, the linear residual correction's
 * values), and offered to `sink.columns`; a band is handed to `sink.rows` once all its blocks are,
 * strictly in band order (the correction's sums carried in row order), then dropped. Tiles may come
 * in any order (a worker pool). `done()` waits for the last band and closes the sink; resolves the
 * correction's energy errors, bit for bit those of `correctStageLinear` on the whole stage.
 * `opened`: the sink's `open`, which the first band waits for (its failure is the stage's).
 */
export function bandedOutput(
  tiles: TileSpec[],
  coarse: Float32Array,
  cw: number,
  ch: number,
  hasSigma: boolean,
  carried: Float32Array | CarriedBands | undefined,
  sink: StageSink,
  opened: Promise<void> = Promise.resolve(),
): StageOutput & { done: () => Promise<LinearCorrection>; settle: () => Promise<void> } {
  const fw = 2 * cw;
  const nBands = Math.ceil(ch / BAND_COARSE_ROWS);
  const nCols = Math.ceil(cw / BAND_COARSE_COLS);
  const band0 = (b: number) => b * BAND_COARSE_ROWS;
  const band1 = (b: number) => Math.min(ch, (b + 1) * BAND_COARSE_ROWS);
  const col0 = (j: number) => j * BAND_COARSE_COLS;
  const col1 = (j: number) => Math.min(cw, (j + 1) * BAND_COARSE_COLS);
  // Tiles still due per band, and per column block (band b, column j at b * nCols + j).
  const waiting = new Array<number>(nBands).fill(0);
  const whole = carried instanceof Float32Array ? carried : undefined;
  const inBands = carried instanceof Float32Array ? undefined : carried;
  const blockWaiting = new Int32Array(nBands * nCols);
  const bandsOf = (core: PixelWindow): number[] => {
    const out: number[] = [];
    for (let b = Math.floor(core.row / BAND_COARSE_ROWS); b < nBands && band0(b) < core.row + core.height; b++) out.push(b);
    return out;
  };
  const colsOf = (core: PixelWindow): [number, number] => [Math.floor(core.col / BAND_COARSE_COLS), Math.min(nCols, Math.ceil((core.col + core.width) / BAND_COARSE_COLS))];
  for (const t of tiles) {
    const [j0, j1] = colsOf(t.core);
    for (const b of bandsOf(t.core)) {
      waiting[b]++;
      for (let j = j0; j < j1; j++) blockWaiting[b * nCols + j]++;
    }
  }
  const lst: Array<Float32Array | undefined> = [];
  const sigma: Array<Float32Array | undefined> = [];
  const alloc = (arr: Array<Float32Array | undefined>, b: number) => (arr[b] ??= new Float32Array(2 * (band1(b) - band0(b)) * fw));
  // Each band's block errors until its sums are added (two per coarse block), reused from band to band.
  const errs: Array<Float64Array | undefined> = [];
  const freeErrs: Float64Array[] = [];
  const sums = linearSums();
  let next = 0;
  let chain: Promise<void> = opened;
  let failure: unknown;
  chain.catch((e: unknown) => (failure ??= e));

  const finishBlock = (b: number, j: number): void => {
    const l = lst[b]!;
    const s = sigma[b];
    const cb = inBands?.bands[b];
    if (s && whole) addCarried(s, undefined, whole, cw, true, 2 * band0(b), 2 * col0(j), 2 * col1(j));
    // Band b of the coarse grid is the carried bands' band b: its fine rows counted from the band's.
    else if (s && cb) addCarried(s, undefined, cb, cw, true, 0, 2 * col0(j), 2 * col1(j));
    const e = (errs[b] ??= freeErrs.pop() ?? new Float64Array(2 * BAND_COARSE_ROWS * cw));
    correctLinearBlock(l, s, coarse, cw, band0(b), band1(b), col0(j), col1(j), e);
    sink.columns?.({ row: 2 * band0(b), col: 2 * col0(j), width: 2 * (col1(j) - col0(j)), lst: l, ...(s ? { sigma: s } : {}) });
  };
  const finish = async (b: number): Promise<void> => {
    if (failure) throw failure;
    const l = lst[b]!;
    const s = sigma[b];
    const e = errs[b]!;
    lst[b] = sigma[b] = errs[b] = undefined;
    addLinearSums(e, band1(b) - band0(b), cw, sums);
    freeErrs.push(e);
    await sink.rows({ row: 2 * band0(b), lst: l, ...(s ? { sigma: s } : {}) });
  };
  const tileIn = (tile: TileSpec, write: (b: number, fr0: number, fr1: number) => void): void => {
    if (failure) throw failure;
    const [j0, j1] = colsOf(tile.core);
    for (const b of bandsOf(tile.core)) {
      // Fine rows of this tile's core inside band b.
      const fr0 = 2 * Math.max(tile.core.row, band0(b));
      const fr1 = 2 * Math.min(tile.core.row + tile.core.height, band1(b));
      write(b, fr0, fr1);
      for (let j = j0; j < j1; j++) {
        if (--blockWaiting[b * nCols + j] > 0) continue;
        try {
          finishBlock(b, j);
        } catch (e) {
          failure ??= e;
          throw e;
        }
      }
      if (--waiting[b] === 0) {
        // Every column block of band b is done: its carried variance is read no more.
        const cb = inBands?.bands[b];
        if (cb) {
          releaseArray(cb);
          inBands!.bands[b] = undefined;
        }
        while (next < nBands && waiting[next] === 0) {
          const k = next++;
          chain = chain.then(() => finish(k));
          chain.catch((e: unknown) => (failure ??= e));
        }
      }
    }
  };
  const fillNaN = (dst: Float32Array, b: number, tile: TileSpec, fr0: number, fr1: number): void => {
    for (let r = fr0; r < fr1; r++) {
      const o = (r - 2 * band0(b)) * fw;
      dst.fill(Number.NaN, o + 2 * tile.core.col, o + 2 * (tile.core.col + tile.core.width));
    }
  };
  const copyRows = (dst: Float32Array, b: number, src: Float32Array, tile: TileSpec, fr0: number, fr1: number): void => {
    const pw = 2 * tile.padded.width;
    if (src.length !== pw * 2 * tile.padded.height) {
      throw new AppError('INTERNAL', `tile ${tile.index} result has ${src.length} values, expected ${pw}x${2 * tile.padded.height}.`);
    }
    const w = 2 * tile.core.width;
    for (let r = fr0; r < fr1; r++) {
      const s = (r - 2 * tile.core.row + 2 * tile.coreInPadded.row) * pw + 2 * tile.coreInPadded.col;
      dst.set(src.subarray(s, s + w), (r - 2 * band0(b)) * fw + 2 * tile.core.col);
    }
  };
  return {
    paste: (tile, l, s) =>
      tileIn(tile, (b, fr0, fr1) => {
        copyRows(alloc(lst, b), b, l, tile, fr0, fr1);
        if (hasSigma && s) copyRows(alloc(sigma, b), b, s, tile, fr0, fr1);
        else if (hasSigma) fillNaN(alloc(sigma, b), b, tile, fr0, fr1);
      }),
    skip: (tile) =>
      tileIn(tile, (b, fr0, fr1) => {
        fillNaN(alloc(lst, b), b, tile, fr0, fr1);
        if (hasSigma) fillNaN(alloc(sigma, b), b, tile, fr0, fr1);
      }),
    done: async () => {
      await chain;
      if (failure) throw failure;
      if (next !== nBands) throw new AppError('INTERNAL', `stage output: ${next} of ${nBands} bands finished.`);
      await sink.close();
      return linearResult(sums);
    },
    settle: () => chain.catch(() => undefined),
  };
}
