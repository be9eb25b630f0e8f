import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { isDerived, isPacked, unpackRaster } from '../core/raster/packed.ts';
import type { Raster } from '../core/raster/raster.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';
import { dataPath, hasData } from '../test-support/data.ts';
import { loadInputs } from './inputs.ts';
import { createSrdaPool } from './srda-pool.ts';
import { readSrdaWeights } from './srda-weights.ts';

const DHAKA = 'dhaka-mod11a2-mod13q1-2024-citypath';

/** Dhaka MOD11A2 + MOD13Q1 of one date, guides left in place (so the 250 m NDVI is the product's int16 DN x 1e-4). */
async function dhaka(doy: string, ndviDoy: string): Promise<{ scene: Scene; ndvi: Raster }> {
  const dir = dataPath(DHAKA);
  const loaded = await loadInputs({
    lst: path.join(dir, `MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`),
    qc: path.join(dir, `MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`),
    ndvi: path.join(dir, `MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${ndviDoy}000000_aid0001.tif`),
  });
  return { scene: prepareScene(loaded.inputs, { registerGuides: false }), ndvi: loaded.inputs.aux.ndvi! };
}

/**
 * The scene with its NDVI levels held as float32 from the reader's raster (cropped to the scene,
 * block-averaged level by level as prepare builds them), not through the packed codes.
 */
function withFloatNdvi(s: Scene, ndvi: Raster): Scene {
  const levels = [...s.levels];
  let r = cropRaster(ndvi, s.alignment.auxWindow);
  for (let k = s.stages; k >= 0; k--) {
    levels[k] = { ...levels[k], aux: { ...levels[k].aux, ndvi: { ...r, ...levels[k].grid } } };
    r = aggregateMean(r, 2);
  }
  return { ...s, levels };
}

const hash = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe.skipIf(!hasData(DHAKA))('compact (int16) storage of the output grid on real MODIS products', () => {
  it('gives SRDA-Net stage LST and uncertainty bit-identical to float32 storage, through the two-worker pool (Dhaka DOY 097, 153)', async () => {
    const pool = await createSrdaPool(await readSrdaWeights(), { jobs: 2, backend: 'wasm' });
    try {
      for (const [doy, ndviDoy] of [['097', '097'], ['153', '145']]) {
        const { scene: packed, ndvi } = await dhaka(doy, ndviDoy);
        const layer = packed.levels[packed.stages].aux.ndvi!;
        expect(isPacked(layer)).toBe(true);
        const plain = withFloatNdvi(packed, ndvi);
        const float = plain.levels[plain.stages].aux.ndvi!;
        expect(isPacked(float)).toBe(false);
        expect(hash(unpackRaster(layer).data)).toBe(hash(unpackRaster(float).data));
        // The 500 m and 1 km levels are not held: block means of the codes, read per window.
        for (let k = 0; k < packed.stages; k++) {
          expect(isDerived(packed.levels[k].aux.ndvi!)).toBe(true);
          expect(hash(unpackRaster(packed.levels[k].aux.ndvi!).data)).toBe(hash(unpackRaster(plain.levels[k].aux.ndvi!).data));
        }
        // 32 px tiles: windows cut through the packed layer, edges included.
        const a = await runDownscale(plain, { method: pool, tileCoarsePx: 32 });
        const b = await runDownscale(packed, { method: pool, tileCoarsePx: 32 });
        expect(b.stages.length).toBe(2);
        for (let k = 0; k < a.stages.length; k++) {
          expect(hash(b.stages[k].lst.data)).toBe(hash(a.stages[k].lst.data));
          expect(b.stages[k].sigma).toBeDefined();
          expect(hash(b.stages[k].sigma!.data)).toBe(hash(a.stages[k].sigma!.data));
        }
      }
    } finally {
      await pool.close();
    }
  }, 300_000);
});
