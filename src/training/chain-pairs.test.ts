import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../cli/load.ts';
import { selectBackend } from '../model/backend.ts';
import { blockMean2 } from '../model/inputs.ts';
import { loadSrdaWeights, type SrdaModel } from '../model/weights.ts';
import { readShippedWeights } from '../test-support/data.ts';
import { buildAsterPair } from './aster-pairs.ts';
import { asterStagePairs } from './aster-stages.ts';
import { asterChainPair, correctBlocks2, cropTopLeft, loopChainPair } from './chain-pairs.ts';

describe('residual correction and cropping of chained pairs', () => {
  it('shifts each 2x2 block to its coarse value (hand-worked) and blanks blocks whose coarse value is missing', () => {
    // 2x1 coarse: 10 and NaN; fine 4x2.
    const fine = Float32Array.from([1, 2, 5, 6, 3, 4, 7, 8]);
    correctBlocks2(fine, Float32Array.from([10, Number.NaN]), 2, 1);
    expect(Array.from(fine.slice(0, 2))).toEqual([8.5, 9.5]);
    expect(Array.from(fine.slice(4, 6))).toEqual([10.5, 11.5]);
    expect([fine[2], fine[3], fine[6], fine[7]].every(Number.isNaN)).toBe(true);
  });

  it('keeps the top-left window of a field', () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => i); // 4 wide, 3 high
    expect(Array.from(cropTopLeft(a, 4, 2, 2))).toEqual([0, 1, 4, 5]);
  });
});

const pairDir = path.resolve(__dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr/0');

describe.skipIf(!existsSync(pairDir))('chained second stages with the shipped weights as teacher', () => {
  let model: SrdaModel;
  beforeAll(async () => {
    await selectBackend({ only: 'cpu' });
    model = await loadSrdaWeights(await readShippedWeights());
  });
  afterAll(() => model?.dispose());

  it("gives a real MODIS-ASTER pair's second stage the teacher's first-stage output, whose 1 km means equal MODIS", async () => {
    const r = async (f: string) => (await loadDataset(path.join(pairDir, f))).bands[0].raster;
    const p = buildAsterPair('0', await r('MOD21A1D_LST_1km.tif'), await r('MOD09GQ_NDVI_250m.tif'), await r('ASTER_LST_250m.tif'));
    const chained = await asterChainPair(model, p);
    const [, plain] = asterStagePairs(p);
    expect([chained.w, chained.h]).toEqual([plain.w, plain.h]);
    expect(chained.truthK).toBe(p.targetK);
    // The chained input is the first stage's corrected output: its 2x2 means are MODIS ...
    const means = blockMean2(chained.prepared.lstFilled, p.w, p.h);
    let maxDev = 0;
    for (let i = 0; i < means.length; i++) if (!Number.isNaN(p.modisK[i])) maxDev = Math.max(maxDev, Math.abs(means[i] - p.modisK[i]));
    expect(maxDev).toBeLessThan(1e-3);
    // ... and it is not the target's 500 m means the plain second stage reads.
    let diff = 0;
    let n = 0;
    for (let i = 0; i < chained.prepared.lstFilled.length; i++) {
      if (!plain.prepared.lstMask[i] || !chained.prepared.lstMask[i]) continue;
      diff += (chained.prepared.lstFilled[i] - plain.prepared.lstFilled[i]) ** 2;
      n++;
    }
    expect(n).toBeGreaterThan(0.5 * chained.w * chained.h);
    expect(Math.sqrt(diff / n)).toBeGreaterThan(0.05);
  });

  it("crops a scene's inner loop to the window the outer loop's output covers", async () => {
    // Outer 3x2 coarse -> 6x4 fine; inner 7x5 coarse (one column and row more, as floors give).
    const outer = { coarseK: Float32Array.from({ length: 6 }, (_, i) => 300 + i), w: 3, h: 2, truthK: new Float32Array(24), aux: {} };
    const innerTruth = Float32Array.from({ length: 4 * 35 }, (_, i) => 290 + (i % 14) * 0.1);
    const inner = { coarseK: new Float32Array(35), w: 7, h: 5, truthK: innerTruth, aux: { ndvi: Float32Array.from({ length: 140 }, (_, i) => (i % 14) / 14) } };
    const pair = (await loopChainPair(model, 'x~chain', outer, inner))!;
    expect([pair.w, pair.h]).toEqual([6, 4]);
    expect(Array.from(pair.truthK.slice(0, 12))).toEqual(Array.from(innerTruth.slice(0, 12)));
    expect(pair.truthK[12]).toBe(innerTruth[14]);
    const means = blockMean2(pair.prepared.lstFilled, 3, 2);
    for (let i = 0; i < 6; i++) expect(means[i]).toBeCloseTo(outer.coarseK[i], 3);
  });
});
