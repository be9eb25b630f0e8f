import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot } from './helpers.ts';

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
