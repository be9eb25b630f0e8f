import { describe, expect, it } from 'vitest';
import { readShippedWeights } from '../test-support/data.ts';
import { liveTensors } from '../test-support/tensors.ts';
import type { StageMethod } from './method.ts';
import { createMethodFactory, loadMethod } from './methods.ts';
import type { SrdaMethod } from './methods/srda.ts';

describe('createMethodFactory', () => {
  it('builds the baselines without reading SRDA-Net weights', async () => {
    let reads = 0;
    const factory = createMethodFactory({ readWeights: () => (reads++, readShippedWeights()) });
    expect((await factory.load('tsharp')).id).toBe('tsharp');
    expect((await loadMethod('dms')).id).toBe('dms');
    expect(reads).toBe(0);
    await expect(factory.load('srdanet')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('srda, bicubic, tsharp, dms') });
  });

  it('refuses SRDA-Net without a weights reader, and the default falls back to bicubic saying why', async () => {
    await expect(loadMethod('srda')).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    const { method, notice } = await createMethodFactory().loadDefault();
    expect(method.id).toBe('bicubic');
    expect(notice).toBe('SRDA-Net unavailable (SRDA-Net weights were not found (no model.json given).); using bicubic.');
  });

  it('falls back when the reader fails, naming the reader\'s reason', async () => {
    const factory = createMethodFactory({ readWeights: () => Promise.reject(new Error('Cannot read SRDA-Net weights /nowhere/model.json')) });
    const { method, notice } = await factory.loadDefault();
    expect(method.id).toBe('bicubic');
    expect(notice).toContain('/nowhere/model.json');
  });

  it('builds SRDA-Net on a runner from the weights it reads, reporting start-up progress, and the method releases it', async () => {
    const before = liveTensors();
    const stages: string[] = [];
    const factory = createMethodFactory({ readWeights: readShippedWeights, backend: 'wasm', onProgress: (p) => stages.push(`${p.stage} ${p.done}/${p.total}`) });
    const method = (await factory.load('srda')) as SrdaMethod;
    try {
      expect(method.id).toBe('srda');
      expect(method.backend.name).toBe('wasm');
      expect(method.weights.format).toBe('srda-net');
      expect(Number.isFinite(method.haloCoarsePx)).toBe(true);
      expect(stages).toEqual(['starting SRDA-Net 0/2', 'starting SRDA-Net 1/2', 'starting SRDA-Net 2/2']);
      expect(liveTensors()).toBeGreaterThan(before);
    } finally {
      method.dispose();
    }
    expect(liveTensors()).toBe(before);
  });

  it('hands the weights to a pool when one is given, but not when fine-tuning needs the whole scene in one place', async () => {
    const pooled: unknown[] = [];
    const pool: StageMethod = { id: 'srda', label: 'pool', usesAux: [], haloCoarsePx: 10, runStage: () => Promise.resolve(new Float32Array()) };
    const weights = await readShippedWeights();
    const startPool = (w: unknown) => (pooled.push(w), Promise.resolve(pool));
    expect(await createMethodFactory({ readWeights: () => Promise.resolve(weights), startPool }).load('srda')).toBe(pool);
    expect(pooled).toEqual([weights]);
    const tuned = (await createMethodFactory({ readWeights: () => Promise.resolve(weights), startPool, backend: 'wasm', finetuneSteps: 5 }).load('srda')) as SrdaMethod;
    try {
      expect(tuned).not.toBe(pool);
      expect(tuned.haloCoarsePx).toBe(Infinity);
      expect(pooled).toHaveLength(1);
    } finally {
      tuned.dispose();
    }
  });
});
