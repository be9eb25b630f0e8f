import { describe, expect, it } from 'vitest';
import { pixelToWorld, worldToPixel } from '../geo/affine.ts';
import { crsFromEpsg } from '../geo/crs.ts';
import { refineGrid } from '../geo/grid.ts';
import { finishStepsAsync, STEP_PX } from '../progress.ts';
import type { Grid, Raster } from './raster.ts';
import { arrayBytesAtFirstStep, cancelDuringFirstBlock } from '../../test-support/steps.ts';
import { fillInvalid, keysTaps, resampleToGrid, resampleToGridInSteps, samplePixels, upsample, upsampleArray } from './resample.ts';

const N = Number.NaN;
const crs = crsFromEpsg(32616);

function ramp(w: number, h: number, f: (c: number, r: number) => number): Float32Array {
  const d = new Float32Array(w * h);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) d[r * w + c] = f(c, r);
  return d;
}

describe('upsampleArray', () => {
  it('copies each coarse value into its block with nearest', () => {
    const out = upsampleArray(Float32Array.of(1, 2, 3, 4), 2, 2, 2, 'nearest');
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('interpolates bilinearly at quarter offsets, clamping at the edges', () => {
    const out = upsampleArray(Float32Array.of(0, 4), 2, 1, 2, 'bilinear');
    // Fine centres at coarse x = 0.25, 0.75, 1.25, 1.75 -> u = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped).
    expect(Array.from(out.slice(0, 4))).toEqual([0, 1, 3, 4]);
  });

  it('reproduces a linear ramp in the interior with bicubic', () => {
    const w = 8;
    const h = 6;
    const coarse = ramp(w, h, (c, r) => 2 * c - 3 * r + 1);
    const f = 2;
    const fine = upsampleArray(coarse, w, h, f, 'bicubic');
    // Value at fine pixel (fc, fr): the ramp at coarse index coordinate ((fc+0.5)/f - 0.5).
    for (let fr = 4; fr < h * f - 4; fr++) {
      for (let fc = 4; fc < w * f - 4; fc++) {
        const u = (fc + 0.5) / f - 0.5;
        const v = (fr + 0.5) / f - 0.5;
        expect(fine[fr * w * f + fc]).toBeCloseTo(2 * u - 3 * v + 1, 4);
      }
    }
  });

  it('keeps nodata pixels as nodata without spreading NaN to their neighbours', () => {
    const coarse = ramp(5, 5, (c, r) => c + r);
    coarse[2 * 5 + 2] = N;
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const fine = upsampleArray(coarse, 5, 5, 2, method);
      let nanCount = 0;
      for (let i = 0; i < fine.length; i++) if (Number.isNaN(fine[i])) nanCount++;
      expect(nanCount).toBe(4);
      for (const [fc, fr] of [
        [4, 4],
        [5, 4],
        [4, 5],
        [5, 5],
      ])
        expect(Number.isNaN(fine[fr * 10 + fc])).toBe(true);
      // The filled hole equals the ramp (mean of 8 neighbours on a plane), so neighbours stay on it:
      // fine (3, 3) sits at coarse index coordinate 1.25 on both axes.
      expect(fine[3 * 10 + 3]).toBeCloseTo(method === 'nearest' ? 2 : 2.5, 4);
    }
  });

  it('returns all NaN for an all-NaN input', () => {
    const fine = upsampleArray(new Float32Array(4).fill(N), 2, 2, 2, 'bicubic');
    expect(fine.every((v) => Number.isNaN(v))).toBe(true);
  });
});

describe('fillInvalid', () => {
  it('grows valid values into holes one pixel per pass', () => {
    const d = Float32Array.of(2, N, N, N);
    const one = fillInvalid(d, 4, 1, 1);
    expect(one[1]).toBe(2);
    expect(Number.isNaN(one[2])).toBe(true);
    expect(Array.from(fillInvalid(d, 4, 1, 3))).toEqual([2, 2, 2, 2]);
  });
});

describe('resampleToGrid', () => {
  const coarse: Raster = {
    width: 6,
    height: 5,
    transform: [1000, 100, 0, 5000, 0, -100],
    crs,
    data: ramp(6, 5, (c, r) => 10 * c + r),
  };

  it('agrees with upsample on the refined grid', () => {
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const a = upsample(coarse, 2, method);
      const b = resampleToGrid(coarse, refineGrid(coarse, 2), method);
      for (let i = 0; i < a.data.length; i++) expect(b.data[i]).toBeCloseTo(a.data[i], 4);
    }
  });

  it('interpolates between source pixel centres and is NaN outside the source', () => {
    const target = { width: 4, height: 1, transform: [1150, 100, 0, 4850, 0, -100] as const, crs };
    const out = resampleToGrid(coarse, target, 'bilinear');
    // Target centre (1200, 4800) is source pixel-space (2, 2): the corner shared by pixels 1 and 2,
    // i.e. index coordinate 1.5 on both axes -> 10 * 1.5 + 1.5.
    expect(out.data[0]).toBeCloseTo(16.5, 4);
    expect(out.data[1]).toBeCloseTo(26.5, 4);
    const outside = resampleToGrid(
      coarse,
      { ...target, transform: [9000, 100, 0, 4850, 0, -100] },
      'bilinear',
    );
    expect(outside.data.every((v) => Number.isNaN(v))).toBe(true);
  });

  it('samples rotated targets through the general path consistently', () => {
    const px = Float64Array.of(0.5, 2.5, 5.9);
    const py = Float64Array.of(0.5, 1.5, 4.9);
    const s = samplePixels(coarse, px, py, 'bicubic');
    expect(s[0]).toBeCloseTo(0, 4);
    expect(s[1]).toBeCloseTo(21, 4);
  });
});

describe('resampleToGridInSteps on a few rows of a tall source', () => {
  it('passes over only the source rows under the target: 8 rows of a 4000 x 4000 source hold under 4 MB of arrays at the first step; before, the horizontal pass of all 4000 rows (128 MB)', () => {
    const src: Raster = { width: 4000, height: 4000, transform: [0, 30, 0, 120000, 0, -30], crs, data: new Float32Array(4000 * 4000).fill(1) };
    const target: Grid = { width: 4000, height: 8, transform: [0, 30, 0, 60000, 0, -30], crs };
    expect(arrayBytesAtFirstStep(resampleToGridInSteps(src, target, 'nearest'))).toBeLessThan(4 << 20);
  });

  it('holds the horizontal pass of one block of rows at a time: a 3000 x 3000 grid shifted by 12 px peaks under 50 MB of arrays above its source; before, the pass of all 3000 rows at once (72 MB of float64) beside the output (36 MB)', () => {
    const src: Raster = { width: 3000, height: 3000, transform: [0, 30, 0, 90000, 0, -30], crs, data: new Float32Array(3000 * 3000).fill(1) };
    const target: Grid = { width: 3000, height: 3000, transform: [360, 30, 0, 90000 - 360, 0, -30], crs };
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const steps = resampleToGridInSteps(src, target, 'nearest');
    let r = steps.next();
    while (!r.done) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      r = steps.next();
    }
    expect(peak).toBeLessThan(50 << 20);
    expect(r.value.data[0]).toBe(1);
    expect(Number.isNaN(r.value.data[3000 * 3000 - 1])).toBe(true);
  });

  it('gives the rows a resampling of the whole grid gives there, with each method', () => {
    const src: Raster = { width: 40, height: 40, transform: [0, 60, 0, 2400, 0, -60], crs, data: ramp(40, 40, (c, r) => ((c * 7 + r * 3) % 11 === 0 ? N : 0.1 * c * c - r)) };
    const whole: Grid = { width: 80, height: 80, transform: [0, 30, 0, 2400, 0, -30], crs };
    const rows: Grid = { ...whole, height: 6, transform: [0, 30, 0, 2400 - 37 * 30, 0, -30] };
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const all = resampleToGrid(src, whole, method).data.subarray(37 * 80, 43 * 80);
      expect(resampleToGrid(src, rows, method).data.every((v, i) => Object.is(v, all[i]))).toBe(true);
    }
  });
});

describe('resampleToGridInSteps on a rotated target', () => {
  // 2048 x 1536 target pixels of 10 m rotated by 30 degrees over a 400 x 400 source of 60 m: 3 blocks of STEP_PX.
  const src: Raster = { width: 400, height: 400, transform: [0, 60, 0, 24000, 0, -60], crs, data: ramp(400, 400, (c, r) => 300 + 0.05 * c - 0.03 * r) };
  const [cos, sin] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
  const rotated: Grid = { width: 2048, height: 1536, transform: [2000, 10 * cos, 10 * sin, 20000, 10 * sin, -10 * cos], crs };

  it('gives every target pixel centre sampled through both transforms, yielding between blocks of rows; before, one block', () => {
    const steps = resampleToGridInSteps(src, rotated, 'bilinear');
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBe(Math.ceil((rotated.width * rotated.height) / STEP_PX) - 1);
    const px = new Float64Array(rotated.width * rotated.height);
    const py = new Float64Array(px.length);
    for (let i = 0; i < px.length; i++) {
      const [x, y] = pixelToWorld(rotated.transform, (i % rotated.width) + 0.5, Math.floor(i / rotated.width) + 0.5);
      [px[i], py[i]] = worldToPixel(src.transform, x, y);
    }
    const expected = samplePixels(src, px, py, 'bilinear');
    expect(r.value.data.every((v, i) => Object.is(v, expected[i]))).toBe(true);
    expect(r.value.data.some((v) => Number.isNaN(v)) && r.value.data.some((v) => v > 300)).toBe(true);
  });

  it('stops with the cancel error between two blocks of rows and leaves no partial raster; a later run gives the whole result', async () => {
    const before = src.data.slice();
    const { error, blocks } = await cancelDuringFirstBlock(resampleToGridInSteps(src, rotated, 'bilinear'));
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBe(1);
    expect(src.data.every((v, i) => Object.is(v, before[i]))).toBe(true);
    const again = await finishStepsAsync(resampleToGridInSteps(src, rotated, 'bilinear'), new AbortController().signal);
    const whole = resampleToGrid(src, rotated, 'bilinear').data;
    expect(again.data.every((v, i) => Object.is(v, whole[i]))).toBe(true);
  });
});

describe('keysTaps', () => {
  it('gives the factor-2 phase weights of Keys a = -0.5 (taps i-1..i+2), summing to 1', () => {
    expect(keysTaps(0.75)).toEqual([-0.0234375, 0.2265625, 0.8671875, -0.0703125]);
    expect(keysTaps(0.25)).toEqual([-0.0703125, 0.8671875, 0.2265625, -0.0234375]);
    expect(keysTaps(0)).toEqual([0, 1, 0, 0]);
    const w = keysTaps(0.4);
    expect(w[0] + w[1] + w[2] + w[3]).toBeCloseTo(1, 12);
  });
});
