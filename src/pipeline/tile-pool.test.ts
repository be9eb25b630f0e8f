import { describe, expect, it } from 'vitest';
import { runLimited } from './tile-pool.ts';

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
