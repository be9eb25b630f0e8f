import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { gdalReadFloat32, maxAbsDiff, saveDownload, shoot, tempDir } from './helpers.ts';

async function exportFinal(page: Page, out: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').click(),
  ]);
  return saveDownload(download, out);
}

async function exportReport(page: Page, out: string): Promise<{ settings: Record<string, unknown>; notices: string[] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
  const zip = unzipSync(new Uint8Array(readFileSync(await saveDownload(download, out))));
  return JSON.parse(strFromU8(zip['report.json'])) as { settings: Record<string, unknown>; notices: string[] };
}

test.describe('the orientations choice', () => {
  test('runs SRDA-Net in one pass by default, over 2 or 8 orientations when chosen: the notices, trust panel and report say which, the outputs differ', async ({ page }) => {
    test.setTimeout(500_000);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(page.getByTestId('method')).toHaveValue('srda');
    const choice = page.getByTestId('orientations');
    await expect(choice).toHaveValue('1');
    await expect(choice.locator('option')).toHaveText([
      '1 (default: one pass, fastest)',
      '2 (also rotated 180°: 2 passes)',
      '8 (all orientations, slowest)',
    ]);
    const out = tempDir('srda-orientations-');
    const trust = page.locator('[data-testid=trust-method][data-method="srda"]');
    type Metric = { method: string; rmse: number; orientations?: number };
    const rmseOf = (ms: Metric[], id: string): number => ms.find((m) => m.method === id)!.rmse;
    const runWith = async (n: number): Promise<Metric[]> => {
      await page.getByTestId('run').click();
      await page.waitForFunction(
        (k) => window.__srda.status === 'done' && window.__srda.metrics.some((m) => m.method === 'srda' && (m.orientations ?? 1) === k),
        n,
        { timeout: 300_000 },
      );
      return (await page.evaluate(() => window.__srda.metrics)) as Metric[];
    };

    // Default, one pass: nothing speaks of orientations but the report's setting.
    const oneMetrics = await runWith(1);
    await expect(trust).toBeVisible();
    await expect(trust).not.toContainText('orientations');
    expect((await page.evaluate(() => window.__srda.notices)).join(' ')).not.toMatch(/orientations/);
    expect((await exportReport(page, join(out, 'zip1'))).settings.srdaOrientations).toBe(1);
    const oneFile = await exportFinal(page, join(out, 'one'));

    // Only SRDA-Net averages over orientations: with another method the choice is off limits, as "Keep all of SRDA-Net's detail" is.
    await page.getByTestId('method').selectOption('bicubic');
    await expect(choice).toBeDisabled();
    await expect(page.getByTestId('full-detail')).toBeDisabled();
    await page.getByTestId('method').selectOption('srda');
    await expect(choice).toBeEnabled();

    // Two: the input as it is and rotated 180 degrees.
    await choice.selectOption('2');
    await expect(page.getByTestId('stale-settings')).toContainText('Results made with other settings: press Run to update them (orientations)');
    const twoMetrics = await runWith(2);
    const two = "SRDA-Net's prediction is the mean over 2 orientations of its input (as it is and rotated 180 degrees)";
    await expect(trust).toContainText('Its prediction is the mean over 2 orientations of its input (as it is and rotated 180 degrees).');
    await expect(page.getByTestId('notices')).toContainText(two);
    const twoReport = await exportReport(page, join(out, 'zip2'));
    expect(twoReport.settings.srdaOrientations).toBe(2);
    expect(twoReport.notices.join(' ')).toContain(two);
    const twoFile = await exportFinal(page, join(out, 'two'));

    // Eight: all mirrors, rotations and transposes.
    await choice.selectOption('8');
    const eightMetrics = await runWith(8);
    await shoot(page, 'orientations-eight');
    await expect(trust).toContainText('Its prediction is the mean over 8 orientations of its input (mirrored, rotated, transposed).');
    const notice = "SRDA-Net's prediction is the mean over 8 orientations of its input";
    await expect(page.getByTestId('notices')).toContainText(notice);
    const report = await exportReport(page, join(out, 'zip'));
    expect(report.settings.srdaOrientations).toBe(8);
    expect(report.notices.join(' ')).toContain(notice);
    const eightFile = await exportFinal(page, join(out, 'eight'));

    // The closed-loop check ran SRDA-Net with the chosen passes too: its score moved, bicubic's did not.
    for (const ms of [twoMetrics, eightMetrics]) {
      expect(rmseOf(ms, 'bicubic')).toBe(rmseOf(oneMetrics, 'bicubic'));
      expect(rmseOf(ms, 'srda')).not.toBe(rmseOf(oneMetrics, 'srda'));
    }
    const a = gdalReadFloat32(oneFile);
    for (const file of [twoFile, eightFile]) {
      const apart = maxAbsDiff(gdalReadFloat32(file).data, a.data);
      expect(apart.validityMismatch).toBe(0);
      expect(apart.n).toBeGreaterThan(30_000);
      expect(apart.maxAbs).toBeGreaterThan(0.01);
    }
  });
});
