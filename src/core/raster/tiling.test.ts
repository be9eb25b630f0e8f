import { describe, expect, it } from 'vitest';
import { upsampleArray } from './resample.ts';
import { cropRaster, extractTile, pasteTile, planTiles, scaleWindow, windowHasValid } from './tiling.ts';
import { crsFromEpsg } from '../geo/crs.ts';

const N = Number.NaN;

describe('planTiles', () => {
  it('partitions the grid into cores and clips halos at the edges', () => {
    const tiles = planTiles(5, 3, 2, 1);
    expect(tiles.map((t) => t.core)).toEqual([
      { col: 0, row: 0, width: 2, height: 2 },
      { col: 2, row: 0, width: 2, height: 2 },
      { col: 4, row: 0, width: 1, height: 2 },
      { col: 0, row: 2, width: 2, height: 1 },
      { col: 2, row: 2, width: 2, height: 1 },
      { col: 4, row: 2, width: 1, height: 1 },
    ]);
    expect(tiles[1].padded).toEqual({ col: 1, row: 0, width: 4, height: 3 });
    expect(tiles[1].coreInPadded).toEqual({ col: 1, row: 0 });
    expect(scaleWindow(tiles[1].core, 2)).toEqual({ col: 4, row: 0, width: 4, height: 4 });
  });
});

describe('extractTile', () => {
  // prettier-ignore
  const d = Float32Array.of(
    1, 2, 3,
    4, 5, 6);

  it('fills outside the source with NaN by default', () => {
    const t = extractTile(d, 3, 2, { col: -1, row: 1, width: 3, height: 2 });
    expect(Array.from(t.slice(0, 3))).toEqual([N, 4, 5]);
    expect(t.slice(3).every((v) => Number.isNaN(v))).toBe(true);
  });

  it('replicates edge pixels in clamp mode', () => {
    const t = extractTile(d, 3, 2, { col: 1, row: -1, width: 4, height: 4 }, 'clamp');
    expect(Array.from(t)).toEqual([2, 3, 3, 3, 2, 3, 3, 3, 5, 6, 6, 6, 5, 6, 6, 6]);
  });
});

describe('tiled upsampling', () => {
  it('reproduces the untiled bicubic result exactly with a 4 px halo, NaNs included', () => {
    const w = 23;
    const h = 17;
    const coarse = Float32Array.from({ length: w * h }, (_, i) => 280 + 10 * Math.sin(i * 0.37) + (i % 5));
    for (const i of [0, 30, 31, 54, 200, 201, 224, 390]) coarse[i] = N;
    const f = 2;
    const whole = upsampleArray(coarse, w, h, f, 'bicubic');
    const out = new Float32Array(w * f * h * f).fill(-1);
    for (const t of planTiles(w, h, 6, 4)) {
      const tile = extractTile(coarse, w, h, t.padded);
      pasteTile(out, w * f, upsampleArray(tile, t.padded.width, t.padded.height, f, 'bicubic'), t, f);
    }
    for (let i = 0; i < whole.length; i++) {
      if (Number.isNaN(whole[i])) expect(out[i]).toBeNaN();
      else expect(out[i]).toBe(whole[i]);
    }
  });

  it('shows a seam when the halo is too small, so the test above can fail', () => {
    const w = 12;
    const h = 12;
    const coarse = Float32Array.from({ length: w * h }, (_, i) => (i * 7919) % 13);
    const whole = upsampleArray(coarse, w, h, 2, 'bicubic');
    const out = new Float32Array(whole.length);
    for (const t of planTiles(w, h, 4, 0)) {
      pasteTile(
        out,
        w * 2,
        upsampleArray(extractTile(coarse, w, h, t.padded), t.padded.width, t.padded.height, 2, 'bicubic'),
        t,
        2,
      );
    }
    let differ = 0;
    for (let i = 0; i < whole.length; i++) if (Math.abs(out[i] - whole[i]) > 1e-6) differ++;
    expect(differ).toBeGreaterThan(0);
  });

  it('rejects a tile result of the wrong size', () => {
    const [t] = planTiles(4, 4, 2, 1);
    expect(() => pasteTile(new Float32Array(64), 8, new Float32Array(4), t, 2)).toThrow(/expected 6x6/);
  });
});

describe('cropRaster', () => {
  it('moves the origin to the window and fills the part outside the raster with NaN', () => {
    const r = { width: 3, height: 2, transform: [100, 10, 0, 50, 0, -10] as const, crs: crsFromEpsg(32633), data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const c = cropRaster({ ...r, transform: [...r.transform] }, { col: 1, row: 1, width: 3, height: 2 });
    expect(c.transform).toEqual([110, 10, 0, 40, 0, -10]);
    expect([c.width, c.height]).toEqual([3, 2]);
    expect(Array.from(c.data)).toEqual([5, 6, N, N, N, N]);
  });
});

describe('windowHasValid', () => {
  it('looks only inside the window', () => {
    const d = Float32Array.from([N, N, 7, N, N, N]);
    expect(windowHasValid(d, 3, { col: 0, row: 0, width: 2, height: 2 })).toBe(false);
    expect(windowHasValid(d, 3, { col: 1, row: 0, width: 2, height: 1 })).toBe(true);
  });
});
