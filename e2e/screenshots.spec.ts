import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { dropAndRun, repoRoot, waitForRunEnd } from './helpers.ts';

// Refreshes the README screenshots: SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts
const DHAKA = resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const files = [
  'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif',
  'MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif',
  'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif',
].map((f) => join(DHAKA, f));
const out = join(repoRoot, 'docs/screenshots');

test('README screenshots: a real Dhaka run at 1440x900 and 390x844', async ({ page }) => {
  test.skip(!process.env.SCREENSHOTS || !existsSync(files[0]), 'set SCREENSHOTS=1 (needs the Dhaka data)');
  test.setTimeout(400_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await dropAndRun(page, files, 'all', 380_000);
  await page.evaluate(() => window.scrollTo(0, 0));
  // "done" comes before the map has drawn the new layers (their images encoded, loaded, a frame rendered).
  await expect(page.getByTestId('map-main')).toHaveAttribute('data-drawn', 'true');
  await page.screenshot({ path: join(out, 'app-1440x900.png') });
  await page.getByTestId('trust').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'app-trust.png') });
  // Swipe between the input LST and the final SRDA-Net layer.
  await page.getByTestId('view-swipe').click();
  await expect(page.getByTestId('map-left')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('map-right')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('compare').scrollIntoViewIfNeeded();
  for (const side of ['left', 'right']) {
    await expect(page.getByTestId(`map-${side}`)).toHaveAttribute('data-drawn', 'true');
    await expect.poll(() => page.evaluate((n) => window.__srda.isMapSettled(n), side)).toBe(true);
  }
  await page.screenshot({ path: join(out, 'app-swipe.png') });
  await page.getByTestId('view-off').click();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, 'app-390x844.png') });
});

test('README screenshot: a folder of Dhaka dates run as a queue, the date slider on a later date', async ({ page }) => {
  test.skip(!process.env.SCREENSHOTS || !existsSync(files[0]), 'set SCREENSHOTS=1 (needs the Dhaka data)');
  test.setTimeout(600_000);
  const all = ['MOD11A2.061', 'MOD13Q1.061'].flatMap((d) => readdirSync(join(DHAKA, d)).map((f) => join(DHAKA, d, f)));
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles(all);
  await expect(page.getByTestId('series-date')).toHaveCount(10);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page, 580_000)).toBe('done');
  await page.getByTestId('date-range').focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('date-shown')).toHaveText('2024-04-22');
  await page.getByTestId('date-slider').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, document.querySelector('[data-testid=scene-panel]')!.getBoundingClientRect().top + window.scrollY - 8));
  await expect(page.getByTestId('map-main')).toHaveAttribute('data-drawn', 'true');
  await expect.poll(() => page.evaluate(() => window.__srda.isMapSettled())).toBe(true);
  await page.screenshot({ path: join(out, 'app-many-dates.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('date-slider').scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(repoRoot, 'test-results', 'screens', 'many-dates-390x844.png') });
});

test('README screenshot: the trust panel of a MODIS-ASTER pair, every output scored against the concurrent ASTER LST', async ({ page }) => {
  const pair = resolve(repoRoot, '../shared/data/modis-aster-h18v04-sifcnnsr/7');
  test.skip(!process.env.SCREENSHOTS || !existsSync(pair), 'set SCREENSHOTS=1 (needs the MODIS-ASTER data)');
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await dropAndRun(page, ['MOD21A1D_LST_1km.tif', 'MOD09GQ_NDVI_250m.tif', 'ASTER_LST_250m.tif'].map((n) => join(pair, n)), 'all', 280_000);
  await page.getByTestId('trust').scrollIntoViewIfNeeded();
  await page.getByTestId('trust').screenshot({ path: join(out, 'app-independent-lst.png') });
});
