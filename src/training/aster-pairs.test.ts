import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../cli/load.ts';
import { shiftBilinear } from '../core/raster/shift.ts';
import { blockTexture } from '../core/raster/texture.ts';
import { buildAsterPair, estimateShift, splitByPlace } from './aster-pairs.ts';
import { asterStagePairs } from './aster-stages.ts';

describe('texture and registration helpers', () => {
  it('removes each 2x2 block mean (hand-worked) and skips blocks with too few valid pixels', () => {
    const v = Float32Array.from([1, 3, 10, Number.NaN, 5, 7, Number.NaN, Number.NaN]);
    const t = blockTexture(v, 4, 2, 2, 3);
    expect(Array.from(t.slice(0, 2))).toEqual([-3, -1]);
    expect(Array.from(t.slice(4, 6))).toEqual([1, 3]);
    expect(t.slice(2, 4).every(Number.isNaN)).toBe(true); // right block: 1 valid of 4
  });

  it('samples a field at a sub-pixel shift bilinearly', () => {
    const v = Float32Array.from({ length: 16 }, (_, i) => i % 4); // value = column
    const s = shiftBilinear(v, 4, 4, 0.5, 0);
    expect(s[0]).toBeCloseTo(0.5, 6);
    expect(s[1]).toBeCloseTo(1.5, 6);
    expect(Number.isNaN(s[3])).toBe(true); // would read past the edge
  });

  it('recovers a known shift between a vegetation field and a temperature field that cools with it', () => {
    const w = 64;
    const ndvi = new Float32Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) ndvi[y * w + x] = Math.sin(x * 0.9) * Math.cos(y * 0.7) + 0.3 * Math.sin((x + y) * 1.7);
    // LST(x + 1.25, y + 0.5) = 300 - 5 NDVI(x, y): built by sampling NDVI at (x - 1.25, y - 0.5).
    const lst = shiftBilinear(ndvi, w, w, -1.25, -0.5).map((v) => 300 - 5 * v);
    const s = estimateShift(ndvi, lst, w, w);
    expect(s.dxPx).toBeCloseTo(1.25, 5);
    expect(s.dyPx).toBeCloseTo(0.5, 5);
    expect(s.corr).toBeLessThan(-0.9);
    expect(s.corr).toBeLessThan(s.corr0);
  });

  it('splits by place: pairs of one spatial block stay on one side', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => ({ centreX: (i % 8) * 60_000, centreY: Math.floor(i / 8) * 60_000, i }));
    const { train, validation, blocks } = splitByPlace(pairs);
    expect(train.length + validation.length).toBe(40);
    expect(validation.length).toBeGreaterThan(0);
    const key = (p: { centreX: number; centreY: number }) => `${Math.floor(p.centreX / 100_000)},${Math.floor(p.centreY / 100_000)}`;
    const valKeys = new Set(validation.map(key));
    expect(train.some((p) => valKeys.has(key(p)))).toBe(false);
    expect(blocks).toBe(new Set(pairs.map(key)).size);
  });
});

const pairDir = path.resolve(__dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr/0');

describe.skipIf(!existsSync(pairDir))('a real MODIS-ASTER pair (folder 0)', () => {
  it('keeps the 1 km pixels the NDVI covers, registers ASTER, and makes a target whose 1 km means equal MODIS', async () => {
    const r = async (f: string) => (await loadDataset(path.join(pairDir, f))).bands[0].raster;
    const p = buildAsterPair('0', await r('MOD21A1D_LST_1km.tif'), await r('MOD09GQ_NDVI_250m.tif'), await r('ASTER_LST_250m.tif'));
    expect(p.w).toBeGreaterThanOrEqual(63);
    expect(p.h).toBeGreaterThanOrEqual(63);
    expect(p.ndvi.length).toBe(16 * p.w * p.h);
    expect(p.ndvi.every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
    // SRDA-NET.md: the NDVI sits about 1 fine pixel east and half to one south of ASTER.
    expect(p.shift.dxPx).toBeGreaterThan(0.5);
    expect(p.shift.dxPx).toBeLessThan(2.5);
    expect(p.shift.dyPx).toBeGreaterThan(0.25);
    expect(p.shift.dyPx).toBeLessThan(2);
    expect(p.shift.corr).toBeLessThan(p.shift.corr0);
    let blocks = 0;
    for (let by = 0; by < p.h; by++) {
      for (let bx = 0; bx < p.w; bx++) {
        let s = 0;
        let c = 0;
        for (let y = 4 * by; y < 4 * by + 4; y++) {
          for (let x = 4 * bx; x < 4 * bx + 4; x++) {
            const v = p.targetK[y * 4 * p.w + x];
            if (!Number.isNaN(v)) {
              s += v;
              c++;
            }
          }
        }
        if (c === 0) continue;
        expect(s / c).toBeCloseTo(p.modisK[by * p.w + bx], 3);
        blocks++;
      }
    }
    expect(blocks).toBeGreaterThan(0.8 * p.w * p.h);
    const [s1, s2] = asterStagePairs(p);
    expect([s1.w, s1.h, s2.w, s2.h]).toEqual([p.w, p.h, 2 * p.w, 2 * p.h]);
    expect(s2.truthK).toBe(p.targetK);
  });
});
