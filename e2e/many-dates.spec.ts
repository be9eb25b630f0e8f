import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { gdalInfo, gdalReadFloat32, repoRoot, saveDownload, shoot, tempDir, waitForRunEnd } from './helpers.ts';

const DATA = resolve(repoRoot, '../shared/data');
const DHAKA = join(DATA, 'dhaka-mod11a2-mod13q1-2024-citypath');
const BUFFALO = join(DATA, 'buffalo-ny-mod11a2-mcd12q1-mod13a2-datasciencedata');
const dhakaFiles = () =>
  ['MOD11A2.061', 'MOD13Q1.061'].flatMap((d) => readdirSync(join(DHAKA, d)).map((f) => join(DHAKA, d, f)));
const lst = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`);
const qc = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`);
const ndvi = (doy: string) => join(DHAKA, `MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${doy}000000_aid0001.tif`);
const DHAKA_DATES = ['2024-03-29', '2024-04-06', '2024-04-14', '2024-04-22', '2024-04-30', '2024-05-08', '2024-05-16', '2024-05-24', '2024-06-01', '2024-06-17'];

async function open(page: Page, width = 1440, height = 900): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.goto('/');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
}

const dateStates = (page: Page) =>
  page.getByTestId('series-date').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-date')}:${r.getAttribute('data-state')}`));

/** Reads a downloaded ZIP: entry names and report.json. */
function readZip(path: string): { names: string[]; report: Record<string, unknown>; entries: Record<string, Uint8Array> } {
  const entries = unzipSync(new Uint8Array(readFileSync(path)));
  return { names: Object.keys(entries).sort(), report: JSON.parse(strFromU8(entries['report.json'])), entries };
}

test.describe('many dates in the app', () => {
  test.skip(!existsSync(DHAKA), 'Dhaka data absent');

  test('a folder of dates runs as one queue with one progress bar; the date slider switches what the map shows; exports carry the date', async ({ page }) => {
    test.setTimeout(600_000);
    await open(page);
    await page.getByTestId('file-input').setInputFiles(dhakaFiles());
    await expect(page.getByTestId('file-row')).toHaveCount(36);
    await expect(page.getByTestId('series-date')).toHaveCount(10);
    // The folder's QC files of 2024-06-09 and 2024-06-25 have no LST of their date: their rows say so; a QC beside its LST says nothing.
    const reason = (name: string) => page.getByTestId('file-row').filter({ hasText: name }).locator('td.reason');
    await expect(reason('QC_Day_doy2024161')).toHaveText('not used: QC of 2024-06-09 with no LST of that date among the files (add its LST to use it)');
    await expect(reason('QC_Day_doy2024177')).toContainText('QC of 2024-06-25 with no LST');
    await expect(reason('QC_Day_doy2024097')).toHaveText('');
    expect((await dateStates(page)).map((s) => s.split(':')[0])).toEqual(DHAKA_DATES);
    // The 16-day NDVI composite stands in for each 8-day LST: the list names it with its date.
    await expect(page.locator('[data-testid=series-date][data-date="2024-04-14"]')).toContainText('NDVI 2024-04-06');
    await expect(page.getByTestId('run-all-dates')).toBeChecked();
    await expect(page.getByTestId('run')).toHaveText('Run 10 dates');
    await page.getByTestId('method').selectOption('bicubic');

    // One progress bar for the queue; its share only grows, and its label says which date runs.
    // Kept in the page and read once the run ends (a call out to the test on every mutation slowed the run).
    type Bar = { now: number; label: string };
    await page.evaluate(() => {
      const seen: Bar[] = [];
      (window as unknown as { __bars: Bar[] }).__bars = seen;
      new MutationObserver(() => {
        const bars = document.querySelectorAll('[role=progressbar]');
        if (bars.length !== 1) return;
        const b = bars[0];
        seen.push({ now: Number(b.getAttribute('aria-valuenow')), label: b.textContent ?? '' });
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 500_000)).toBe('done');
    const bars = await page.evaluate(() => (window as unknown as { __bars: Bar[] }).__bars);
    await shoot(page, 'many-dates-1-done');
    expect(await dateStates(page)).toEqual(DHAKA_DATES.map((d) => `${d}:done`));
    expect(await page.locator('[role=progressbar]').count()).toBe(0);
    const labels = bars.map((b) => b.label);
    expect(labels.some((l) => l.includes('2024-03-29 (1 of 10)'))).toBe(true);
    expect(labels.some((l) => l.includes('2024-06-17 (10 of 10)'))).toBe(true);
    expect(labels.some((l) => /about \d+ (s|min) left/.test(l))).toBe(true);
    // No time before a whole date has taken one (a share of a date says nothing of its later parts); the step of the date's plan instead.
    expect(labels.filter((l) => l.includes('(1 of 10)')).some((l) => / left/.test(l))).toBe(false);
    expect(labels.some((l) => l.includes('2024-03-29 (1 of 10), step 1 of 2: Bicubic, stage 1 of 2'))).toBe(true);
    const shares = bars.map((b) => b.now);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    expect(Math.max(...shares)).toBeGreaterThanOrEqual(85);

    // The first finished date is on the map; the slider moves through the dates with the keyboard.
    await expect(page.getByTestId('date-shown')).toHaveText('2024-03-29');
    const slider = page.getByTestId('date-range');
    await expect(slider).toHaveAttribute('aria-valuetext', '2024-03-29');
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap())).toContain('bicubic-250m');
    const before = await page.evaluate(() => ({
      value: window.__srda.valueAt('bicubic-250m', 100, 100),
      image: window.__srda.mapImage('bicubic-250m'),
      mean: window.__srda.layers.find((l) => l.id === 'bicubic-250m')!.stats.mean,
    }));
    expect(before.image).toBeTruthy();
    const legendBefore = await page.getByTestId('legend').textContent();
    // The inspector reads a pixel at the centre of the scene; the trust panel reads the date's closed loop.
    const centre = await page.evaluate(() => {
      const b = window.__srda.layers.find((l) => l.id === 'bicubic-250m')!.grid;
      const [x0, dx, , y0, , dy] = b.transform;
      return window.__srda.project(x0 + (dx * b.width) / 2, y0 + (dy * b.height) / 2)!;
    });
    await page.getByTestId('map-main').click({ position: centre });
    const inspected = page.locator('[data-testid=inspector-row][data-layer="bicubic-250m"]');
    await expect(inspected).toHaveAttribute('data-value', /^\d/);
    const inspectedBefore = await inspected.getAttribute('data-value');
    const loopBefore = await page.getByTestId('metrics').textContent();
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('date-shown')).toHaveText('2024-04-06');
    await expect(slider).toHaveAttribute('aria-valuetext', '2024-04-06');
    expect(await page.evaluate(() => window.__srda.resultScene?.date)).toBe('2024-04-06');
    // The map draws the other date's pixels, the scene panel and legend follow.
    await expect.poll(() => page.evaluate(() => window.__srda.mapImage('bicubic-250m'))).not.toBe(before.image);
    const after = await page.evaluate(() => ({
      value: window.__srda.valueAt('bicubic-250m', 100, 100),
      mean: window.__srda.layers.find((l) => l.id === 'bicubic-250m')!.stats.mean,
    }));
    expect(after.mean).not.toBe(before.mean);
    expect(after.value).not.toBe(before.value);
    await expect(page.getByTestId('scene-summary')).toContainText('doy2024097');
    await expect.poll(() => page.getByTestId('legend').textContent()).not.toBe(legendBefore);
    await expect(inspected).not.toHaveAttribute('data-value', inspectedBefore!);
    const inspectedAfter = Number(await inspected.getAttribute('data-value'));
    const at = await page.evaluate(() => {
      const r = document.querySelector('[data-testid=inspector-row][data-layer="bicubic-250m"]')!;
      return window.__srda.valueAt('bicubic-250m', Number(r.getAttribute('data-col')), Number(r.getAttribute('data-row')));
    });
    expect(inspectedAfter).toBeCloseTo(at!, 3);
    // The closed-loop table and the trust panel show the shown date's own check.
    await expect.poll(() => page.getByTestId('metrics').textContent()).not.toBe(loopBefore);
    const rmse = await page.evaluate(() => window.__srda.metrics.find((m) => m.method === 'bicubic')!.rmse);
    await expect(page.getByTestId('metrics')).toContainText(rmse.toFixed(3));
    await expect(page.getByTestId('trust')).toContainText('Recommended on this scene');
    await expect(page.getByTestId('stale')).toHaveCount(0);
    await page.keyboard.press('End');
    await expect(page.getByTestId('date-shown')).toHaveText('2024-06-17');
    await page.keyboard.press('Home');
    await expect(page.getByTestId('date-shown')).toHaveText('2024-03-29');
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('date-shown')).toHaveText('2024-04-06');
    await shoot(page, 'many-dates-2-slider');

    // Export: the GeoTIFF of the date on the map; the ZIP holds every date's layers and one series report.
    const out = tempDir('srda-series-');
    const [tifDl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-geotiff][data-layer="bicubic-250m"]').click()]);
    expect(tifDl.suggestedFilename()).toBe('MOD11A2_2024-04-06_bicubic_212m.tif');
    const tif = await saveDownload(tifDl, out);
    const [zipDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
    expect(zipDl.suggestedFilename()).toBe('MOD11A2_2024-03-29_to_2024-06-17_srda-lst.zip');
    const zip = readZip(await saveDownload(zipDl, out));
    for (const d of DHAKA_DATES) {
      for (const stem of ['input_849m', 'bicubic_424m', 'bicubic_212m']) expect(zip.names).toContain(`MOD11A2_${d}_${stem}.tif`);
    }
    expect(zip.names.filter((n) => n.endsWith('.tif'))).toHaveLength(30);
    const report = zip.report as { series: { dates: number; done: number }; dates: Record<string, unknown>[]; inputs: unknown[] };
    expect(report.series).toMatchObject({ dates: 10, done: 10 });
    expect(report.inputs).toHaveLength(36);
    expect(report.dates.map((d) => d.date)).toEqual(DHAKA_DATES);
    const d2 = report.dates[1] as { inputs: Record<string, { name: string; date: string }>; notices: string[]; metrics: { method: string; rmse: number }[]; timings: unknown[]; layers: { file: string }[] };
    expect(d2.inputs.lst.name).toContain('doy2024097');
    expect(d2.inputs['lst-qc'].name).toContain('QC_Day_doy2024097');
    expect(d2.inputs.ndvi).toMatchObject({ date: '2024-04-06' });
    expect(d2.metrics.find((m) => m.method === 'bicubic')!.rmse).toBeGreaterThan(0);
    expect(d2.timings.length).toBeGreaterThan(0);
    expect(Array.isArray(d2.notices)).toBe(true);
    expect(d2.layers.map((l) => l.file)).toContain('MOD11A2_2024-04-06_bicubic_212m.tif');
    // The ZIP's GeoTIFF of that date is the one exported alone, and GDAL reads another date's file as different pixels.
    const inZip = join(out, 'zip-0406.tif');
    writeFileSync(inZip, zip.entries['MOD11A2_2024-04-06_bicubic_212m.tif']);
    const a = gdalReadFloat32(tif);
    const b = gdalReadFloat32(inZip);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    const other = join(out, 'zip-0329.tif');
    writeFileSync(other, zip.entries['MOD11A2_2024-03-29_bicubic_212m.tif']);
    expect(gdalInfo(other).size).toEqual([192, 192]);
    expect(Buffer.from(gdalReadFloat32(other).data.buffer).equals(Buffer.from(a.data.buffer))).toBe(false);

    // At phone width the queue list and slider reflow without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId('date-slider').scrollIntoViewIfNeeded();
    await shoot(page, 'many-dates-3-phone');
  });

  test('an undated NDVI beside a dated one says which date it goes with, and which file takes its place on the other', async ({ page }) => {
    // The 16-day NDVI of 2024-04-06 covers that LST's period, not 2024-04-22's: the undated one stands in there.
    const undated = join(tempDir('srda-undated-'), 'ndvi_mean.tif');
    copyFileSync(ndvi('113'), undated);
    await open(page);
    await page.getByTestId('file-input').setInputFiles([lst('097'), lst('113'), ndvi('097'), undated]);
    await expect(page.getByTestId('file-row')).toHaveCount(4);
    await expect(page.getByTestId('series-date')).toHaveCount(2);
    const reason = (name: string) => page.getByTestId('file-row').filter({ has: page.locator(`td[title="${name}"]`) }).locator('td.reason');
    // Before, its row said nothing.
    await expect(reason('ndvi_mean.tif')).toHaveText('undated: used with the LST of 2024-04-22 (2024-04-06 takes MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif)');
    await expect(reason('MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif')).toHaveText('');
  });

  test('a guide beyond the max date gap fails its date with the file names, the queue goes on; raising the gap lets it stand in; a later run of another date dates the layers it keeps', async ({ page }) => {
    test.setTimeout(300_000);
    await open(page);
    // LST of 2024-05-08, -16 and -24 with one NDVI composite of 2024-05-24: 9 days from the first LST's 8-day period.
    await page.getByTestId('file-input').setInputFiles([lst('129'), lst('137'), lst('145'), qc('129'), qc('137'), qc('145'), ndvi('145')]);
    await expect(page.getByTestId('series-date')).toHaveCount(3);
    await expect(page.getByTestId('max-date-gap')).toHaveValue('8');
    await expect(page.locator('[data-testid=series-date][data-date="2024-05-08"] [data-testid=series-over-gap]')).toContainText('NDVI_doy2024145');
    await expect(page.locator('[data-testid=series-date][data-date="2024-05-16"] [data-testid=series-over-gap]')).toHaveCount(0);
    // TsHARP (with its bicubic baseline), so that a bicubic run of one date below keeps TsHARP's layers.
    await page.getByTestId('method').selectOption('tsharp');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await dateStates(page)).toEqual(['2024-05-08:failed', '2024-05-16:done', '2024-05-24:done']);
    const failed = page.locator('[data-testid=series-date][data-date="2024-05-08"]');
    await expect(failed).toContainText('MOD13Q1.061__250m_16_days_NDVI_doy2024145000000_aid0001.tif');
    await expect(failed).toContainText('MOD11A2.061_LST_Day_1km_doy2024129000000_aid0001.tif');
    await expect(failed).toContainText('Raise "Max date gap" in the scene panel to 9 days');
    await expect(failed).not.toContainText('--');
    expect(await page.evaluate(() => window.__srda.notices.join('\n'))).toMatch(/2 of 3 dates done, 1 failed/);
    await expect(page.getByTestId('date-shown')).toHaveText('2024-05-16');
    await shoot(page, 'many-dates-gap');

    await page.getByTestId('max-date-gap').fill('9');
    await expect(page.locator('[data-testid=series-date][data-date="2024-05-08"] [data-testid=series-over-gap]')).toHaveCount(0);
    // The failed date alone, with bicubic: the queue's TsHARP layers of 2024-05-16 stay on the map, labelled with their date.
    await page.getByTestId('run-all-dates').uncheck();
    await page.getByTestId('scene-date').selectOption('2024-05-08');
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.evaluate(() => window.__srda.resultScene?.date)).toBe('2024-05-08');
    const labels = Object.fromEntries(await page.evaluate(() => window.__srda.layers.map((l) => [l.id, l.label])));
    expect(labels['tsharp-250m']).toBe('TsHARP 212 m · 2024-05-16');
    expect(labels['diff-tsharp-bicubic-250m']).toMatch(/ · 2024-05-16$/);
    expect(labels['bicubic-250m']).toBe('Bicubic 212 m');
    expect(labels['lst-1000m']).toBe('Input LST 849 m');
    await expect(page.locator('[data-testid=layer-toggle][data-layer="tsharp-250m"]').locator('xpath=../..')).toContainText('2024-05-16');
    // Short enough for a phone: the list reflows without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId('layer-toggle').first().scrollIntoViewIfNeeded();
    await shoot(page, 'many-dates-kept-layers-390');
    await page.setViewportSize({ width: 1440, height: 900 });

    // The queue again with the raised gap: the date that failed lets the NDVI stand in.
    await page.getByTestId('run-all-dates').check();
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await dateStates(page)).toEqual(['2024-05-08:done', '2024-05-16:done', '2024-05-24:done']);
  });

  test('cancel mid-queue keeps the finished dates on the slider and in the export', async ({ page }) => {
    test.setTimeout(600_000);
    await open(page);
    await page.getByTestId('file-input').setInputFiles(dhakaFiles());
    await expect(page.getByTestId('series-date')).toHaveCount(10);
    // SRDA-Net (the default) takes seconds per date here, so the queue is still running after two dates.
    await expect(page.getByTestId('method')).toHaveValue('srda');
    await page.getByTestId('run').click();
    await expect(page.locator('[data-testid=series-date][data-state=done]')).toHaveCount(2, { timeout: 400_000 });
    await page.getByTestId('cancel').click();
    // Until the worker answers, the line says what the app waits for (it said 'cancelling', and the worker's next report put the running phrase back).
    // The status word, read at the same moment, says 'cancelling' while the state stays running.
    const [cancelling, word] = await page.evaluate(() => [document.querySelector('[data-testid=progress] .label')?.textContent, document.querySelector('[data-testid=status]')?.textContent]);
    // Unless the worker answered already (the line is gone with the run).
    if (cancelling) {
      expect(cancelling).toMatch(/^Cancelling: waiting for the worker to stop(; it is at 2024-\d\d-\d\d \(\d+ of 10\)[,:] |$| · )/);
      expect(cancelling).not.toMatch(/ left$/);
      expect(word).toBe('cancelling');
    }
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
    const states = await page.evaluate(() => window.__srda.series.map((d) => d.state));
    const done = states.filter((s) => s === 'done').length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(10);
    expect(states.slice(0, done).every((s) => s === 'done')).toBe(true);
    expect(states.slice(done).every((s) => s === 'cancelled')).toBe(true);
    expect(await page.evaluate(() => window.__srda.notices.join('\n'))).toContain(`Queue cancelled after ${done} of 10 dates; the finished dates are kept`);
    // The finished dates stay on the map and behind the slider.
    await expect(page.getByTestId('date-slider')).toContainText(`1 of ${done} finished dates`);
    await page.getByTestId('date-range').focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('date-shown')).toHaveText(DHAKA_DATES[done - 1]);
    expect(await page.evaluate(() => window.__srda.layers.some((l) => l.id === 'lst-250m' && l.method === 'srda'))).toBe(true);
    const [zipDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
    const zip = readZip(await saveDownload(zipDl, tempDir('srda-series-cancel-')));
    const dates = new Set(zip.names.filter((n) => n.endsWith('.tif')).map((n) => /_(\d{4}-\d{2}-\d{2})_/.exec(n)![1]));
    expect([...dates].sort()).toEqual(DHAKA_DATES.slice(0, done));
    const report = zip.report as { series: { done: number; cancelled: number }; dates: { state: string }[] };
    expect(report.series).toMatchObject({ done, cancelled: 10 - done });
    expect(report.dates.map((d) => d.state)).toEqual(states);
  });
});

test.describe('many dates: AppEEARS NetCDF series (Buffalo)', () => {
  const LST_NC = join(BUFFALO, 'MOD11A2.006_aid0001.nc');
  const LC_NC = join(BUFFALO, 'MCD12Q1.051_aid0001.nc');
  test.skip(!existsSync(LST_NC) || !existsSync(LC_NC), 'Buffalo NetCDF absent');

  test('every band of every time step is a row; a range of dates runs as a series with the land cover of the nearest year', async ({ page }) => {
    test.setTimeout(400_000);
    await open(page);
    await page.getByTestId('file-input').setInputFiles([LST_NC, LC_NC]);
    // MOD11A2: 811 steps x (LST_Day_1km, QC_Day); MCD12Q1: 13 years x 3 variables.
    await expect(page.getByTestId('file-row')).toHaveCount(811 * 2 + 13 * 3, { timeout: 120_000 });
    // Every date with a usable LST is a scene (a composite that is fill everywhere has a row saying so, and no scene).
    const usable = await page.evaluate(() => new Set(window.__srda.inputs.filter((i) => i.role === 'lst' && !i.problem).map((i) => i.date)).size);
    const allFill = await page.evaluate(() => window.__srda.inputs.filter((i) => i.role === 'lst' && i.problem?.code === 'ALL_NODATA').length);
    expect(usable + allFill).toBe(811);
    expect(usable).toBeGreaterThan(800);
    await expect(page.getByTestId('series-date')).toHaveCount(usable);
    await expect(page.getByTestId('run')).toHaveText(`Run ${usable} dates`);
    await page.getByTestId('series-from').selectOption('2005-07-12');
    await page.getByTestId('series-to').selectOption('2005-08-05');
    await expect(page.getByTestId('run')).toHaveText('Run 4 dates');
    await page.getByTestId('method').selectOption('bicubic');
    await page.getByTestId('run').click();
    expect(await waitForRunEnd(page, 300_000)).toBe('done');
    const series = await page.evaluate(() => window.__srda.series);
    expect(series.map((d) => `${d.sceneId}:${d.state}`)).toEqual(['2005-07-12:done', '2005-07-20:done', '2005-07-28:done', '2005-08-05:done']);
    await expect(page.locator('[data-testid=series-date][data-state=queued]')).toHaveCount(0);
    await page.getByTestId('date-range').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('date-shown')).toHaveText('2005-07-20');
    const layer = await page.evaluate(() => window.__srda.layers.find((l) => l.kind === 'output' && l.isFinal)!);
    expect(layer.fileStem).toBe('MOD11A2_2005-07-20_bicubic_463m');
    expect(layer.grid.crs.proj4 ?? '').toContain('+proj=aea');
    const [zipDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
    const zip = readZip(await saveDownload(zipDl, tempDir('srda-buffalo-')));
    expect(zip.names.filter((n) => n.endsWith('_bicubic_463m.tif'))).toEqual(
      ['2005-07-12', '2005-07-20', '2005-07-28', '2005-08-05'].map((d) => `MOD11A2_${d}_bicubic_463m.tif`),
    );
    const dates = (zip.report as { dates: { inputs: Record<string, { name: string; date?: string }> }[] }).dates;
    for (const d of dates) {
      expect(d.inputs.landcover.name).toContain('MCD12Q1.051_aid0001.nc');
      expect(d.inputs.landcover.date).toBe('2005-01-01');
    }
    await shoot(page, 'many-dates-buffalo');
  });
});
