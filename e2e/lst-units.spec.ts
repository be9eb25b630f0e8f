import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { gdalInfo, repoRoot, tempDir, waitForRunEnd } from './helpers.ts';

const dhaka = resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const LST = join(dhaka, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
const NDVI = join(dhaka, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
const python = '/usr/bin/python3';
const hasGdal = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

/** Dhaka's LST in whole degrees Celsius (int16), under a name that does not say LST. */
function writeWholeCelsius(path: string): void {
  execFileSync(python, [
    '-c',
    `import numpy as np
from osgeo import gdal
gdal.UseExceptions()
src = gdal.Open(${JSON.stringify(LST)})
dn = src.GetRasterBand(1).ReadAsArray().astype(np.float64)
out = gdal.GetDriverByName('GTiff').Create(${JSON.stringify(path)}, dn.shape[1], dn.shape[0], 1, gdal.GDT_Int16)
out.SetGeoTransform(src.GetGeoTransform())
out.SetProjection(src.GetProjection())
out.GetRasterBand(1).SetNoDataValue(-999)
out.GetRasterBand(1).WriteArray(np.where(dn > 0, np.round(dn * 0.02 - 273.15), -999).astype(np.int16))
out = None`,
  ]);
}

test.describe('an LST in whole degrees Celsius, its role set by hand', () => {
  test.skip(!existsSync(LST) || !hasGdal, 'shared Dhaka data or python GDAL absent');

  test('is said to be degrees Celsius before the run, with its range and the button to press, and runs once converted', async ({ page }) => {
    const file = join(tempDir('srda-e2e-whole-celsius-'), 'july_c.tif');
    writeWholeCelsius(file);
    const band = gdalInfo(file).bands[0];
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([file, NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    const row = page.getByTestId('file-row').filter({ hasText: 'july_c.tif' });
    await expect(row).toHaveAttribute('data-role', 'unknown');
    await expect(row.getByTestId('unit-choice')).toHaveCount(0);

    // Before, nothing was said until the run stopped on 'every LST value is below 150 K: degrees Celsius?'.
    await row.locator('select').selectOption('lst');
    const blocker = page.getByTestId('run-blocker');
    await expect(blocker).toHaveAttribute('data-code', 'BAD_VALUES');
    await expect(blocker).toContainText('“july_c.tif”');
    await expect(blocker).toContainText(`Every value is a whole number from ${band.minimum} to ${band.maximum}: they look like degrees Celsius, not kelvin.`);
    await expect(blocker).toContainText('press “degrees Celsius: convert to K” in its Notes column');
    await expect(page.getByTestId('run')).toBeDisabled();

    const choice = row.getByTestId('unit-choice');
    await expect(choice).toContainText('degrees Celsius');
    await choice.getByRole('button', { name: 'degrees Celsius: convert to K' }).click();
    await expect(row).toContainText('converted from degrees Celsius to K');
    await expect(blocker).toHaveCount(0);
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const input = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-1000m')!.stats);
    // The run's input is the LST cropped to the NDVI lattice: compare loosely.
    expect(input.mean).toBeCloseTo(band.mean! + 273.15, 0);
  });
});

const fayoum = resolve(repoRoot, '../shared/data/fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');

test.describe('a file of another kind set to lst by hand', () => {
  test.skip(!existsSync(fayoum), 'shared Fayoum data absent');

  test('is said to be what it looks like, with its range and the roles to pick, and no Celsius conversion is offered', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([join(fayoum, 'Time_20190704.tif'), join(fayoum, 'NDVI_20190704.tif')]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    const row = page.getByTestId('file-row').filter({ hasText: 'Time_20190704.tif' });
    await expect(row).toHaveAttribute('data-role', 'unknown');
    // Before: 'they look like degrees Celsius, not kelvin' and a "degrees Celsius: convert to K" button (values 10.6-13.8 hours).
    await row.locator('select').selectOption('lst');
    const blocker = page.getByTestId('run-blocker');
    await expect(blocker).toHaveAttribute('data-code', 'BAD_VALUES');
    await expect(blocker).toContainText('“Time_20190704.tif”');
    await expect(blocker).toContainText('The values run from 10.60 to 13.80: they look like a time of day, not a temperature, as its name (Time_20190704) says.');
    await expect(blocker).toContainText('pick "lst" in the Role column of your LST file');
    await expect(blocker).not.toContainText('Celsius');
    await expect(row.getByTestId('unit-choice')).toHaveCount(0);
    await expect(page.getByTestId('run')).toBeDisabled();
  });
});
