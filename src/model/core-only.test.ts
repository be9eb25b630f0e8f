import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.ts';
import { createSrdaRunner } from './runner.ts';
import { initParams, SRDA_SIZES } from './srda-net.ts';
import { encodeSrdaWeights } from './weights.ts';

// No import of the @tensorflow/tfjs bundle in this file (vitest runs each test file on its own):
// only what model/ itself loads, as in the CLI's threads. Inference needs tfjs-core and a backend;
// fine-tuning also needs every op's gradient and the chained tensor methods, which model/train.ts
// brings when fine-tuning starts.
describe('SRDA-Net on what model/ loads itself', () => {
  it('predicts and fine-tunes on the cpu backend', async () => {
    await selectBackend({ only: 'cpu' });
    const runner = await createSrdaRunner(await encodeSrdaWeights(SRDA_SIZES.tiny, 'tiny', initParams(SRDA_SIZES.tiny, 3)), { backend: 'cpu' });
    try {
      const n = 32;
      const lstK = Float32Array.from({ length: n * n }, (_, i) => 295 + 3 * Math.sin(i / 7) + ((i * 13) % 11) * 0.1);
      const ndvi = Float32Array.from({ length: 4 * n * n }, (_, i) => 0.2 + 0.5 * Math.abs(Math.sin(i / 23)));
      const out = await runner.predict({ width: n, height: n, coarseLstK: lstK, fineAux: { ndvi } });
      expect(out.lstK.every((v) => Number.isFinite(v))).toBe(true);
      const report = await runner.finetune({ width: n, height: n, lstK, aux: { ndvi } }, { steps: 2 });
      expect(report.steps).toBe(2);
    } finally {
      runner.dispose();
    }
  }, 120_000);
});
