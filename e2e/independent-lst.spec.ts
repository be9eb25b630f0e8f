import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { aggregateMean } from '../src/core/raster/aggregate.ts';
import { writeGeoTiff } from '../src/io/geotiff-write.ts';
import { readBand } from '../src/test-support/data.ts';
import { dropAndRun, repoRoot, screensDir, shoot, tempDir, waitForRunEnd } from './helpers.ts';

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

// Landsat 5 Para made coarse: the thermal band at 240 m, red and NIR at 60 m (outputs at 120 m and 60 m),
// and the thermal band at 120 m as the independent LST, coarser than the 60 m output.
const PARA = resolve(repoRoot, '../shared/data/landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');

test.describe('an independent LST coarser than the finest output (Para 240 m -> 60 m, the LST at 120 m)', () => {
  test.skip(!existsSync(`${PARA}_B6.TIF`), 'shared Landsat 5 Para data absent');
  let files: string[] = [];
  test.beforeAll(async () => {
    const dir = tempDir('para-coarse-truth-');
    const made: [string, number, string][] = [['B6', 8, '240m'], ['B3', 2, '60m'], ['B4', 2, '60m'], ['B6', 4, '120m']];
    files = [];
    for (const [band, f, res] of made) {
      const file = join(dir, `LT52240631988227CUB02_${band}_${res}.tif`);
      writeFileSync(file, writeGeoTiff([{ raster: aggregateMean(await readBand(`${PARA}_${band}.TIF`), f, { maxInvalidFraction: 0 }), units: 'K' }]));
      files.push(file);
    }
  });

  const repeats =
    "The 60 m outputs average back exactly to the 120 m outputs (residual correction keeps each block's mean), so against LT52240631988227CUB02_B6_120m.tif they score as the 120 m rows; LT52240631988227CUB02_B6_120m.tif cannot score detail finer than 120 m.";
  for (const [width, height] of [[1440, 900], [390, 844]]) {
    test(`shows no 60 m rows that repeat the 120 m rows at the LST's resolution, and the trust panel says why (${width} x ${height})`, async ({ page }) => {
      await page.setViewportSize({ width, height });
      await dropAndRun(page, files, 'tsharp');
      const panel = page.getByTestId('trust-truth');
      await expect(panel).toContainText("an independent LST of the same date (about 120 m), put on each output's grid:");
      await expect(page.getByTestId('trust-truth-resolution')).toHaveText(repeats);
      // Before, the 60 m outputs had rows "60 m at 120 m" with the 120 m rows' numbers.
      await expect(panel.locator('[data-testid=truth-row][data-stage="2"]')).toHaveCount(0);
      await expect(panel.locator('[data-testid=truth-row][data-stage="1"]')).toHaveCount(2);
      await expect(page.getByTestId('trust-truth-verdict')).toContainText(/^At 120 m, TsHARP's detail/);
      expect(await page.evaluate(() => window.__srda.notices)).toContain(repeats);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(width);
      await page.getByTestId('trust').scrollIntoViewIfNeeded();
      await shoot(page, `independent-lst-coarser-${width}`);
      await page.getByTestId('trust-truth').screenshot({ path: join(screensDir, `independent-lst-coarser-${width}-panel.png`) });
    });
  }

  test("with Residual correction off, scores the 60 m outputs at the LST's 120 m resolution as rows of their own", async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles(files);
    await expect(page.getByTestId('file-row')).toHaveCount(files.length);
    await page.getByTestId('method').selectOption('tsharp');
    await page.getByTestId('residual').uncheck();
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 170_000)).toBe('done');
    const panel = page.getByTestId('trust-truth');
    await expect(panel).toContainText("put on each output's grid, or each output finer than it block-averaged onto its grid:");
    await expect(page.getByTestId('trust-truth-resolution')).toHaveText(
      'The 60 m output is finer than LT52240631988227CUB02_B6_120m.tif, so it is scored at its 120 m resolution: block-averaged 2 x 2 onto its grid.',
    );
    await expect(panel.locator('[data-testid=truth-row][data-stage="2"]')).toHaveCount(2);
    await expect(panel.locator('[data-testid=truth-row][data-stage="2"]').first()).toContainText('60 m at 120 m');
    await expect(page.getByTestId('trust-truth-verdict')).toContainText(/^At 120 m \(the 60 m outputs block-averaged onto LT52240631988227CUB02_B6_120m\.tif's grid\), TsHARP's detail/);
    await page.getByTestId('trust-truth').screenshot({ path: join(screensDir, 'independent-lst-coarser-uncorrected-1440-panel.png') });
  });
});
