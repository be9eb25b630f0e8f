import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { gdalReadFloat32, maxAbsDiff, saveDownload, shoot, tempDir, waitForRunEnd } from './helpers.ts';

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

test.describe('"Average 8 orientations"', () => {
  test('runs SRDA-Net over the eight orientations of its input: the notices, trust panel and report say so, the output differs from the default run', async ({ page }) => {
    test.setTimeout(400_000);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(page.getByTestId('method')).toHaveValue('srda');
    const box = page.getByTestId('orientations');
    await expect(box).not.toBeChecked();
    const out = tempDir('srda-orientations-');
    const trust = page.locator('[data-testid=trust-method][data-method="srda"]');

    // Default: one pass; nothing speaks of orientations.
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    await expect(trust).toBeVisible();
    await expect(trust).not.toContainText('orientations');
    expect((await page.evaluate(() => window.__srda.notices)).join(' ')).not.toMatch(/orientations/);
    const single = await exportFinal(page, join(out, 'single'));
    type Metric = { method: string; rmse: number };
    const rmseOf = (ms: Metric[], id: string): number => ms.find((m) => m.method === id)!.rmse;
    const singleMetrics = (await page.evaluate(() => window.__srda.metrics)) as Metric[];

    // Only SRDA-Net averages over orientations: with another method the box is off limits, as "Keep all of SRDA-Net's detail" is.
    await page.getByTestId('method').selectOption('bicubic');
    await expect(box).toBeDisabled();
    await expect(page.getByTestId('full-detail')).toBeDisabled();
    await page.getByTestId('method').selectOption('srda');
    await expect(box).toBeEnabled();

    // Ticked: the same scene again, averaged over the eight orientations.
    await box.check();
    await page.getByTestId('run').click();
    await page.waitForFunction(
      () => window.__srda.status === 'done' && window.__srda.metrics.some((m) => m.method === 'srda' && m.orientations === 8),
      null,
      { timeout: 300_000 },
    );
    await shoot(page, 'orientations-ticked');
    await expect(trust).toContainText('Its prediction is the mean over 8 orientations of its input');
    const notice = "SRDA-Net's prediction is the mean over 8 orientations of its input";
    await expect(page.getByTestId('notices')).toContainText(notice);
    const report = await exportReport(page, join(out, 'zip'));
    expect(report.settings.srdaOrientations).toBe(8);
    expect(report.notices.join(' ')).toContain(notice);
    const eight = await exportFinal(page, join(out, 'eight'));
    // The closed-loop check ran the averaged SRDA-Net too: its score moved, bicubic's did not.
    const eightMetrics = (await page.evaluate(() => window.__srda.metrics)) as Metric[];
    expect(rmseOf(eightMetrics, 'bicubic')).toBe(rmseOf(singleMetrics, 'bicubic'));
    expect(rmseOf(eightMetrics, 'srda')).not.toBe(rmseOf(singleMetrics, 'srda'));

    const a = gdalReadFloat32(single);
    const b = gdalReadFloat32(eight);
    const apart = maxAbsDiff(b.data, a.data);
    expect(apart.validityMismatch).toBe(0);
    expect(apart.n).toBeGreaterThan(30_000);
    expect(apart.maxAbs).toBeGreaterThan(0.01);
  });
});
