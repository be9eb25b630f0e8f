import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot, screensDir, tempDir, waitForRunEnd } from './helpers.ts';

const H14 = resolve(repoRoot, '../shared/data/mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028');
const LST = `${H14}.LST_Day_1km.tif`;
const QC = `${H14}.QC_Day.tif`;
const python = '/usr/bin/python3';
const hasGdal = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

/**
 * A 250 m NDVI (MOD13Q1-like int16, scale 0.0001) on the h14v09 tile's refined grid (4800x4800): no
 * real NDVI of that tile is in the data, and the largest scene the app takes is this tile with one.
 */
function writeTileNdvi(path: string): void {
  execFileSync(
    python,
    [
      '-c',
      `import numpy as np
from osgeo import gdal
gdal.UseExceptions()
src = gdal.Open(${JSON.stringify(LST)})
dn = src.GetRasterBand(1).ReadAsArray().astype(np.float32)
t = np.where(dn > 0, dn * 0.02, np.nan)
t4 = np.repeat(np.repeat(t, 4, 0), 4, 1)
r = np.arange(4800, dtype=np.float32)[:, None]
c = np.arange(4800, dtype=np.float32)[None, :]
nd = np.clip(np.where(np.isnan(t4), 0.3, 0.9 - (t4 - 295) / 35) + 0.08 * np.sin(c / 3.7) * np.cos(r / 5.3), -0.2, 0.95)
gt = list(src.GetGeoTransform()); gt[1] /= 4; gt[5] /= 4
out = gdal.GetDriverByName('GTiff').Create(${JSON.stringify(path)}, 4800, 4800, 1, gdal.GDT_Int16, ['COMPRESS=DEFLATE', 'TILED=YES'])
out.SetGeoTransform(gt)
out.SetProjection(src.GetProjection())
b = out.GetRasterBand(1)
b.SetNoDataValue(-3000)
b.SetScale(0.0001)
b.WriteArray(np.round(nd * 10000).astype(np.int16))
out = None`,
    ],
    { stdio: 'pipe' },
  );
}

test.describe('cancel while the scene is prepared', () => {
  test.skip(!existsSync(LST) || !hasGdal, 'shared h14v09 data or python GDAL absent');

  test('a cancel while a full MODIS tile is prepared ends the run as cancelled and keeps the earlier results', async ({ page }) => {
    const ndvi = join(tempDir('srda-e2e-tile-ndvi-'), 'NDVI_h14v09_250m.tif');
    writeTileNdvi(ndvi);
    // The same NDVI under a name too long for a phone's line: "reading" cuts it with an ellipsis.
    const longNdvi = join(dirname(ndvi), 'MOD13Q1.A2019305.h14v09.061.2019322012345.250m_16_days_NDVI.tif');
    copyFileSync(ndvi, longNdvi);
    await page.goto('/');
    // An earlier result: the tile's LST alone, refined by bicubic.
    await page.getByTestId('file-input').setInputFiles([LST, QC]);
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    const before = await page.evaluate(() => window.__srda.layers.map((l) => `${l.id} ${l.stats.mean}`));

    // Reading the 4800x4800 NDVI, cancelled (on a laptop, then on a phone, with a picture of each):
    // nothing is added and the same file dropped again is read again, not refused as already there.
    // The downscale worker is kept busy 1.5 s once the read starts, so it is still reading.
    const downscaleWorker = page.workers().find((w) => w.url().includes('downscale.worker'))!;
    // On the laptop both files are dropped: "reading 2 files…", their names in the title.
    const drops: [number, number, string[], string][] = [
      [1440, 900, [ndvi, longNdvi], `Reading of ${basename(ndvi)}, ${basename(longNdvi)} cancelled: nothing was added to the table. Drop them again to read them.`],
      [390, 844, [longNdvi], `Reading of ${basename(longNdvi)} cancelled: nothing was added to the table. Drop it again to read it.`],
    ];
    for (const [width, height, files, notice] of drops) {
      await page.setViewportSize({ width, height });
      await page.getByTestId('file-input').setInputFiles(files);
      const busy = downscaleWorker.evaluate(() => {
        for (const t = Date.now(); Date.now() - t < 1500; );
      });
      await expect(page.getByTestId('ingest-cancel')).toBeVisible();
      const reading = page.getByTestId('reading');
      await reading.scrollIntoViewIfNeeded();
      await expect(page.getByTestId('reading-what')).toHaveText(`${files.length > 1 ? `${files.length} files` : basename(files[0])}…`);
      await expect(reading).toHaveAttribute('title', files.length > 1 ? [`Reading ${files.length} files:`, ...files.map((f) => basename(f))].join('\n') : `Reading ${basename(files[0])}`);
      // One line, inside the window; on the phone the long name is cut (its whole text stays in the title).
      const box = (await reading.boundingBox())!;
      const cancelBox = (await page.getByTestId('ingest-cancel').boundingBox())!;
      expect(box.height).toBeLessThan(2 * cancelBox.height);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      const isCut = await page.getByTestId('reading-what').evaluate((el) => el.scrollWidth > el.clientWidth);
      expect(isCut).toBe(width < 500);
      await page.screenshot({ path: join(screensDir, `reading-cancel-${width}x${height}.png`) });
      await page.getByTestId('ingest-cancel').click();
      await busy;
      await expect(reading).toHaveCount(0);
      await expect(page.getByTestId('notices')).toContainText(notice);
      await expect(page.getByTestId('file-row')).toHaveCount(2);
      await expect(page.getByTestId('notices')).not.toContainText('already in the table');
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(await page.evaluate(() => window.__srda.layers.map((l) => `${l.id} ${l.stats.mean}`))).toEqual(before);

    // With the 250 m NDVI the run first puts the 4800x4800 scene together (preparing: packing, guide registration).
    await page.getByTestId('file-input').setInputFiles([ndvi]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await page.getByTestId('run').click();
    const label = page.locator('[data-testid=progress] .label');
    await expect(label).toContainText('preparing', { timeout: 60_000 });
    const clickedAt = Date.now();
    await page.getByTestId('cancel').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
    const cancelMs = Date.now() - clickedAt;
    await expect(page.getByTestId('notices')).toContainText('Run cancelled; earlier results are kept.');
    expect(await page.evaluate(() => window.__srda.layers.map((l) => `${l.id} ${l.stats.mean}`))).toEqual(before);
    console.log(`h14v09 with a 250 m NDVI: cancel while preparing -> idle in ${cancelMs} ms`);

    // The same inputs run to the end afterwards.
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.evaluate(() => window.__srda.layers.map((l) => l.id))).toContain('bicubic-250m');
    const prepareMs = await page.evaluate(() => window.__srda.timings.find((t) => t.stage === 'prepare')?.ms);
    console.log(`h14v09 with a 250 m NDVI: the run's preparation took ${Math.round(prepareMs ?? Number.NaN)} ms`);
  });
});
