import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import type { StageInput } from './method.ts';
import { poolMethod, runLimited, type TileRunner } from './tile-pool.ts';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runLimited', () => {
  it('keeps at most `limit` jobs in flight and runs every job once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await runLimited(7, 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await tick(5 + ((i * 7) % 4));
      seen.push(i);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('rejects with the first failure and starts no job after it', async () => {
    const started: number[] = [];
    const run = runLimited(10, 2, async (i) => {
      started.push(i);
      await tick(2);
      if (i === 1) throw new Error('tile 1 failed');
    });
    await expect(run).rejects.toThrow('tile 1 failed');
    expect(Math.max(...started)).toBeLessThan(4);
  });

  it('stops with CANCELLED between jobs when the signal is aborted', async () => {
    const ctl = new AbortController();
    const run = runLimited(
      5,
      1,
      async (i) => {
        if (i === 1) ctl.abort();
      },
      { signal: ctl.signal },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

/** A worker whose tiles finish when the test says (`finish(n)`), recording when it was closed. */
function heldRunner(name: string, log: string[]) {
  const held: Array<() => void> = [];
  const runner: TileRunner = {
    queueDepth: 2,
    runTile: () =>
      new Promise<Float32Array>((resolve) => {
        log.push(`${name} tile`);
        held.push(() => resolve(new Float32Array(4)));
      }),
    close: () => void log.push(`${name} closed`),
  };
  return { runner, finish: () => held.shift()?.(), get held() { return held.length; } };
}

const base = { id: 'srda', label: 'probe', usesAux: [], haloCoarsePx: 2 } as const;
const input = {} as StageInput;
const settle = () => tick(0);

describe('poolMethod retire', () => {
  it('ends each worker once its tiles in flight are done, and serves every tile asked before', async () => {
    const log: string[] = [];
    const a = heldRunner('a', log);
    const b = heldRunner('b', log);
    const pool = poolMethod(base, [a.runner, b.runner]);
    // Five tiles for four slots: the fifth waits for a worker.
    const tiles = Array.from({ length: 5 }, () => pool.runStage(input));
    await settle();
    expect(a.held + b.held).toBe(4);
    pool.retire();
    expect(log.filter((l) => l.endsWith('closed'))).toEqual([]);
    a.finish();
    await settle();
    // a took the waiting fifth tile instead of ending.
    expect(a.held).toBe(2);
    expect(log).not.toContain('a closed');
    b.finish();
    b.finish();
    await settle();
    expect(log).toContain('b closed');
    expect(log).not.toContain('a closed');
    a.finish();
    a.finish();
    await Promise.all(tiles);
    expect(log.filter((l) => l.endsWith('closed'))).toEqual(['b closed', 'a closed']);
    expect(pool.tilesPerWorker).toEqual([3, 2]);
  });

  it('ends idle workers at once and rejects a tile asked after every worker ended', async () => {
    const log: string[] = [];
    const a = heldRunner('a', log);
    const b = heldRunner('b', log);
    const pool = poolMethod(base, [a.runner, b.runner]);
    const one = pool.runStage(input);
    await settle();
    pool.retire();
    // b had no tile: it ends now; a still serves the one it has.
    expect(log).toEqual(['a tile', 'b closed']);
    a.finish();
    await one;
    await settle();
    expect(log).toEqual(['a tile', 'b closed', 'a closed']);
    const late = pool.runStage(input);
    await expect(late).rejects.toBeInstanceOf(AppError);
    await expect(late).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
