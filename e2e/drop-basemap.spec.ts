import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot, waitForRunEnd } from './helpers.ts';

const DEMO = join(repoRoot, 'public/demo');

test('files dropped anywhere on the page are ingested', async ({ page }) => {
  await page.goto('/');
  const manifest = JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as { files: string[] };
  const files = manifest.files.map((name) => ({ name, bytes: Array.from(readFileSync(join(DEMO, name))) }));
  const dataTransfer = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: 'image/tiff' }));
    return dt;
  }, files);
  // Drop on the page header, far from the file picker.
  await page.locator('header').dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByText('Drop to add the files')).toBeVisible();
  await page.locator('header').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await expect(page.getByText('Drop to add the files')).toBeHidden();
  const roles = await page
    .getByTestId('file-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
  expect(roles.sort()).toEqual(['dem', 'lst', 'ndvi']);
});

test('the online basemap is off by default and loads OpenStreetMap tiles only when switched on', async ({
  page,
}) => {
  const tiles: string[] = [];
  const png = readFileSync(join(repoRoot, 'docs/screenshots/app-swipe.png'));
  // Tiles are answered locally: the test itself never leaves the machine.
  await page.route('https://tile.openstreetmap.org/**', (route) => {
    tiles.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'image/png', body: png });
  });
  await page.goto('/');
  await page.getByTestId('method').selectOption('bicubic');
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('file-row')).toHaveCount(3);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page)).toBe('done');
  await expect(page.getByTestId('online-basemap')).not.toBeChecked();
  // The map has drawn everything it wanted (style, layers, tiles) without asking OpenStreetMap.
  await expect.poll(() => page.evaluate(() => window.__srda.isMapSettled()), { timeout: 30_000 }).toBe(true);
  expect(tiles).toEqual([]);
  await page.getByTestId('online-basemap').check();
  await expect.poll(() => tiles.length).toBeGreaterThan(0);
  await page.getByTestId('online-basemap').uncheck();
  await expect(page.getByTestId('online-basemap')).not.toBeChecked();
});
