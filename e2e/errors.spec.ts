import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot, shoot, tempDir, waitForRunEnd } from './helpers.ts';

test.describe('bad input', () => {
  test('a bad file dropped after a run gives a clear error and loses nothing', async ({ page }) => {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const before = await page.evaluate(() => window.__srda.layers.map((l) => l.id));
    expect(before).toContain('lst-250m');

    const dir = tempDir('srda-bad-');
    const notTiff = join(dir, 'notes.tif');
    writeFileSync(notTiff, 'this is a text file, not a GeoTIFF\n');
    const ndvi = readFileSync(
      join(repoRoot, 'public/demo/MOD13Q1.061__250m_16_days_NDVI_doy2025161000000_aid0001.tif'),
    );
    const truncated = join(dir, 'MOD13Q1_truncated.tif');
    writeFileSync(truncated, ndvi.subarray(0, Math.floor(ndvi.length / 3)));
    await page.getByTestId('file-input').setInputFiles([notTiff, truncated]);
    await expect(page.getByTestId('file-row')).toHaveCount(5);

    const error = page.getByTestId('error');
    await expect(error).toBeVisible();
    await expect(error).toContainText('notes.tif');
    await expect(error).toContainText('is not a GeoTIFF');
    const badRows = page.locator('[data-testid=file-row].bad');
    await expect(badRows).toHaveCount(2);
    await expect(badRows.nth(1)).toContainText(/damaged or incomplete/);
    // Nothing lost: same status, same layers, the map still shows the result.
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done');
    expect(await page.evaluate(() => window.__srda.layers.map((l) => l.id))).toEqual(before);
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap())).toContain('lst-250m');
    await shoot(page, 'errors-1-bad-files');

    // A run that cannot start (no LST) reports what to do and keeps the earlier results.
    await page
      .getByTestId('file-row')
      .filter({ hasText: 'MOD11A1' })
      .locator('select')
      .selectOption('unknown');
    await expect(page.getByTestId('run')).toBeDisabled();
    await expect(page.getByTestId('run-blocker')).toHaveAttribute('data-code', 'MISSING_BAND');
    await expect(page.getByTestId('run-blocker')).toContainText('set the role of your LST file in the table');
    await expect(page.getByTestId('stale')).toContainText('role of');
    expect(await page.evaluate(() => window.__srda.layers.map((l) => l.id))).toEqual(before);
    await shoot(page, 'errors-2-missing-lst');

    // Fixing the role and running again works; the bad rows do not get in the way.
    await page.getByTestId('file-row').filter({ hasText: 'MOD11A1' }).locator('select').selectOption('lst');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
  });

  test('files that are not GeoTIFFs get the advice for their kind, and the error box counts the others once', async ({ page }) => {
    const dir = tempDir('srda-kinds-');
    const file = (name: string, head: string) => {
      writeFileSync(join(dir, name), head.padEnd(64, ' '));
      return join(dir, name);
    };
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([file('lst.nc', 'CDF\x01'), file('scene.zip', 'PK\x03\x04'), file('README.md', '# Landsat scene')]);
    await expect(page.locator('[data-testid=file-row].bad')).toHaveCount(3);
    const convert = `Convert the layer you need first, e.g. gdal_translate 'NETCDF:"lst.nc":LST_Day_1km' -b 1 out.tif (list layers with gdalinfo lst.nc).`;
    // Before: the convert line ran on with '(and 2 more unreadable file(s): see the table)' before the count.
    await expect(page.getByTestId('error').locator('p')).toHaveText(
      `“lst.nc” is not a GeoTIFF, LAADS .hdf or AppEEARS .nc file. ${convert} 2 more file(s) could not be read either: see the table.`,
    );
    // Before: the general advice to convert it with gdal_translate.
    await expect(page.getByTestId('file-row').filter({ hasText: 'scene.zip' })).toContainText('“scene.zip” is not a GeoTIFF, LAADS .hdf or AppEEARS .nc file. Unzip it and drop the .tif files inside.');
    await expect(page.getByTestId('file-row').filter({ hasText: 'README.md' })).toContainText('Drop GeoTIFF (.tif), LAADS HDF4 (.hdf) or AppEEARS NetCDF (.nc) files');
  });

  test('cancel stops a run and the app returns to a usable state', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('method').selectOption('all');
    await page.getByTestId('run').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
    await expect(page.getByTestId('cancel')).toBeEnabled();
    await expect(page.getByTestId('progress')).toBeVisible();
    await shoot(page, 'running-progress');
    // The page stays responsive while the worker runs: a UI control reacts at once.
    await page.getByTestId('unit').selectOption('C');
    await expect(page.getByTestId('unit')).toHaveValue('C');
    await page.getByTestId('cancel').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
    await expect(page.getByTestId('notices')).toContainText('cancelled');
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
  });
});
