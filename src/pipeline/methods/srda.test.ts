import { describe, expect, it } from 'vitest';
import { aggregateMean } from '../../core/raster/aggregate.ts';
import { readShippedWeights } from '../../test-support/data.ts';
import { liveTensors } from '../../test-support/tensors.ts';
import { runDownscale } from '../downscale.ts';
import { prepareScene } from '../prepare.ts';
import { synthScene } from '../test-scenes.ts';
import { createSrdaMethod } from './srda.ts';
import { maxAbsDifference } from '../../core/raster/metrics.ts';

describe('srda StageMethod', () => {
  it('runs both stages through the pipeline runner, seam-free when tiled, conserving energy', async () => {
    const method = await createSrdaMethod(await readShippedWeights(), { backend: 'wasm' });
    expect(method.backend.name).toBe('wasm');
    expect(method.id).toBe('srda');
    const { ndvi, lst } = synthScene(160, 128, 250);
    const coarse = aggregateMean(lst, 4);
    for (let r = 5; r < 12; r++) for (let c = 8; c < 15; c++) coarse.data[r * coarse.width + c] = Number.NaN;
    const scene = prepareScene({ lst: coarse, aux: { ndvi } });
    const before = liveTensors();
    const whole = await runDownscale(scene, { method, tileCoarsePx: 1024 });
    const tiled = await runDownscale(scene, { method, tileCoarsePx: 16 });
    expect(liveTensors()).toBe(before);
    expect(tiled.stages[0].tiles).toBeGreaterThan(4);
    for (let k = 0; k < 2; k++) {
      // Each tile's network runs on its core plus srdaNetworkHaloCoarsePx, 4 px short of the
      // receptive radius: on real scenes LST within 3.7e-4 K and sigma within 4.2e-3 K of the
      // untiled stage (see there).
      expect(maxAbsDifference(whole.stages[k].lst.data, tiled.stages[k].lst.data)).toBeLessThan(1e-3);
      expect(maxAbsDifference(whole.stages[k].sigma!.data, tiled.stages[k].sigma!.data)).toBeLessThan(1e-2);
      expect(whole.stages[k].energy.maxAbsK).toBeLessThan(1e-3);
    }
    const out = whole.stages[1].lst.data;
    expect(Array.from(out).filter(Number.isFinite).length).toBeGreaterThan(0.9 * out.length);
    method.dispose();
  });
});
