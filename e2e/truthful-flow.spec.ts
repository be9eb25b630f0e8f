import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { repoRoot, saveDownload, shoot, tempDir, waitForRunEnd } from './helpers.ts';

const DATA = resolve(repoRoot, '../shared/data');
const DHAKA = join(DATA, 'dhaka-mod11a2-mod13q1-2024-citypath');
const FAYOUM = join(DATA, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');
const H14 = join(DATA, 'mod11a1-h14v09-2019305-lsttools');
const lst = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`);
const qc = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`);
const ndvi = (doy: string) => join(DHAKA, `MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${doy}000000_aid0001.tif`);

async function open(page: Page, width = 1440, height = 900): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
}

async function runWith(page: Page, method: string): Promise<string> {
  await page.getByTestId('method').selectOption(method);
  await page.getByTestId('run').click();
  return waitForRunEnd(page);
}

const notices = (page: Page) => page.evaluate(() => window.__srda.notices.join('\n'));

test.describe('truthful flow on real inputs', () => {
  test('inputs already on one grid (Fayoum): no false grid message, a reference factor, the CLI wording', async ({ page }) => {
    test.skip(!existsSync(FAYOUM), 'Fayoum data absent');
    await open(page);
    await page
      .getByTestId('file-input')
      .setInputFiles(['LST_20190704.tif', 'NDVI_20190704.tif', 'ALBEDO_20190704.tif', 'DEM.tif'].map((f) => join(FAYOUM, f)));
    await expect(page.getByTestId('file-row')).toHaveCount(4);
    await expect(page.getByTestId('same-grid')).toContainText('already on the grid of the guide layers');
    await expect(page.getByTestId('same-grid')).not.toContainText('--');
    await page.getByTestId('reference-factor').selectOption('4');
    expect(await runWith(page, 'bicubic')).toBe('done');
    await expect(page.getByTestId('error')).toHaveCount(0);
    const text = await notices(page);
    expect(text).not.toMatch(/do not line up|--stages|--reference-factor/);
    // The same sentence as `srda-lst downscale --reference-factor 4` prints.
    expect(text).toMatch(/Reference factor 4: the LST was block-averaged by 4 \(to \d+ m\) and downscaled back to \d+ m\. With inputs already on one grid/);
    const layers = await page.evaluate(() => window.__srda.layers.map((l) => ({ id: l.id, label: l.label, px: l.pixelSizeM, w: l.grid.width })));
    const fine = layers.find((l) => l.id.startsWith('bicubic-') && l.w > 400)!;
    expect(fine.w).toBeGreaterThan(400);
    expect(fine.label).toBe(`Bicubic ${Math.round(fine.px)} m`);
    // The report records the factor the run applied (as the CLI's report.json names it in its notes).
    const [zipDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
    const report = JSON.parse(strFromU8(unzipSync(new Uint8Array(readFileSync(await saveDownload(zipDl, tempDir('srda-fayoum-')))))['report.json']));
    expect(report.settings.referenceFactor).toBe(4);
    expect(report.notices.join(' ')).toMatch(/Reference factor 4: the LST was block-averaged by 4/);
  });

  test('dates are checked: a QC of another date is not applied and a far NDVI is flagged before the run', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097'), qc('169'), ndvi('145')]);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(page.getByTestId('date-warning')).toContainText('2024-05-24, 41 days from the LST');
    await expect(page.getByTestId('scene-notice')).toContainText('QC of 2024-06-17');
    await expect(page.getByTestId('scene-notice')).toContainText('the QC was not applied. Drop the QC file of 2024-04-06');
    await expect(page.getByTestId('qc-share')).toHaveCount(0);
    expect(await runWith(page, 'bicubic')).toBe('done');
    expect(await notices(page)).toMatch(/41 days from the LST/);
    await shoot(page, 'flow-dates');
  });

  test('a whole AppEEARS folder groups by date: pick a date, see its QC share, run it', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    const files = ['MOD11A2.061', 'MOD13Q1.061'].flatMap((d) => readdirSync(join(DHAKA, d)).map((f) => join(DHAKA, d, f)));
    expect(files.length).toBe(36);
    await open(page);
    await page.getByTestId('file-input').setInputFiles(files);
    await expect(page.getByTestId('file-row')).toHaveCount(36);
    const dates = page.getByTestId('scene-date');
    await expect(dates.locator('option')).toHaveCount(10);
    await expect(dates).toHaveValue('2024-03-29');
    await dates.selectOption('2024-04-22');
    await expect(page.getByTestId('scene-summary')).toContainText('doy2024113');
    // Said as counted: before, 'QC masks 0 %' (of 2304 valid LST pixels, none masked); short, as the
    // scene line must stay one line at 1440 px (the layout test below).
    await expect(page.getByTestId('qc-share')).toContainText('QC masks none of 2304 px');
    // One line at 1440 x 900: the tops of its words' boxes (a longer share wording wrapped it, pushing the map below the fold).
    const lineTops = await page.getByTestId('scene-summary').evaluate((el) => {
      const tops = new Set<number>();
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) tops.add(Math.round(r.top));
      }
      return [...tops];
    });
    expect(lineTops).toHaveLength(1);
    expect(await runWith(page, 'bicubic')).toBe('done');
    expect(await page.evaluate(() => window.__srda.resultScene?.date)).toBe('2024-04-22');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-geotiff][data-layer="bicubic-250m"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('MOD11A2_2024-04-22_bicubic_212m.tif');
  });

  test('LST only: bicubic runs without a guide, TsHARP says plainly what it needs', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097')]);
    await expect(page.getByTestId('lst-only')).toBeVisible();
    // The dropped LST is on the map before any run.
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap())).toEqual(['lst-dropped']);
    expect(await page.evaluate(() => window.__srda.layers[0].label)).toBe('Dropped LST 849 m');
    await page.getByTestId('method').selectOption('tsharp');
    await expect(page.getByTestId('run')).toBeDisabled();
    await expect(page.getByTestId('method-needs-guide')).toContainText('choose Bicubic or SRDA-Net, or drop an NDVI file');
    expect(await runWith(page, 'bicubic')).toBe('done');
    const fine = await page.evaluate(() => window.__srda.layers.find((l) => l.kind === 'output' && l.isFinal)!);
    expect([fine.grid.width, fine.grid.height]).toEqual([4 * 49, 4 * 49]);
    expect(await page.evaluate(() => window.__srda.visible[window.__srda.layers.find((l) => l.isFinal && l.kind === 'output')!.id])).toBe(true);
  });

  test('no LST at all: Run stays disabled and the reason names what to do in the app', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([ndvi('097')]);
    await expect(page.getByTestId('run')).toBeDisabled();
    await expect(page.getByTestId('run-blocker')).toContainText('set the role of your LST file in the table');
  });

  test('a LAADS HDF file is read as delivered: its layers get rows and the LST its role, no conversion asked', async ({ page }) => {
    const hdf = existsSync(H14) ? readdirSync(H14).find((f) => f.endsWith('.hdf')) : undefined;
    test.skip(!hdf, 'HDF file absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([join(H14, hdf!)]);
    await expect(page.locator('[data-testid=file-row][data-role=lst]').first()).toBeVisible();
    await expect(page.getByTestId('error')).toHaveCount(0);
    await expect(page.getByTestId('scene-summary')).toContainText('LST');
  });

  test('the demo is labelled synthetic, the same file twice adds no row, results go stale then clear with their inputs', async ({ page }) => {
    await open(page);
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(page.getByTestId('synthetic-badge')).toHaveCount(3);
    await expect(page.getByTestId('synthetic-map')).toContainText('Synthetic demo scene');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('notices')).toContainText('already in the table and was not added again');
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    expect(await runWith(page, 'bicubic')).toBe('done');
    await expect(page.getByTestId('synthetic-map')).toBeVisible();
    await expect(page.getByTestId('stale')).toHaveCount(0);
    await page.getByRole('button', { name: /^Remove .*DEM/ }).click();
    await expect(page.getByTestId('stale')).toContainText('was removed after this run');
    for (let n = 2; n > 0; n--) await page.getByRole('button', { name: /^Remove / }).first().click();
    await expect(page.getByTestId('file-row')).toHaveCount(0);
    expect(await page.evaluate(() => window.__srda.layers.length)).toBe(0);
    await expect(page.getByTestId('stale')).toHaveCount(0);
  });

  test('exports are named after scene, date, method and resolution; report.json carries versions, checksums, notices and the run that made the layers', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097'), qc('097'), ndvi('097')]);
    // An earlier run of every method: the bicubic run below keeps its other layers and scores on screen.
    expect(await runWith(page, 'all')).toBe('done');
    await page.getByLabel('Closed-loop check').uncheck();
    // SRDA-Net's own boxes ticked before switching to bicubic: the run ignores them, so the report must not claim them.
    for (const id of ['finetune', 'full-detail']) await page.getByTestId(id).check();
    await page.getByTestId('orientations').selectOption('8');
    expect(await runWith(page, 'bicubic')).toBe('done');
    const layers = await page.evaluate(() => window.__srda.layers.map((l) => ({ id: l.id, label: l.label, method: l.method })));
    const labels = layers.map((l) => l.label);
    expect(labels).toEqual(expect.arrayContaining(['Input LST 849 m', 'Bicubic 424 m', 'Bicubic 212 m']));
    // Layers are named by method in every run: one bicubic layer per grid (the "all" run's is made again, not
    // listed beside it), and SRDA-Net's keeps its own id and label, marked as the earlier run's.
    expect(new Set(layers.map((l) => l.id)).size).toBe(layers.length);
    expect(labels.filter((l) => l.startsWith('Bicubic 212 m'))).toHaveLength(1);
    expect(layers.find((l) => l.id === 'lst-250m')).toMatchObject({ method: 'srda', label: 'SRDA-Net 212 m' });
    // Short labels lead with method and grid; what they leave out (model size, detail weight, what the method is) is the muted line under them.
    await expect(page.locator('[data-testid=layer-detail][data-layer="lst-250m"]')).toHaveText(/^\w+ model, \d+ % of its detail \(closed-loop weight\)$/);
    await expect(page.locator('[data-testid=layer-detail][data-layer="bicubic-250m"]')).toHaveText('bicubic interpolation');
    await expect(page.locator('[data-testid=earlier-layer][data-layer="lst-250m"]')).toContainText('earlier run, not exported');
    await expect(page.locator('[data-testid=layer-toggle][data-layer="lst-250m"]')).not.toBeChecked();
    await expect(page.locator('[data-testid=layer-toggle][data-layer="bicubic-250m"]')).toBeChecked();
    // The list starts with this run's layers; those of the earlier run follow.
    const order = await page.getByTestId('layer-toggle').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
    expect(order.slice(0, 3)).toEqual(['lst-1000m', 'bicubic-500m', 'bicubic-250m']);
    // Swipe compares the input with this run's result, not the earlier run's SRDA-Net layer.
    await page.getByTestId('view-swipe').click();
    await expect(page.getByTestId('compare-label-right')).toHaveText('Bicubic 212 m');
    await expect(page.getByTestId('compare-right').locator('option:checked')).toHaveText('right: Bicubic 212 m');
    await page.getByTestId('view-off').click();
    // The panel changed after the run: the results say so, and the export keeps the settings that made them.
    await expect(page.getByTestId('stale-settings')).toHaveCount(0);
    await page.getByTestId('method').selectOption('srda');
    await page.getByTestId('residual').uncheck();
    await expect(page.getByTestId('stale-settings')).toContainText('Results made with other settings: press Run to update them (method, residual correction)');
    const out = tempDir('srda-flow-');
    const [zipDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
    expect(zipDl.suggestedFilename()).toBe('MOD11A2_2024-04-06_srda-lst.zip');
    const zip = unzipSync(new Uint8Array(readFileSync(await saveDownload(zipDl, out))));
    expect(Object.keys(zip)).toEqual(expect.arrayContaining(['MOD11A2_2024-04-06_bicubic_212m.tif', 'MOD11A2_2024-04-06_input_849m.tif', 'report.json']));
    const report = JSON.parse(strFromU8(zip['report.json']));
    // What the earlier run left on screen is marked, not in the ZIP, and named apart in the report.
    await expect(page.locator('[data-testid=earlier-layer][data-layer="tsharp-250m"]')).toContainText('earlier run, not exported');
    await expect(page.locator('[data-testid=export-geotiff][data-layer="tsharp-250m"]')).toHaveCount(0);
    await expect(page.getByTestId('trust-earlier')).toContainText('earlier run with other settings');
    // Each energy line names its run: SRDA-Net's output beside the earlier run's scores, bicubic's (this run's, unscored) apart.
    const lastMaxK = await page.evaluate(() => Math.max(...window.__srda.energyError.map((e) => e.maxAbsK)));
    await expect(page.locator('[data-testid=trust-energy][data-run=scores]')).toContainText('Energy conservation of that earlier run (SRDA-Net output, 2024-04-06)');
    await expect(page.locator('[data-testid=trust-energy][data-run=last]')).toHaveText(
      new RegExp(`^Energy conservation of the last run \\(Bicubic output, 2024-04-06\\), which has no scores here: .* within ${lastMaxK.toExponential(1).replace('+', '\\+')} K`),
    );
    expect(report.earlierRun.energyError.length).toBeGreaterThan(0);
    // The timings beside the earlier run's scores are the last run's, and say so.
    await expect(page.getByTestId('timings')).toContainText(/^Timings of the last run: /);
    expect(Object.keys(zip).filter((n) => /_(tsharp|dms|srda)[_-]/.test(n))).toEqual([]);
    expect(report.layers.map((l: { id: string }) => l.id)).not.toContain('tsharp-250m');
    expect(report.earlierRun.layers.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['lst-250m', 'tsharp-250m', 'dms-250m']));
    expect(report.layers.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['lst-1000m', 'bicubic-500m', 'bicubic-250m']));
    // The label as on screen, and the full words the GeoTIFF's band description keeps.
    expect(report.layers.find((l: { id: string }) => l.id === 'bicubic-250m')).toMatchObject({ label: 'Bicubic 212 m', description: 'Bicubic interpolation 212 m' });
    expect(report.metrics).toEqual([]);
    expect(report.earlierRun.metrics.map((m: { method: string }) => m.method)).toContain('tsharp');
    // The recommendation is of the run that was scored: beside its scores, not claimed for the unscored bicubic run.
    expect(report).not.toHaveProperty('closedLoopCheck');
    expect(report.earlierRun.closedLoopCheck).toMatchObject({ recommendedMethod: expect.stringMatching(/^(srda|bicubic|tsharp|dms)$/), message: expect.stringMatching(/^Recommended on this scene: /) });
    expect(report.app).toEqual({ name: 'srda-lst', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const lstIn = report.inputs.find((i: { role: string }) => i.role === 'lst');
    expect(lstIn).toMatchObject({ date: '2024-04-06', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(report.notices.join(' ')).toMatch(/The QC \S+ masks (none of the|\d+ of the|\d+ %)/);
    expect(report.timings.length).toBeGreaterThan(0);
    expect(report.scene).toMatchObject({ product: 'MOD11A2', date: '2024-04-06' });
    expect(report.settings).toMatchObject({ method: 'bicubic', residualCorrection: true });
    // 1 km LST on 250 m NDVI: the reference factor did nothing, so the report does not claim it.
    expect(report.settings).not.toHaveProperty('referenceFactor');
    expect(report.weights).toBe('SRDA-Net not used');
    for (const key of ['finetuneSteps', 'srdaFullDetail', 'srdaOrientations']) expect(report.settings).not.toHaveProperty(key);
    // The PNG carries a caption band (title, colour bar with units, scale bar, attribution) below the map.
    const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
    expect(pngDl.suggestedFilename()).toBe('MOD11A2_2024-04-06_map.png');
    const png = readFileSync(await saveDownload(pngDl, out));
    const canvas = await page.evaluate(() => {
      const c = document.querySelector('.map canvas') as HTMLCanvasElement;
      return { w: c.width, h: c.height };
    });
    expect(png.readUInt32BE(16)).toBe(canvas.w);
    expect(png.readUInt32BE(20)).toBeGreaterThan(canvas.h + 60);
  });

  test('layout: map and legend above the fold at 1440x900, no horizontal scroll at 390 px', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097'), qc('097'), ndvi('097')]);
    expect(await runWith(page, 'all')).toBe('done');
    await page.locator('[data-testid=layer-toggle][data-layer="diff-bicubic-250m"]').check();
    await page.evaluate(() => window.scrollTo(0, 0));
    const map = await page.locator('.map-box').boundingBox();
    const legend = await page.getByTestId('legend').boundingBox();
    expect(map!.y + map!.height).toBeLessThanOrEqual(900);
    expect(legend!.y + legend!.height).toBeLessThanOrEqual(map!.y + map!.height);
    await shoot(page, 'flow-1440');
    // Trust in words: each method against bicubic at the loop's scale, energy conservation, a recommendation.
    await expect(page.getByTestId('trust-method').first()).toContainText(/(better than|worse than|as good as) bicubic .*closed loop at 1\.7 km → 849 m/);
    await expect(page.getByTestId('trust-energy')).toContainText('Energy conservation');
    await expect(page.getByTestId('trust-recommendation')).toContainText('Recommended on this scene:');
    // The scatter is the closed-loop prediction against its reference, not a 1:1 line by construction.
    await expect(page.getByTestId('scatter').first().locator('figcaption')).toContainText('closed-loop prediction vs reference');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1]);
    await shoot(page, 'flow-390');
  });

  test('online basemap while offline: a notice and the bundled basemap instead of a blank sea-coloured map', async ({ page }) => {
    await page.route('https://tile.openstreetmap.org/**', (route) => route.abort('internetdisconnected'));
    await open(page);
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    // click, not check(): the failed tile load may untick the box before Playwright re-reads it.
    await page.getByTestId('online-basemap').click();
    await expect(page.getByTestId('basemap-notice')).toContainText('could not be loaded');
    await expect(page.getByTestId('online-basemap')).not.toBeChecked();
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap())).toEqual(['lst-dropped']);
  });

  test('fine-tuning reports what happened: kept with the held-out gain, or rejected and the pretrained weights used', async ({ page }) => {
    test.skip(!existsSync(DHAKA), 'Dhaka data absent');
    test.setTimeout(600_000);
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097'), qc('097'), ndvi('097')]);
    await page.getByTestId('method').selectOption('srda');
    await page.getByTestId('finetune').check();
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 580_000)).toBe('done');
    const ft = await page.evaluate(() => window.__srda.finetune);
    test.skip(!ft, 'SRDA-Net was not available in this browser');
    const text = await notices(page);
    expect(text).not.toMatch(/fine-tuned on this scene for \d+ steps before applying/);
    const methods = await page.evaluate(() => window.__srda.metrics.map((m) => m.method));
    if (ft!.kept) {
      expect(text).toMatch(/tuned weights were kept: held-out closed-loop RMSE [\d.]+ -> [\d.]+ K/);
      expect(methods).toContain('srda (fine-tuned)');
    } else {
      expect(text).toMatch(/did not help: held-out closed-loop RMSE [\d.]+ -> [\d.]+ K, so the tuned weights were rejected and the pretrained weights were used/);
      expect(methods).not.toContain('srda (fine-tuned)');
    }
  });
});
