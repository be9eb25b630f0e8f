import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { gdalReadFloat32, maxAbsDiff, repoRoot, saveDownload, shoot, tempDir, waitForRunEnd } from './helpers.ts';

// One MODIS-ASTER pair: MOD21A1D 1 km LST + MOD09GQ 250 m NDVI, 64x64 -> 256x256. Its own closed
// loop keeps about two thirds of SRDA-Net's detail, so the weighted and the full output differ.
const dir = resolve(repoRoot, '../shared/data/modis-aster-h18v04-sifcnnsr/27');
const LST = join(dir, 'MOD21A1D_LST_1km.tif');
const NDVI = join(dir, 'MOD09GQ_NDVI_250m.tif');

async function exportFinal(page: Page, out: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').click(),
  ]);
  return saveDownload(download, out);
}

/** Runs the CLI on the pair into `out` and resolves to its final GeoTIFF. */
async function cli(out: string, extra: string[]): Promise<string> {
  await promisify(execFile)(
    'npx',
    ['srda-lst', 'downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', ...extra, '--out', out, '--quiet'],
    { cwd: repoRoot, timeout: 300_000 },
  );
  return join(out, 'lst_stage2.tif');
}

test.describe('"Keep all of SRDA-Net\'s detail"', () => {
  test.skip(!existsSync(LST) || !existsSync(NDVI), 'shared MODIS-ASTER pair 27 absent');

  test('turns the closed-loop detail weight off: no share in the trust panel or notices, another output, equal to the CLI with --full-detail', async ({ page }) => {
    test.setTimeout(400_000);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([LST, NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    const roles = await page.getByTestId('file-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
    expect(roles).toEqual(['lst', 'ndvi']);
    await expect(page.getByTestId('method')).toHaveValue('srda');
    const box = page.getByTestId('full-detail');
    await expect(box).not.toBeChecked();
    const out = tempDir('srda-full-detail-');
    // The CLI's two runs go on beside the app's (they share no state), one after the other.
    const cliWeightedRun = cli(join(out, 'cli-weighted'), []);
    const cliFullRun = cliWeightedRun.then(() => cli(join(out, 'cli-full'), ['--full-detail']));
    cliFullRun.catch(() => undefined);

    // Default: SRDA-Net keeps the share of its detail that the scene's own closed loop supports.
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const trust = page.locator('[data-testid=trust-method][data-method="srda"]');
    const cliWeighted = await cliWeightedRun;
    const alpha = JSON.parse(readFileSync(join(out, 'cli-weighted', 'report.json'), 'utf8')).closedLoopCheck.detailWeight as number;
    expect(alpha).toBeGreaterThan(0.2);
    expect(alpha).toBeLessThan(0.9);
    const share = `keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail`;
    await expect(trust).toContainText(share);
    await expect(page.getByTestId('notices')).toContainText(share);
    const weighted = await exportFinal(page, join(out, 'web-weighted'));

    // Ticked: the same scene again with all of SRDA-Net's detail.
    await box.check();
    await page.getByTestId('run').click();
    await page.waitForFunction(
      () => window.__srda.status === 'done' && window.__srda.metrics.some((m) => m.method === 'srda' && m.detailWeight === undefined),
      null,
      { timeout: 170_000 },
    );
    await shoot(page, 'full-detail-ticked');
    await expect(trust).toBeVisible();
    await expect(trust).not.toContainText("of SRDA-Net's detail");
    await expect(trust).not.toContainText('output is the bicubic result');
    // SRDA-Net beats bicubic in this loop, so nothing warns either; no notice gives a share.
    expect((await page.evaluate(() => window.__srda.notices)).join(' ')).not.toMatch(/of SRDA-Net's detail|output is the bicubic result/);
    const full = await exportFinal(page, join(out, 'web-full'));

    const w = gdalReadFloat32(weighted);
    const f = gdalReadFloat32(full);
    const apart = maxAbsDiff(f.data, w.data);
    expect(apart.validityMismatch).toBe(0);
    expect(apart.n).toBeGreaterThan(30_000);
    expect(apart.maxAbs).toBeGreaterThan(0.1);

    // Each app output equals the CLI's in the same mode.
    const cliFull = await cliFullRun;
    for (const [web, file, mode] of [
      [f, cliFull, 'full detail'],
      [w, cliWeighted, 'weighted'],
    ] as const) {
      const cmp = maxAbsDiff(web.data, gdalReadFloat32(file).data);
      test.info().annotations.push({ type: 'cli-vs-web', description: `${mode}: max |diff| ${cmp.maxAbs} K over ${cmp.n} px` });
      expect(cmp.validityMismatch).toBe(0);
      expect(cmp.n).toBeGreaterThan(30_000);
      expect(cmp.maxAbs).toBeLessThan(1e-3);
    }
    const report = JSON.parse(readFileSync(join(out, 'cli-full', 'report.json'), 'utf8')) as { closedLoopCheck: Record<string, unknown> };
    expect(report.closedLoopCheck.detailWeight).toBeUndefined();
  });
});
