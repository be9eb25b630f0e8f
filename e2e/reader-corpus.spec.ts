import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { repoRoot, shoot, tempDir, waitForRunEnd } from './helpers.ts';

const data = resolve(repoRoot, '../shared/data');
const dhaka = join(data, 'dhaka-mod11a2-mod13q1-2024-citypath');
const NDVI = join(dhaka, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
// A name the app recognises as MOD11A2 LST (DN x 0.02 K), given to corpus files built from the same raster.
const LST_NAME = 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif';

interface Manifest {
  file: string;
  gdal?: { transform: number[]; bands: { mean: number }[] };
}

test.describe('GeoTIFF layouts built with GDAL, dropped into the app', () => {
  test.skip(!existsSync(NDVI), 'shared Dhaka data absent');
  let dir = '';
  let manifest: Manifest[] = [];
  test.beforeAll(() => {
    dir = tempDir('srda-e2e-corpus-');
    execFileSync('/usr/bin/python3', [join(repoRoot, 'e2e/fixtures/gdal-corpus.py'), data, dir]);
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest[];
  });
  const asLst = (file: string): string => {
    const sub = tempDir('srda-e2e-lst-');
    copyFileSync(join(dir, file), join(sub, LST_NAME));
    return join(sub, LST_NAME);
  };
  const gdalOf = (file: string) => manifest.find((m) => m.file === file)!.gdal!;

  async function dropAndRun(page: Page, files: string[]): Promise<string> {
    await page.getByTestId('file-input').setInputFiles(files);
    await expect(page.getByTestId('file-row')).toHaveCount(files.length);
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    return waitForRunEnd(page);
  }

  test('a big-endian Deflate + predictor 2 LST runs with the kelvins GDAL reads', async ({ page }) => {
    await page.goto('/');
    expect(await dropAndRun(page, [asLst('u16-deflate-pred2-big.tif'), NDVI])).toBe('done');
    const input = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-1000m')!.stats);
    // GDAL's mean DN x 0.02 (the layer is the LST cropped to the NDVI lattice: compare loosely).
    expect(input.mean).toBeCloseTo(gdalOf('u16-deflate-pred2-big.tif').bands[0].mean * 0.02, 0);
    expect(input.min).toBeGreaterThan(290);
    await shoot(page, 'corpus-1-big-endian');
  });

  test('a south-up LST lands where its data are (north-up grid, same place as GDAL)', async ({ page }) => {
    await page.goto('/');
    expect(await dropAndRun(page, [asLst('u16-south-up.tif'), NDVI])).toBe('done');
    const grid = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'bicubic-250m')!.grid);
    const g = gdalOf('u16-south-up.tif').transform;
    expect(grid.transform[5]).toBeLessThan(0);
    expect(Math.abs(grid.transform[3] - g[3])).toBeLessThan(0.01);
    expect(Math.abs(grid.transform[0] - g[0])).toBeLessThan(0.01);
  });

  test('a corrupt ZSTD file is one bad row; the earlier result stays and a re-run works', async ({
    page,
  }) => {
    await page.goto('/');
    // A valid ZSTD file first: the WebAssembly decoder loads in the browser.
    expect(await dropAndRun(page, [asLst('u16-zstd-pred2-big.tif'), NDVI])).toBe('done');
    await page.getByTestId('file-input').setInputFiles([join(dir, 'zstd-corrupt.tif')]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(page.locator('[data-testid=file-row].bad')).toHaveCount(1);
    await expect(page.getByTestId('error')).toContainText('zstd-corrupt.tif');
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
  });

  test('an LST in degrees Celsius is said so and converted only when the user picks it', async ({ page }) => {
    await page.goto('/');
    const sub = tempDir('srda-e2e-celsius-');
    copyFileSync(join(dir, 'lst-celsius-f32.tif'), join(sub, 'lst_day_celsius.tif'));
    await page.getByTestId('file-input').setInputFiles([join(sub, 'lst_day_celsius.tif'), NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    const choice = page.getByTestId('unit-choice');
    await expect(choice).toContainText('degrees Celsius');
    await shoot(page, 'corpus-2-celsius-offered');
    await choice.getByRole('button').click();
    await expect(page.locator('[data-testid=file-row].bad')).toHaveCount(0);
    await expect(page.getByTestId('file-row').first()).toContainText('converted from degrees Celsius to K');
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const input = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-1000m')!.stats);
    expect(input.mean).toBeCloseTo(gdalOf('lst-celsius-f32.tif').bands[0].mean + 273.15, 0);
  });

  test('a .aux.xml sidecar is paired with its raster: dropped together, or later (the raster is read again)', async ({ page }) => {
    await page.goto('/');
    const sub = tempDir('srda-e2e-sidecar-');
    const lst = join(sub, 'lst_day_dc.tif');
    copyFileSync(join(dir, 'i16-aux-xml-scale.tif'), lst);
    copyFileSync(join(dir, 'i16-aux-xml-scale.tif.aux.xml'), `${lst}.aux.xml`);
    const want = gdalOf('i16-aux-xml-scale.tif').bands[0].mean;
    const droppedMean = () =>
      page.waitForFunction(() => window.__srda.layers.find((l) => l.id === 'lst-dropped')?.stats.mean);

    // The raster alone holds deci-Celsius: the app offers conversions and applies none.
    await page.getByTestId('file-input').setInputFiles([lst]);
    await expect(page.getByTestId('unit-choice')).toBeVisible();
    await expect(page.getByTestId('error')).toContainText('lst_day_dc.tif');
    // Its sidecar dropped later: the same row, read again with the sidecar's scale and offset.
    await page.getByTestId('file-input').setInputFiles([`${lst}.aux.xml`]);
    await expect(page.getByTestId('file-row')).toHaveCount(1);
    await expect(page.getByTestId('unit-choice')).toHaveCount(0);
    await expect(page.getByTestId('error')).toHaveCount(0);
    await expect(page.getByTestId('file-row')).toContainText('scale 0.1, offset 273.15 from lst_day_dc.tif.aux.xml');
    expect(Math.abs(Number(await (await droppedMean()).jsonValue()) - want)).toBeLessThan(0.01);
    await shoot(page, 'corpus-3-sidecar-later');

    // Dropped together (fresh page) with an NDVI: runs in K as GDAL reads the file.
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([lst, `${lst}.aux.xml`, NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    await expect(page.locator('[data-testid=file-row].bad')).toHaveCount(0);
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const input = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-1000m')!.stats);
    // The run's input is the LST cropped to the NDVI lattice: compare loosely, as above.
    expect(input.mean).toBeCloseTo(want, 0);
  });

  test('a role picked in the table stays when the file is read again because its sidecar arrived', async ({ page }) => {
    await page.goto('/');
    const sub = tempDir('srda-e2e-sidecar-role-');
    const guide = join(sub, 'guide.tif');
    copyFileSync(NDVI, guide);
    writeFileSync(`${guide}.aux.xml`, '<PAMDataset><PAMRasterBand band="1"><NoDataValue>-3000</NoDataValue></PAMRasterBand></PAMDataset>\n');
    await page.getByTestId('file-input').setInputFiles([guide]);
    const row = page.getByTestId('file-row');
    await expect(row).toHaveCount(1);
    await page.getByLabel('Role of guide.tif').selectOption('albedo');
    await expect(row).toHaveAttribute('data-role', 'albedo');
    await page.getByTestId('file-input').setInputFiles([`${guide}.aux.xml`]);
    await expect(page.getByTestId('notices')).toContainText('guide.tif was read again');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('guide.tif.aux.xml');
    await expect(row).toHaveAttribute('data-role', 'albedo');
  });
});

const GEZIRA = join(data, 'landsat8_gezira_sudan_pysebal');
const gezira = (suffix: string) => join(GEZIRA, `LC08_L1TP_173049_20140310_20170425_01_T1_${suffix}`);

test.describe('a Landsat 8 L1 folder dropped whole (Gezira)', () => {
  test.skip(!existsSync(GEZIRA), 'shared Gezira data absent');

  test('its MTL calibrates the bands as the CLI does: no row of its own, no "kelvin x 100" offered for B11, reflectance guides', async ({ page }) => {
    await page.goto('/');
    const suffixes = ['B4.TIF', 'B5.TIF', 'B10.TIF', 'B11.TIF', 'MTL.txt'];
    await page.getByTestId('file-input').setInputFiles(suffixes.map(gezira));
    // Before: the MTL was a "not a GeoTIFF" row, B11 a BAD_VALUES row offering DN / 100 as kelvin, red and NIR left in DN.
    await expect(page.getByTestId('file-row')).toHaveCount(4);
    await expect(page.getByTestId('error')).toHaveCount(0);
    const rows = await page.evaluate(() => window.__srda.inputs.map((i) => ({ name: i.fileName, role: i.role, problem: i.problem?.code, sidecar: i.sidecar })));
    for (const r of rows) {
      expect(r.problem, r.name).toBeUndefined();
      expect(r.sidecar, r.name).toBe('calibrated with LC08_L1TP_173049_20140310_20170425_01_T1_MTL.txt');
    }
    await page.getByTestId('method').selectOption('tsharp');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const out = await page.evaluate(() => window.__srda.layers.find((l) => l.kind === 'output' && l.isFinal)!.stats);
    expect(out.min).toBeGreaterThan(280);
    expect(out.max).toBeLessThan(330);
    await shoot(page, 'landsat-gezira-mtl');
  });
});

const MENDOZA = join(data, 'landsat8_mendoza_water');

test.describe('an ESPA folder dropped whole (Mendoza: .xml, MTL, L1 bands and surface reflectance)', () => {
  test.skip(!existsSync(MENDOZA), 'shared Mendoza data absent');

  test('the .xml is a metadata row, red/NIR/SWIR come from the surface reflectance and the L1 bands are listed unused', async ({ page }) => {
    await page.goto('/');
    const files = readdirSync(MENDOZA).filter((n) => /\.(tif|xml|txt)$/.test(n)).map((n) => join(MENDOZA, n));
    await page.getByTestId('file-input').setInputFiles(files);
    // Before: the .xml was a "not a GeoTIFF" row and band4/sr_band4 (and 5, 6, 7) were both offered for one role.
    await expect(page.getByTestId('file-row')).toHaveCount(15);
    await expect(page.getByTestId('error')).toHaveCount(0);
    // By its own name: the surface reflectance rows name the .xml too ('scale 0.0001 from LC82320832016040LGN00.xml').
    const xml = page.getByTestId('file-row').filter({ has: page.getByLabel('Role of LC82320832016040LGN00.xml', { exact: true }) });
    await expect(xml).toHaveAttribute('data-role', 'metadata');
    await expect(xml).toContainText('metadata: ESPA metadata of LC82320832016040LGN00 (2016-02-09)');
    const band4 = page.getByTestId('file-row').filter({ hasText: 'LC82320832016040LGN00_band4.tif' });
    await expect(band4).toHaveAttribute('data-role', 'unknown');
    await expect(band4).toContainText('unused: LC82320832016040LGN00_sr_band4.tif is the red band (surface reflectance');
    const rows = await page.evaluate(() => window.__srda.inputs.map((i) => ({ name: i.fileName, role: i.role, problem: i.problem?.code })));
    expect(rows.filter((r) => r.problem)).toEqual([]);
    expect(rows.filter((r) => r.role === 'red').map((r) => r.name)).toEqual(['LC82320832016040LGN00_sr_band4.tif']);
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used)).toMatchObject({
      red: 'LC82320832016040LGN00_sr_band4.tif',
      nir: 'LC82320832016040LGN00_sr_band5.tif',
      swir: 'LC82320832016040LGN00_sr_band6.tif',
    });
    // The L1 band 4 set back to red by hand wins: sr_band4 goes unused, saying why (before, both were red and sr_band4 was used).
    const roleOf = (name: string) => page.getByLabel(`Role of ${name}`, { exact: true });
    const rowOf = (name: string) => page.getByTestId('file-row').filter({ has: roleOf(name) });
    const l1Band4 = rowOf('LC82320832016040LGN00_band4.tif');
    const srBand4 = rowOf('LC82320832016040LGN00_sr_band4.tif');
    await roleOf('LC82320832016040LGN00_band4.tif').selectOption('red');
    await expect(l1Band4).toHaveAttribute('data-role', 'red');
    await expect(srBand4).toHaveAttribute('data-role', 'unknown');
    await expect(srBand4).toContainText("not used: LC82320832016040LGN00_band4.tif was set to red by hand and takes that role instead of this row (set this row's role to red to use it)");
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used?.red)).toBe('LC82320832016040LGN00_band4.tif');
    // Set back to unused: sr_band4 is red again.
    await roleOf('LC82320832016040LGN00_band4.tif').selectOption('unknown');
    await expect(srBand4).toHaveAttribute('data-role', 'red');
    await expect.poll(() => page.evaluate(() => window.__srda.preview?.used?.red)).toBe('LC82320832016040LGN00_sr_band4.tif');
    await page.getByTestId('method').selectOption('tsharp');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    await shoot(page, 'landsat-mendoza-espa');
  });
});
