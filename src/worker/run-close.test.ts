import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { bicubicMethod } from '../pipeline/baselines/bicubic.ts';
import { ingestFiles } from './inputs.ts';
import { runJob } from './run.ts';

/** SRDA-Net as a pool of inference workers would be: bicubic tiles, and a `close` that ends the workers. */
const pool = vi.hoisted(() => ({ close: (): Promise<void> => Promise.resolve() }));
vi.mock(import('./model.ts'), () => ({
  prepareModel: () =>
    Promise.resolve({
      isAvailable: true,
      method: { ...bicubicMethod, id: 'srda' as const, label: 'SRDA-Net (pooled)', notices: [], backend: { name: 'wasm' }, close: () => pool.close() },
      backend: { name: 'wasm', inferenceWorkers: 2 },
    }) as never,
}));

const demo = resolve(import.meta.dirname, '../../public/demo');
const file = (name: string) => new File([readFileSync(join(demo, name))], name);

async function demoParams() {
  const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
  const { inputs: rows } = await ingestFiles(manifest.files.map(file));
  return { inputs: rows.map((r) => ({ id: r.id, role: r.role })), method: 'srda' as const, srdaFullDetail: true, residualCorrection: true, finetuneSteps: 0, backend: 'auto' as const, evaluate: true, appBaseUrl: 'http://localhost/' };
}

describe('runJob and the inference workers of SRDA-Net', () => {
  beforeEach(() => {
    pool.close = vi.fn(() => Promise.resolve());
  });

  it('ends the inference workers when the run is done', async () => {
    const result = await runJob(await demoParams(), {}, []);
    expect(result.layers.some((l) => l.method === 'srda')).toBe(true);
    expect(pool.close).toHaveBeenCalledTimes(1);
  });

  it('ends the inference workers when the run is cancelled after SRDA-Net loaded', async () => {
    const ac = new AbortController();
    const params = await demoParams();
    const onProgress = (p: { stage: string }) => {
      if (p.stage.startsWith('SRDA-Net, stage 2')) ac.abort();
    };
    const error = await runJob(params, { signal: ac.signal, onProgress }, []).then(() => undefined, (e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('CANCELLED');
    expect(pool.close).toHaveBeenCalledTimes(1);
  });

  it('ends the inference workers when the cancel comes after the closed-loop check', async () => {
    const ac = new AbortController();
    const onProgress = (p: { stage: string }) => {
      if (p.stage === 'closed-loop check') ac.abort();
    };
    const error = await runJob(await demoParams(), { signal: ac.signal, onProgress }, []).then(() => undefined, (e: unknown) => e);
    // A cancel, not a check that failed on workers already ended.
    expect(isAppError(error) && error.code).toBe('CANCELLED');
    expect(pool.close).toHaveBeenCalledTimes(1);
  });
});
