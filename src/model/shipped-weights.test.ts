import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { dhakaStageInput, hasData, readShippedWeights } from '../test-support/data.ts';
import { selectBackend } from './backend.ts';
import { runSrda, type SrdaStageInput } from './infer.ts';
import { loadSrdaWeights, type SrdaModel } from './weights.ts';

describe.skipIf(!hasData('dhaka-mod11a2-mod13q1-2024-citypath'))('shipped SRDA-Net weights on a real Dhaka MODIS tile', () => {
  let model: SrdaModel;
  let input: SrdaStageInput;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await loadSrdaWeights(await readShippedWeights());
    input = await dhakaStageInput();
  });
  afterAll(() => model?.dispose());

  it('loads and gives a finite 500 m field whose block means stay near the 1 km input', async () => {
    expect(model.meta.format).toBe('srda-net');
    const before = tf.memory().numTensors;
    const out = await runSrda(model, input);
    expect(tf.memory().numTensors).toBe(before);
    const w = input.width;
    let n = 0;
    let maxDev = 0;
    for (let y = 0; y < input.height; y++) {
      for (let x = 0; x < w; x++) {
        const c = input.coarseLstK[y * w + x];
        if (Number.isNaN(c)) continue;
        const q = [out[2 * y * 2 * w + 2 * x], out[2 * y * 2 * w + 2 * x + 1], out[(2 * y + 1) * 2 * w + 2 * x], out[(2 * y + 1) * 2 * w + 2 * x + 1]];
        expect(q.every(Number.isFinite)).toBe(true);
        maxDev = Math.max(maxDev, Math.abs((q[0] + q[1] + q[2] + q[3]) / 4 - c));
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
    expect(maxDev).toBeLessThan(2); // before residual correction: the degradation loss keeps it close
  });

  it('agrees between cpu and wasm within 1e-3 K', async () => {
    const cpu = await runSrda(model, input);
    await selectBackend({ only: 'wasm' });
    const wasm = await runSrda(model, input);
    await tf.setBackend('cpu');
    let m = 0;
    for (let i = 0; i < cpu.length; i++) if (!Number.isNaN(cpu[i])) m = Math.max(m, Math.abs(cpu[i] - wasm[i]));
    expect(m).toBeLessThan(1e-3);
  });
});
