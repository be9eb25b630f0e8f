import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot, tempDir } from './helpers.ts';

const STACK = join(resolve(repoRoot, '../shared/data/landsat7_chiapas_opengeotutorial'), 'LE70220492002106EDC00_stack.gtif');

test.describe('a cloud mask band set by hand (Chiapas 2002 stack, band 8 = Fmask per its README)', () => {
  test.skip(!existsSync(STACK), 'shared Chiapas data absent');

  test('the unnamed band says why its role is unknown and how to use it as a cloud mask; picked as cloud-mask, it masks the LST', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([STACK]);
    await expect(page.getByTestId('file-row')).toHaveCount(8);
    const name = 'LE70220492002106EDC00_stack.gtif [band 8: Band 8]';
    const role = page.getByLabel(`Role of ${name}`, { exact: true });
    const row = page.getByTestId('file-row').filter({ has: role });
    await expect(row).toHaveAttribute('data-role', 'unknown');
    // Before, it said only 'ignored: role unknown (pick one to use this file)', and a cloud-mask role was never applied.
    await expect(row).toContainText(
      `unknown: band 8 of 8 has only GDAL's default name 'Band 8' and no metadata saying what it holds. If it is a cloud mask (Fmask: 0 clear, 1 water, 2 shadow, 3 snow, 4 cloud), pick "cloud-mask" in its Role column: the LST is then masked wherever it is not 0.`,
    );
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used?.lst)).toBe('LE70220492002106EDC00_stack.gtif [band 7: band 6 temperature]');
    await role.selectOption('cloud-mask');
    await expect(row).toHaveAttribute('data-role', 'cloud-mask');
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used?.['cloud-mask'])).toBe(name);
    await expect
      .poll(() => page.evaluate(() => window.__srda.preview?.notices ?? []))
      .toContain(`The cloud mask ${name} masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).`);
  });
});

/**
 * Band 8 (Fmask) of the Chiapas stack cut by GDAL into two overlapping single-band tiles,
 * `<scene>_west_cloud_mask.tif` (columns 0-149) and `<scene>_east_cloud_mask.tif` (100-249), in `dir`;
 * with numpy's counts of the stack's valid LST pixels (band 7) and of those where each tile, and
 * either, says not clear (Fmask != 0).
 */
function splitFmask(dir: string): { west: string; east: string; valid: number; westMasked: number; eastMasked: number; eitherMasked: number } {
  const script = [
    'from osgeo import gdal; import numpy as np, json, sys',
    'gdal.UseExceptions()',
    'stack, out = sys.argv[1], sys.argv[2]',
    'ds = gdal.Open(stack); f = ds.GetRasterBand(8).ReadAsArray(); b7 = ds.GetRasterBand(7)',
    'lst = b7.ReadAsArray(); nd = b7.GetNoDataValue()',
    'valid = np.ones(lst.shape, bool) if nd is None else lst != nd',
    "west = out + '/LE70220492002106EDC00_west_cloud_mask.tif'; east = out + '/LE70220492002106EDC00_east_cloud_mask.tif'",
    'gdal.Translate(west, ds, bandList=[8], srcWin=[0, 0, 150, 250]); gdal.Translate(east, ds, bandList=[8], srcWin=[100, 0, 150, 250])',
    'cloudy = (f != 0) & valid; cols = np.arange(f.shape[1])[None, :]',
    'print(json.dumps(dict(west=west, east=east, valid=int(valid.sum()), westMasked=int((cloudy & (cols < 150)).sum()), eastMasked=int((cloudy & (cols >= 100)).sum()), eitherMasked=int(cloudy.sum()))))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, STACK, dir], { encoding: 'utf8', env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } }));
}

test.describe('two cloud masks of one date (Chiapas 2002 Fmask cut by GDAL into two overlapping tiles)', () => {
  test.skip(!existsSync(STACK), 'shared Chiapas data absent');
  let dir = '';
  test.afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the scene uses both, names both, and masks a pixel where either says not clear: the union, not the sum or the first', async ({ page }) => {
    dir = tempDir('srda-two-masks-');
    const m = splitFmask(dir);
    const pct = (n: number) => `${Math.round((100 * n) / m.valid)} %`;
    // The tiles overlap where Fmask has cloud: the union differs from the sum and from either alone.
    expect(new Set([pct(m.eitherMasked), pct(m.westMasked + m.eastMasked), pct(m.westMasked), pct(m.eastMasked)]).size).toBe(4);
    const [west, east] = [m.west, m.east].map((f) => f.slice(dir.length + 1));
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([STACK, m.west, m.east]);
    await expect(page.getByTestId('file-row')).toHaveCount(10);
    // Named after their scene, they are dated as the LST; their role is set by hand as for the stack's own band 8.
    for (const f of [west, east]) {
      await page.getByLabel(`Role of ${f}`, { exact: true }).selectOption('cloud-mask');
      await expect(page.getByTestId('file-row').filter({ hasText: f })).toHaveAttribute('data-role', 'cloud-mask');
    }
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used?.['cloud-mask'])).toBe(`${west} + ${east}`);
    const notice = page.getByTestId('scene-notice').filter({ hasText: 'The cloud masks' });
    await expect(notice).toContainText(
      `The cloud masks ${west} and ${east} mask ${pct(m.eitherMasked)} of the valid LST pixels together: an LST pixel is masked where any of them says it is not clear. ${west} alone ${pct(m.westMasked)} of the valid LST pixels`,
    );
    await expect(notice).toContainText(`; ${east} alone ${pct(m.eastMasked)} of the valid LST pixels`);
  });
});

const ECOSTRESS = resolve(repoRoot, '../shared/data/ecostress-l2lste-losangeles-2023-workshop');

test.describe('the ECOSTRESS cloud mask dropped with its LST (Los Angeles 2023-08-05)', () => {
  test.skip(!existsSync(ECOSTRESS), 'shared ECOSTRESS data absent');

  test('the scene panel names the mask file and says how few pixels it masks, not "0 %"', async ({ page }) => {
    const lst = 'ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif';
    const mask = 'ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif';
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([join(ECOSTRESS, lst), join(ECOSTRESS, mask)]);
    await expect(page.getByTestId('file-row').filter({ hasText: mask })).toHaveAttribute('data-role', 'cloud-mask');
    // Before: 'masks 0 % of the valid LST pixels' while 4 of them are cloud (GDAL; worker/preview.test.ts counts them).
    const notice = page.getByTestId('scene-notice').filter({ hasText: mask });
    await expect(notice).toHaveText(
      `The cloud mask ${mask} masks 4 of the 1970396 valid LST pixels, under 1 % (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).`,
    );
  });
});

test.describe('the ECOSTRESS QC and water mask dropped with their LST (Los Angeles 2023-08-05)', () => {
  test.skip(!existsSync(ECOSTRESS), 'shared ECOSTRESS data absent');

  test('the QC is the LST QC with its share on the scene line, and the water mask masks the ocean, said in the scene notices', async ({ page }) => {
    const [lst, qc, water] = ['LST', 'QC', 'water_mask'].map((l) => `ECO_L2_LSTE.002_${l}_doy2023217182715_aid0001.tif`);
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([lst, qc, water].map((n) => join(ECOSTRESS, n)));
    // Before: the QC's role was 'qc' (applied nowhere), and the water mask was not used.
    await expect(page.getByTestId('file-row').filter({ hasText: qc })).toHaveAttribute('data-role', 'lst-qc');
    await expect(page.getByTestId('file-row').filter({ hasText: water })).toHaveAttribute('data-role', 'water-mask');
    await expect(page.getByTestId('qc-share')).toContainText('QC masks none of 1970396 px');
    await expect(page.getByTestId('scene-notice').filter({ hasText: water })).toContainText(`The water mask ${water} masks 17 % of the valid LST pixels`);
  });
});

const DHAKA_LST_QC = resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061');

test.describe('QC files none of which is of the LST\'s date (Dhaka MOD11A2 2024-03-29)', () => {
  test.skip(!existsSync(DHAKA_LST_QC), 'shared Dhaka data absent');

  test('the scene panel says no QC was applied and what to drop; dropping the QC of the LST\'s date applies it', async ({ page }) => {
    const file = (layer: string, doy: string) => join(DHAKA_LST_QC, `MOD11A2.061_${layer}_doy2024${doy}000000_aid0001.tif`);
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([file('LST_Day_1km', '089'), file('QC_Day', '097'), file('QC_Day', '105')]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    // Before, this reached the CLI's notices but not the panel: the app said nothing about the QC it left out.
    const note = page.getByTestId('scene-notice').filter({ hasText: 'no QC was applied' });
    await expect(note).toHaveText(
      'None of the 2 QC files matches MOD11A2.061_LST_Day_1km_doy2024089000000_aid0001.tif (same product, date and day/night); no QC was applied. ' +
        'Drop the day QC file of 2024-03-29, or pick "lst-qc" in the Role column of that file if it is in the table with another role.',
    );
    await expect(page.getByTestId('qc-share')).toHaveCount(0);
    await page.getByTestId('file-input').setInputFiles([file('QC_Day', '089')]);
    await expect(page.getByTestId('qc-share')).toBeVisible();
    await expect(note).toHaveCount(0);
  });
});
