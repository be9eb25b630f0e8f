import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { degradeArray } from '../core/raster/aggregate.ts';
import { generateScene } from '../test-support/synth.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import { createSrdaMethod } from '../pipeline/methods/srda.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { createSrdaPool } from './srda-pool.ts';
import { withDetailWeight } from '../pipeline/detail-weight.ts';
import { isPacked } from '../core/raster/packed.ts';
import path from 'node:path';
import { dataPath, hasData } from '../test-support/data.ts';
import { loadInputs } from './inputs.ts';
import { readSrdaWeights } from './srda-weights.ts';

/** A synthetic 24x24 1 km LST with 96x96 NDVI and DEM at 250 m (two stages), with a cloud gap. */
function scene() {
  const n = 96;
  const cell = 231.65635826;
  const s = generateScene({
    seed: 1313,
    width: n,
    height: n,
    pixelSizeM: cell,
    sceneType: 'mixed',
    timeOfDay: 'day',
    cloudFraction: 0.1,
  });
  const coarse = degradeArray(s.lstK, n, n, 4, { psfSigmaFinePx: 2 });
  const fine = {
    width: n,
    height: n,
    crs: MODIS_SINUSOIDAL,
    transform: [0, cell, 0, 0, 0, -cell] as [number, number, number, number, number, number],
  };
  return prepareScene({
    lst: {
      width: coarse.width,
      height: coarse.height,
      crs: MODIS_SINUSOIDAL,
      transform: [0, 4 * cell, 0, 0, 0, -4 * cell],
      data: coarse.data,
    },
    aux: { ndvi: { ...fine, data: s.ndvi }, dem: { ...fine, data: s.dem } },
  });
}

describe('SRDA-Net on a pool of worker threads', () => {
  it('runs tiles on both workers and writes output bit-identical to one in-thread method', async () => {
    const weights = await readSrdaWeights();
    const sc = scene();
    const single = await createSrdaMethod(
      { modelJson: weights.modelJson, weightData: weights.weightData.slice(0) },
      { backend: 'wasm' },
    );
    const pool = await createSrdaPool(weights, { jobs: 2, backend: 'wasm' });
    try {
      expect(pool.workers).toBe(2);
      // Each worker holds its tile and the next.
      expect(pool.concurrency).toBe(4);
      expect(pool.label).toBe(single.label);
      // 8 coarse px tiles: 9 tiles at stage 1, 36 at stage 2, so both workers get work.
      const a = await runDownscale(sc, { method: single, tileCoarsePx: 8 });
      const b = await runDownscale(sc, { method: pool, tileCoarsePx: 8 });
      expect(pool.tilesPerWorker.every((n) => n > 0)).toBe(true);
      expect(pool.tilesPerWorker.reduce((x, y) => x + y, 0)).toBe(
        b.stages.reduce((s, st) => s + st.tiles - st.skippedTiles, 0),
      );
      for (let k = 0; k < a.stages.length; k++) {
        const x = a.stages[k].lst.data;
        const y = b.stages[k].lst.data;
        expect(y.length).toBe(x.length);
        let differ = 0;
        let valid = 0;
        for (let i = 0; i < x.length; i++) {
          if (!Object.is(x[i], y[i])) differ++;
          if (x[i] === x[i]) valid++;
        }
        expect(differ).toBe(0);
        expect(valid).toBeGreaterThan(x.length / 2);
      }
    } finally {
      single.dispose();
      await pool.close();
    }
  }, 180_000);

  it('averages over eight orientations in the workers when asked: bit-identical to one in-thread method with orientations 8, detail-weighted or not', async () => {
    const weights = await readSrdaWeights();
    const sc = scene();
    const single = await createSrdaMethod({ modelJson: weights.modelJson, weightData: weights.weightData.slice(0) }, { backend: 'wasm', orientations: 8 });
    const plain = await createSrdaMethod({ modelJson: weights.modelJson, weightData: weights.weightData.slice(0) }, { backend: 'wasm' });
    const pool = await createSrdaPool(weights, { jobs: 2, backend: 'wasm', orientations: 8 });
    try {
      expect(single.orientations).toBe(8);
      for (const [one, two] of [[single, pool], [withDetailWeight(single, 0.6), withDetailWeight(pool, 0.6)]] as const) {
        const a = await runDownscale(sc, { method: one, tileCoarsePx: 8 });
        const b = await runDownscale(sc, { method: two, tileCoarsePx: 8 });
        for (let k = 0; k < a.stages.length; k++) {
          for (const [x, y] of [[a.stages[k].lst.data, b.stages[k].lst.data], [a.stages[k].sigma!.data, b.stages[k].sigma!.data]]) {
            expect(x.some((v) => v === v)).toBe(true);
            expect(Array.from(y).every((v, i) => Object.is(v, x[i]))).toBe(true);
          }
        }
      }
      // And the workers did not run one pass: that is another output.
      const one = await runDownscale(sc, { method: plain, tileCoarsePx: 8, stages: 1 });
      const eight = await runDownscale(sc, { method: pool, tileCoarsePx: 8, stages: 1 });
      expect(Array.from(eight.stages[0].lst.data).some((v, i) => Math.abs(v - one.stages[0].lst.data[i]) > 1e-3)).toBe(true);
    } finally {
      single.dispose();
      plain.dispose();
      await pool.close();
    }
  }, 180_000);

  it('reports a cancelled run as CANCELLED and the workers stay usable', async () => {
    const pool = await createSrdaPool(await readSrdaWeights(), { jobs: 2, backend: 'wasm' });
    try {
      const ctl = new AbortController();
      const run = runDownscale(
        scene(),
        { method: pool, tileCoarsePx: 8 },
        { signal: ctl.signal, onProgress: (p) => p.done === 2 && ctl.abort() },
      );
      await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
      const again = await runDownscale(scene(), { method: pool, tileCoarsePx: 8, stages: 1 });
      expect(again.stages[0].lst.data.some((v) => v === v)).toBe(true);
    } finally {
      await pool.close();
    }
  }, 180_000);

  it.skipIf(!hasData('dhaka-mod11a2-mod13q1-2024-citypath'))(
    'hands the workers real packed guides as int16 windows and writes LST and sigma bit-identical to one in-thread method, detail-weighted or not (Dhaka 097)',
    async () => {
      const weights = await readSrdaWeights();
      const dir = dataPath('dhaka-mod11a2-mod13q1-2024-citypath');
      const loaded = await loadInputs({
        lst: path.join(dir, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'),
        qc: path.join(dir, 'MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif'),
        ndvi: path.join(dir, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif'),
      });
      // Guides left in place: MOD13Q1 NDVI (DN x 1e-4) is then held as int16 codes at 250 m, and
      // the tiles of stage 2 carry it packed.
      const sc = prepareScene(loaded.inputs, { registerGuides: false });
      expect(isPacked(sc.levels[2].aux.ndvi!)).toBe(true);
      const single = await createSrdaMethod({ modelJson: weights.modelJson, weightData: weights.weightData.slice(0) }, { backend: 'wasm' });
      const pool = await createSrdaPool(weights, { jobs: 2, backend: 'wasm' });
      try {
        expect(pool.takesPackedAux).toBe(true);
        // As is, and with a closed-loop detail weight (mixed in the workers, on this thread for `single`).
        for (const [one, two] of [[single, pool], [withDetailWeight(single, 0.6), withDetailWeight(pool, 0.6)]] as const) {
          const a = await runDownscale(sc, { method: one, tileCoarsePx: 32 });
          const b = await runDownscale(sc, { method: two, tileCoarsePx: 32 });
          for (let k = 0; k < a.stages.length; k++) {
            for (const [x, y] of [[a.stages[k].lst.data, b.stages[k].lst.data], [a.stages[k].sigma!.data, b.stages[k].sigma!.data]]) {
              expect(y.length).toBe(x.length);
              expect(x.some((v) => v === v)).toBe(true);
              expect(Array.from(y).every((v, i) => Object.is(v, x[i]))).toBe(true);
            }
          }
        }
        expect(pool.tilesPerWorker.every((n) => n > 0)).toBe(true);
      } finally {
        single.dispose();
        await pool.close();
      }
    },
    180_000,
  );
});
