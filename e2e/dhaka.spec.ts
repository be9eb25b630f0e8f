import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  gdalInfo,
  gdalReadFloat32,
  maxAbsDiff,
  repoRoot,
  saveDownload,
  shoot,
  tempDir,
  waitForRunEnd,
} from './helpers.ts';

const dir = resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const LST = join(dir, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
const QC = join(dir, 'MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif');
const NDVI = join(dir, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
const hasCli = existsSync(join(repoRoot, 'src/cli/downscale.ts'));

/** The first two bytes of the first tile of a little-endian classic TIFF: a zlib header for Deflate. */
function firstTileHead(file: string): string {
  const b = readFileSync(file);
  const ifd = b.readUInt32LE(4);
  for (let i = 0; i < b.readUInt16LE(ifd); i++) {
    const e = ifd + 2 + 12 * i;
    if (b.readUInt16LE(e) !== 324) continue;
    const first = b.readUInt32LE(e + 4) === 1 ? b.readUInt32LE(e + 8) : b.readUInt32LE(b.readUInt32LE(e + 8));
    return b.subarray(first, first + 2).toString('hex');
  }
  throw new Error(`${file}: no TileOffsets`);
}

test.describe('Dhaka real MODIS files', () => {
  test.skip(!existsSync(LST) || !existsSync(NDVI), 'shared Dhaka data absent');

  test('downscales real MOD11A2 + MOD13Q1 files dropped in, and the GeoTIFF equals the CLI output', async ({
    page,
  }) => {
    test.setTimeout(400_000);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([LST, QC, NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    const roles = await page
      .getByTestId('file-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
    expect(roles).toEqual(['lst', 'lst-qc', 'ndvi']);
    await expect(page.getByTestId('method')).toHaveValue('srda');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 360_000)).toBe('done');
    await shoot(page, 'dhaka-1-done');

    for (const id of ['lst-1000m', 'lst-500m', 'lst-250m']) {
      await page.locator(`[data-testid=layer-toggle][data-layer="${id}"]`).check();
      await expect.poll(() => page.evaluate((i) => window.__srda.shownOnMap().includes(i), id)).toBe(true);
    }
    await shoot(page, 'dhaka-2-layers');

    const layer = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m')!);
    const backend = await page.evaluate(() => window.__srda.backend);
    const out = tempDir('srda-dhaka-');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').click(),
    ]);
    const web = await saveDownload(download, out);
    // Its tiles went through the deflate workers' JavaScript Deflate (floatDeflate: 78 01), not fflate (level 2: 78 5e).
    expect(firstTileHead(web)).toBe('7801');
    const info = gdalInfo(web);
    expect(info.coordinateSystem.wkt).toContain('ID["EPSG",4326]');
    expect(info.size).toEqual([layer.grid.width, layer.grid.height]);
    expect(info.size).toEqual([192, 192]);
    expect(info.geoTransform[1]).toBeCloseTo(0.0020833333, 9);
    expect(info.geoTransform[0]).toBeCloseTo(90.2, 6);

    test.skip(!hasCli, 'CLI downscale not present');
    // The CLI on the same inputs, same method and backend (wasm is what the browser falls back to here).
    const method = layer.method ?? 'srda';
    const cliOut = join(out, 'cli');
    const args = [
      'srda-lst',
      'downscale',
      '--lst',
      LST,
      '--qc',
      QC,
      '--ndvi',
      NDVI,
      '--method',
      method,
      '--out',
      cliOut,
    ];
    if (method === 'srda')
      args.push('--backend', backend?.name === 'webgpu' || backend?.name === 'cpu' ? backend.name : 'wasm');
    execFileSync('npx', args, { cwd: repoRoot, stdio: 'pipe', timeout: 300_000 });
    // node:zlib at the writer's level 2.
    expect(firstTileHead(join(cliOut, 'lst_stage2.tif'))).toBe('785e');
    const cli = gdalReadFloat32(join(cliOut, 'lst_stage2.tif'));
    const mine = gdalReadFloat32(web);
    const cmp = maxAbsDiff(mine.data, cli.data);
    test
      .info()
      .annotations.push({
        type: 'cli-vs-web',
        description: `${method}: max |diff| ${cmp.maxAbs} K over ${cmp.n} px`,
      });
    expect(cmp.validityMismatch).toBe(0);
    expect(cmp.n).toBeGreaterThan(30_000);
    expect(cmp.maxAbs).toBeLessThan(1e-3);
    expect(gdalInfo(join(cliOut, 'lst_stage2.tif')).geoTransform).toEqual(info.geoTransform);
    if (method === 'srda') {
      // Both keep the share of SRDA-Net's detail that the scene's closed loop supports, and say it.
      const alpha = JSON.parse(readFileSync(join(cliOut, 'report.json'), 'utf8')).closedLoopCheck.detailWeight as number;
      const trust = page.locator('[data-testid=trust-method][data-method="srda"]');
      await expect(trust).toContainText(alpha > 0 ? `keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail` : 'output is the bicubic result');
    }
  });
});

const FAR_LST = resolve(repoRoot, '../shared/data/mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');
const CLOUDY = (name: string) => join(dir, name.startsWith('MOD13') ? 'MOD13Q1.061' : 'MOD11A2.061', name);

test.describe('Dhaka files with a stranger and a cloudy date', () => {
  test.skip(!existsSync(LST) || !existsSync(NDVI) || !existsSync(FAR_LST), 'shared Dhaka or h14v09 data absent');

  test('an NDVI of another place is left out before the run, named, with no date-gap advice; the run goes on with the LST alone', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('file-input').setInputFiles([FAR_LST, NDVI]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    const notice = page.getByTestId('scene-notice');
    await expect(notice).toContainText('NDVI_doy2024097000000_aid0001.tif (ndvi) covers another place than the LST MOD11A1.A2019305');
    await expect(notice).toContainText('Drop an NDVI file of the same area, or remove this one.');
    await expect(page.getByTestId('date-warning')).toHaveCount(0);
    await expect(page.getByTestId('lst-only')).toBeVisible();
    await shoot(page, 'dhaka-ndvi-of-another-place');
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    // Before: the 1618-day date gap was the only warning, and the run failed with NO_OVERLAP naming no file.
    expect(await waitForRunEnd(page)).toBe('done');
    await expect(page.getByTestId('notices')).toContainText('covers another place than the LST');
    // With the NDVI's own LST beside it, a queue of two dates: the far date's row says why it has no guide
    // (before: nothing in the row; the notice only once the date was picked), the Dhaka date's row keeps its NDVI.
    await page.getByTestId('file-input').setInputFiles([LST]);
    await expect(page.getByTestId('series-date')).toHaveCount(2);
    const far = page.locator('[data-testid=series-date][data-date="2019-11-01 h14v09"]');
    await expect(far.getByTestId('series-away')).toHaveText(/^\s*· no guide: NDVI of another place$/);
    await expect(page.locator('[data-testid=series-date][data-date="2024-04-06"]').getByTestId('series-away')).toHaveCount(0);
    await expect(page.locator('[data-testid=series-date][data-date="2024-04-06"]')).toContainText('NDVI 2024-04-06');
    // The picked date's notice names the file in full, as before.
    await expect(notice).toContainText('NDVI_doy2024097000000_aid0001.tif (ndvi) covers another place than the LST MOD11A1.A2019305');
  });

  test('a date with too few clear pixels to weigh SRDA-Net says its detail is kept whole, and why', async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto('/');
    await page
      .getByTestId('file-input')
      .setInputFiles(
        ['MOD11A2.061_LST_Day_1km_doy2024169000000_aid0001.tif', 'MOD11A2.061_QC_Day_doy2024169000000_aid0001.tif', 'MOD13Q1.061__250m_16_days_NDVI_doy2024161000000_aid0001.tif'].map(CLOUDY),
      );
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 280_000)).toBe('done');
    const notices = page.getByTestId('notices');
    await expect(notices).toContainText('doy2024169000000_aid0001.tif, SRDA-Net keeps all of its detail: the scene\'s own closed loop has fewer than 64 valid pixels');
    await expect(notices).not.toContainText('Infinity');
    // The trust panel recommends no method on the same few pixels (it recommended bicubic before).
    await expect(page.getByTestId('trust-recommendation')).toHaveText(/^No method is recommended on this scene: its closed loop has \d+ valid pixels?, fewer than 64, too few to tell the methods apart\.$/);
  });
});

test.describe('Dhaka: the role a user sets by hand wins', () => {
  test.skip(!existsSync(LST) || !existsSync(QC), 'shared Dhaka data absent');

  test('of two LST files of one date, the one set to lst by hand is used, the later hand choice wins, and the other row says which file took its role', async ({ page }) => {
    await page.goto('/');
    // A second LST file of the same date: the LST bytes under another AppEEARS request's name.
    const second = 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0002.tif';
    const asBuffer = (file: string, name = file.split('/').pop()!) => ({ name, mimeType: 'image/tiff', buffer: readFileSync(file) });
    await page.getByTestId('file-input').setInputFiles([asBuffer(LST), asBuffer(LST, second), asBuffer(QC)]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    const first = 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif';
    const roleOf = (name: string) => page.getByLabel(`Role of ${name}`, { exact: true });
    const rowOf = (name: string) => page.getByTestId('file-row').filter({ has: roleOf(name) });
    const used = () => page.evaluate(() => window.__srda.preview?.used?.lst);
    // As read, both are lst and the scene picks the first.
    await expect(rowOf(first)).toHaveAttribute('data-role', 'lst');
    await expect(rowOf(second)).toHaveAttribute('data-role', 'lst');
    await expect.poll(used).toBe(first);
    // The second set to lst by hand (away and back): it takes the date's LST; before, the tie rule kept the first.
    await roleOf(second).selectOption('unknown');
    await roleOf(second).selectOption('lst');
    await expect(rowOf(second)).toHaveAttribute('data-role', 'lst');
    await expect(rowOf(first)).toHaveAttribute('data-role', 'unknown');
    await expect(rowOf(first)).toContainText(`not used: ${second} was set to lst by hand and takes that role instead of this row (set this row's role to lst to use it)`);
    await expect.poll(used).toBe(second);
    // Then the first set to lst by hand: the later choice wins, and the second says so.
    await roleOf(first).selectOption('lst');
    await expect(rowOf(first)).toHaveAttribute('data-role', 'lst');
    await expect(rowOf(second)).toHaveAttribute('data-role', 'unknown');
    await expect(rowOf(second)).toContainText(`not used: ${first} was set to lst by hand after this row and takes that role instead (set this row's role to lst again to use it)`);
    await expect.poll(used).toBe(first);
    // The QC of that date stays the QC.
    await expect(rowOf('MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif')).toHaveAttribute('data-role', 'lst-qc');
  });
});
