import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { dropAndRun, repoRoot } from './helpers.ts';

// One MODIS-ASTER pair as a user has it: 1 km MOD21 LST, 250 m MOD09GQ NDVI, the concurrent ASTER LST.
const PAIR = resolve(repoRoot, '../shared/data/modis-aster-h18v04-sifcnnsr/7');
const FILES = ['MOD21A1D_LST_1km.tif', 'MOD09GQ_NDVI_250m.tif', 'ASTER_LST_250m.tif'].map((n) => join(PAIR, n));

test.describe('an independent LST of the same date dropped beside the MODIS LST (MODIS-ASTER pair 7)', () => {
  test.skip(!existsSync(PAIR), 'shared MODIS-ASTER data absent');

  test('scores each output against it in the trust panel, as `srda-lst evaluate --truth` does, and maps it and the difference', async ({ page }) => {
    test.setTimeout(240_000);
    await dropAndRun(page, FILES, 'all');

    const panel = page.getByTestId('trust-truth');
    await expect(panel).toContainText('Against ASTER_LST_250m.tif, an independent LST of the same date (about 232 m)');
    // Every method at both outputs (463 m and 232 m).
    await expect(panel.getByTestId('truth-row')).toHaveCount(8);
    await expect(page.getByTestId('trust-truth-verdict')).toContainText(/^At 232 m, SRDA-Net's detail within each input pixel is \d+ % (closer to|farther from) ASTER_LST_250m\.tif's than bicubic's/);
    // Before, the panel said the fine output could not be checked at all.
    await expect(page.getByTestId('trust')).not.toContainText('cannot be checked directly');
    // The scene's note says so before the run, and names no switch to ASTER (nothing finer to downscale it onto).
    await expect(page.getByTestId('scene-panel')).toContainText('ASTER_LST_250m.tif is not downscaled: it is the independent truth each output is scored against.');
    await expect(page.getByTestId('scene-panel')).not.toContainText('To use ASTER_LST_250m.tif instead');
    const ids = (await page.evaluate(() => window.__srda.layers)).map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['truth-250m', 'diff-truth-250m']));

    // The command line scores the same outputs against the same file: the same numbers (SRDA-Net
    // within the backends' difference, the classical methods to rounding).
    const truth = (await page.evaluate(() => window.__srda.truth))!;
    const cli = JSON.parse(
      execFileSync(process.execPath, [join(repoRoot, 'bin/srda-lst.js'), 'evaluate', '--lst', FILES[0], '--ndvi', FILES[1], '--truth', FILES[2], '--methods', 'srda,bicubic,tsharp,dms', '--json', '-q'], { encoding: 'utf8' }),
    ) as { truth: { methods: { method: string; scores: { rmseK: number; n: number }; detail: { detailRmseK: number; offsetFreeRmseK: number } }[] } };
    for (const m of cli.truth.methods) {
      const app = truth.rows.find((r) => r.method === m.method && r.stage === 2)!;
      expect(app.n, m.method).toBe(m.scores.n);
      const tol = m.method === 'srda' ? 0.01 : 0.002;
      expect(Math.abs(app.rmseK - m.scores.rmseK), m.method).toBeLessThan(tol);
      expect(Math.abs(app.offsetFreeRmseK - m.detail.offsetFreeRmseK), m.method).toBeLessThan(tol);
      expect(Math.abs(app.detailRmseK - m.detail.detailRmseK), m.method).toBeLessThan(tol);
    }
  });

  test('on a phone the table scrolls inside the trust panel and the panel stays on the screen', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await dropAndRun(page, FILES, 'bicubic');
    await expect(page.getByTestId('truth-row')).toHaveCount(2);
    // Before, the eight-column table widened the panel to 541 px and cut off every sentence at 390 px.
    const [panel, trust, page_] = await page.evaluate(() => [
      document.querySelector('[data-testid=trust]')!.parentElement!.clientWidth,
      document.querySelector<HTMLElement>('[data-testid=trust]')!.offsetWidth,
      document.documentElement.scrollWidth,
    ]);
    expect(trust).toBeLessThanOrEqual(panel);
    expect(page_).toBe(390);
  });
});
