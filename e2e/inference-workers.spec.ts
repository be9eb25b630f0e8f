import { expect, test } from '@playwright/test';
import { waitForRunEnd } from './helpers.ts';

test.describe('SRDA-Net inference workers in the app', () => {
  test('runs SRDA-Net on two tile Web Workers on wasm when the machine has two cores', async ({ page }) => {
    const workers: string[] = [];
    let tileWorkersClosed = 0;
    page.on('worker', (w) => {
      workers.push(w.url());
      if (/srda-tile/.test(w.url())) w.on('close', () => tileWorkersClosed++);
    });
    await page.goto('/');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const backend = await page.evaluate(() => window.__srda.backend);
    const notices = await page.evaluate(() => window.__srda.notices);
    expect(notices.filter((n) => /one core/.test(n))).toEqual([]);
    if (backend?.name === 'wasm') expect(backend.inferenceWorkers).toBe(Math.min(2, cores));
    else expect(backend?.inferenceWorkers).toBe(1);
    // The downscale worker and, on wasm with two cores, the SRDA-Net tile workers it starts: one per
    // inference worker (the downscale worker itself runs no tile then).
    if ((backend?.inferenceWorkers ?? 1) > 1) {
      expect(workers.filter((u) => /srda-tile/.test(u))).toHaveLength(backend!.inferenceWorkers!);
      // The run ends its extra inference worker once it no longer needs it, not at the next run.
      await expect.poll(() => tileWorkersClosed).toBe(workers.filter((u) => /srda-tile/.test(u)).length);
    }
    expect(await page.evaluate(() => window.__srda.layers.some((l) => l.id === 'lst-250m'))).toBe(true);
  });
});
