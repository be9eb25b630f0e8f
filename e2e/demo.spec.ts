import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { gdalInfo, gdalReadFloat32, saveDownload, screensDir, shoot, tempDir, waitForRunEnd } from './helpers.ts';

test.describe('demo scene flow', () => {
  test('loads the demo, downscales, toggles layers, swipes, inspects and exports a GeoTIFF GDAL reads', async ({
    page,
  }) => {
    const external: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.host !== `127.0.0.1:${process.env.E2E_PORT ?? 4173}`)
        external.push(r.url());
    });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto('/');
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'idle');
    await page.getByTestId('demo').click();
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    const roles = await page
      .getByTestId('file-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
    expect(roles.sort()).toEqual(['dem', 'lst', 'ndvi']);
    await shoot(page, 'demo-1-ingested');

    await page.getByTestId('run').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
    expect(await waitForRunEnd(page)).toBe('done');
    await expect(page.getByTestId('backend')).not.toHaveText('not started');
    const layers = await page.evaluate(() =>
      window.__srda.layers.map((l) => ({ id: l.id, w: l.grid.width, h: l.grid.height })),
    );
    expect(layers).toEqual(
      expect.arrayContaining([
        { id: 'lst-1000m', w: 64, h: 64 },
        { id: 'lst-500m', w: 128, h: 128 },
        { id: 'lst-250m', w: 256, h: 256 },
      ]),
    );
    // SRDA-Net v2's uncertainty (1 sigma, K) is a layer of its own at each output resolution.
    const sigma = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'sigma-250m'));
    expect(sigma?.kind).toBe('uncertainty');
    expect(sigma!.stats.min).toBeGreaterThan(0);
    expect(sigma!.stats.max).toBeLessThan(20);
    const energy = await page.evaluate(() => window.__srda.energyError);
    expect(energy).toHaveLength(2);
    for (const e of energy) expect(e.maxAbsK).toBeLessThan(0.01);
    await expect(page.getByTestId('metrics-row').first()).toBeVisible();
    // The score table names methods as the trust panel does, not by their ids.
    await expect(page.locator('[data-testid=metrics-row][data-method="srda"] td').first()).toHaveText('SRDA-Net');
    await expect(page.getByTestId('map-main')).toHaveAttribute('data-ready', 'true');
    // The map says when it has drawn the new layers (their images loaded, a frame rendered), not just that it exists.
    await expect(page.getByTestId('map-main')).toHaveAttribute('data-drawn', 'true');
    const shown = await page.evaluate(() => window.__srda.shownOnMap());
    expect(shown.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.__srda.loadedOnMap())).toEqual(shown);
    await shoot(page, 'demo-2-done');

    // Toggle the three LST layers on and off; the map follows the checkboxes.
    for (const id of ['lst-1000m', 'lst-500m', 'lst-250m']) {
      const toggle = page.locator(`[data-testid=layer-toggle][data-layer="${id}"]`);
      await toggle.check();
      await expect.poll(() => page.evaluate((i) => window.__srda.shownOnMap().includes(i), id)).toBe(true);
    }
    await shoot(page, 'demo-3-all-layers');
    for (const id of ['lst-250m', 'lst-500m']) {
      await page.locator(`[data-testid=layer-toggle][data-layer="${id}"]`).uncheck();
      await expect.poll(() => page.evaluate((i) => window.__srda.shownOnMap().includes(i), id)).toBe(false);
    }
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap())).toEqual(['lst-1000m']);
    await shoot(page, 'demo-4-input-only');

    // Inspect the pixel at the scene centre: every layer's value is listed and matches the data.
    const g = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m')!.grid);
    const mapBox = (await page.getByTestId('map-main').boundingBox())!;
    const centre = { x: mapBox.width / 2, y: mapBox.height / 2 };
    await page.getByTestId('map-main').click({ position: centre });
    await expect(page.getByTestId('inspector-row')).toHaveCount(layers.length);
    const values = await page
      .getByTestId('inspector-row')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-layer')!, Number(r.getAttribute('data-value'))] as const),
      );
    for (const [id, v] of values) {
      if (id.startsWith('diff-')) expect(Math.abs(v)).toBeLessThan(20);
      else if (id.startsWith('sigma-')) expect(v > 0 && v < 20).toBe(true);
      else expect(v).toBeGreaterThan(250);
    }
    expect(g.width).toBe(256);
    // Each value is the layer's own pixel under the click (native grid, not the display copy).
    const cells = await page
      .getByTestId('inspector-row')
      .evaluateAll((rows) =>
        rows.map((r) => ({
          id: r.getAttribute('data-layer')!,
          col: Number(r.getAttribute('data-col')),
          row: Number(r.getAttribute('data-row')),
          v: Number(r.getAttribute('data-value')),
        })),
      );
    for (const c of cells)
      expect(await page.evaluate((x) => window.__srda.valueAt(x.id, x.col, x.row), c)).toBeCloseTo(c.v, 4);
    const c250 = cells.find((c) => c.id === 'lst-250m')!;
    const c1000 = cells.find((c) => c.id === 'lst-1000m')!;
    expect(Math.floor(c250.col / 4)).toBe(c1000.col);
    expect(Math.floor(c250.row / 4)).toBe(c1000.row);
    await shoot(page, 'demo-5-inspector');

    // Swipe between the input and the 250 m result.
    await page.getByTestId('view-swipe').click();
    await expect(page.getByTestId('compare')).toHaveAttribute('data-mode', 'swipe');
    await expect(page.getByTestId('map-left')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('map-right')).toHaveAttribute('data-ready', 'true');
    await expect.poll(() => page.evaluate(() => window.__srda.shownOnMap('right'))).toEqual(['lst-250m']);
    // The chips over each side name the layer as the layer list does, not by its internal id.
    const rightLabel = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m')!.label);
    await expect(page.getByTestId('compare-label-right')).toHaveText(rightLabel);
    await expect(page.getByTestId('compare-label-left')).toContainText('Input LST');
    const handle = page.getByTestId('swipe-handle');
    const hb = (await handle.boundingBox())!;
    const cb = (await page.getByTestId('compare').boundingBox())!;
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(cb.x + cb.width * 0.3, hb.y + hb.height / 2, { steps: 5 });
    await page.mouse.up();
    const split = Number(await page.getByTestId('compare').getAttribute('data-split'));
    expect(split).toBeGreaterThan(0.25);
    expect(split).toBeLessThan(0.35);
    await shoot(page, 'demo-6-swipe');
    await page.getByTestId('view-side').click();
    await expect(page.getByTestId('compare')).toHaveAttribute('data-mode', 'side');
    await expect(page.getByTestId('map-right')).toHaveAttribute('data-ready', 'true');
    await shoot(page, 'demo-7-side-by-side');
    await page.getByTestId('view-off').click();

    // Export the 250 m layer: GDAL reads the CRS (MODIS sinusoidal), grid and values.
    const dir = tempDir('srda-demo-');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').click(),
    ]);
    const path = await saveDownload(download, dir);
    const info = gdalInfo(path);
    expect(info.size).toEqual([256, 256]);
    expect(info.coordinateSystem.wkt).toMatch(/Sinusoidal/i);
    expect(info.geoTransform[0]).toBeCloseTo(g.transform[0], 3);
    expect(info.geoTransform[1]).toBeCloseTo(g.transform[1], 6);
    expect(info.geoTransform[3]).toBeCloseTo(g.transform[3], 3);
    expect(info.geoTransform[5]).toBeCloseTo(g.transform[5], 6);
    expect(info.bands[0].type).toBe('Float32');
    expect(info.bands[0].noDataValue).toBe(-9999);
    const tif = gdalReadFloat32(path);
    const probe = await page.evaluate(() =>
      [0, 1000, 33333, 65535].map((i) => window.__srda.valueAt('lst-250m', i % 256, Math.floor(i / 256))),
    );
    [0, 1000, 33333, 65535].forEach((i, k) => expect(tif.data[i]).toBeCloseTo(probe[k]!, 4));
    const stats = await page.evaluate(() => window.__srda.layers.find((l) => l.id === 'lst-250m')!.stats);
    expect(info.bands[0].mean!).toBeCloseTo(stats.mean, 2);

    // Cancel while the export runs (clicked in the page: a Playwright click and its checks take
    // longer than this 256 x 256 export, about 0.5 s): nothing is saved, the notice says so, the map
    // keeps its layers; the next export is the same bytes as the first.
    const saved: string[] = [];
    const onDownload = (d: { suggestedFilename(): string }) => saved.push(d.suggestedFilename());
    page.on('download', onDownload);
    const layerIds = await page.evaluate(() => window.__srda.layers.map((l) => l.id));
    /** Starts the lst-250m export in the page and waits for its Cancel; `cancel`: presses it (twice), else leaves the export running. */
    const startExport = (cancel: boolean) =>
      page.evaluate(async (isCancel) => {
        document.querySelector<HTMLElement>('[data-testid=export-geotiff][data-layer="lst-250m"]')!.click();
        let button: HTMLButtonElement | null;
        while (!(button = document.querySelector<HTMLButtonElement>('[data-testid=export-cancel]'))) await new Promise((r) => setTimeout(r, 1));
        const line = document.querySelector('[data-testid=export-progress-bar] .label')!.textContent;
        const disabled = [...document.querySelectorAll<HTMLButtonElement>('[data-testid=export-geotiff], [data-testid=export-zip]')].every((b) => b.disabled);
        if (isCancel) {
          button.click();
          button.click();
        }
        return { line, disabled };
      }, cancel);
    // Pictures of the export control while it runs, on a laptop and a phone (for reading, as `shoot`):
    // the downscale worker is kept busy 2 s just after the export starts, so it is still running.
    const downscaleWorker = page.workers().find((w) => w.url().includes('downscale.worker'))!;
    for (const [width, height] of [[1440, 900], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').scrollIntoViewIfNeeded();
      await startExport(false);
      const busy = downscaleWorker.evaluate(() => {
        for (const t = Date.now(); Date.now() - t < 2000; );
      });
      await page.getByTestId('export-progress').scrollIntoViewIfNeeded({ timeout: 1000 }).catch(() => undefined);
      await page.screenshot({ path: join(screensDir, `export-running-${width}x${height}.png`) });
      await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid=export-cancel]')?.click());
      await busy;
      await expect(page.getByTestId('export-progress')).toHaveCount(0);
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
    saved.length = 0;
    const started = await startExport(true);
    expect(started.line).toMatch(/^Exporting MOD11A1_2025-06-21_srda_232m\.tif · (starting|row of tiles \d+\/\d+)$/);
    expect(started.disabled, 'no second export starts while one runs').toBe(true);
    await expect(page.getByTestId('export-progress')).toHaveCount(0);
    await expect(page.getByTestId('notices')).toContainText('Export of MOD11A1_2025-06-21_srda_232m.tif cancelled: no file was saved. The results on the map are kept.');
    expect(saved, 'a cancelled export saves nothing').toEqual([]);
    page.off('download', onDownload);
    expect(await page.evaluate(() => window.__srda.layers.map((l) => l.id))).toEqual(layerIds);
    await expect(page.getByTestId('error')).toHaveCount(0);
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-geotiff][data-layer="lst-250m"]').click(),
    ]);
    expect(readFileSync(await saveDownload(again, dir)).equals(readFileSync(path)), 'the export after a cancel is the same bytes').toBe(true);

    // PNG of the current map view.
    const [pngDl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-png').click(),
    ]);
    const png = readFileSync(await saveDownload(pngDl, dir));
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(10_000);

    // ZIP with every layer and report.json.
    const [zipDl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-zip').click(),
    ]);
    const zipPath = await saveDownload(zipDl, dir);
    const zip = unzipSync(new Uint8Array(readFileSync(zipPath)));
    for (const f of ['report.json', 'map.png']) expect(Object.keys(zip)).toContain(f);
    const report = JSON.parse(strFromU8(zip['report.json']));
    expect(report.layers.map((l: { id: string }) => l.id)).toContain('lst-250m');
    // Every layer is in the ZIP under the name report.json gives it (scene, date, method, real pixel size).
    for (const l of report.layers as { file: string }[]) expect(Object.keys(zip)).toContain(l.file);
    expect(report.layers.map((l: { file: string }) => l.file)).toContain('MOD11A1_2025-06-21_input_927m.tif');
    expect(report.inputs).toHaveLength(3);
    // The closed-loop verdict in the CLI's report.json field: the method the trust panel recommends, in its words.
    const recommendation = await page.getByTestId('trust-recommendation').textContent();
    expect(recommendation).toMatch(/^Recommended on this scene: (SRDA-Net|bicubic)\b/);
    expect(report.closedLoopCheck).toEqual({
      coarsePixelM: expect.any(Number),
      referencePixelM: expect.any(Number),
      pixels: Math.min(...report.metrics.map((m: { pixels: number }) => m.pixels)),
      recommendedMethod: recommendation!.startsWith('Recommended on this scene: SRDA-Net') ? 'srda' : 'bicubic',
      message: recommendation,
    });

    // Pictures of the ZIP export while it runs, on a laptop and a phone: the downscale worker's
    // zero-delay timers (the writer yields at each row of tiles) are stretched to 150 ms here only,
    // so the 256 x 256 layers' rows last long enough to be seen; each export is then cancelled.
    await downscaleWorker.evaluate(() => {
      const plain = globalThis.setTimeout;
      const g = globalThis as unknown as { __plainSetTimeout?: typeof plain; setTimeout: typeof plain };
      g.__plainSetTimeout = plain;
      g.setTimeout = ((f: () => void, ms?: number) => plain(f, ms ? ms : 150)) as typeof plain;
    });
    for (const [width, height] of [[1440, 900], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.getByTestId('export-zip').scrollIntoViewIfNeeded();
      await page.evaluate(() => {
        const lines: string[] = [];
        (window as unknown as { __zipLines: string[] }).__zipLines = lines;
        const seen = () => {
          const t = document.querySelector('[data-testid=export-progress-bar] .label')?.textContent;
          if (t && t !== lines.at(-1)) lines.push(t);
        };
        new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
        document.querySelector<HTMLElement>('[data-testid=export-zip]')!.click();
        seen();
      });
      await page.waitForFunction(() => /row of tiles [1-9]/.test(document.querySelector('[data-testid=export-progress-bar] .label')?.textContent ?? ''));
      await page.getByTestId('export-progress').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(screensDir, `export-zip-running-${width}x${height}.png`) });
      await page.getByTestId('export-cancel').click();
      await expect(page.getByTestId('export-progress')).toHaveCount(0);
      const lines = await page.evaluate(() => (window as unknown as { __zipLines: string[] }).__zipLines);
      console.log(`ZIP export lines at ${width}x${height}:\n  ${lines.join('\n  ')}`);
      expect(lines[0]).toMatch(/^Exporting MOD11A1_2025-06-21\S*\.zip · drawing the map picture$/);
      expect(lines.some((l) => /· layer 1\/\d+, row of tiles 0\/1$/.test(l))).toBe(true);

      // After its layers the ZIP is built, and the line says so: once the worker posts its first ZIP
      // count, its zero-delay timers (the ZIP builder yields there) are held 4 s, long enough for a
      // picture; Cancel in that phase saves nothing.
      await downscaleWorker.evaluate(() => {
        const g = globalThis as unknown as { __plainSetTimeout: typeof setTimeout; setTimeout: typeof setTimeout; postMessage: (m: unknown, t?: Transferable[]) => void; __plainPost?: (m: unknown, t?: Transferable[]) => void };
        const plainPost = (g.__plainPost = g.postMessage.bind(g));
        g.postMessage = (m: unknown, t?: Transferable[]) => {
          const msg = m as { type?: string; progress?: { stage?: string } };
          if (msg.type === 'progress' && msg.progress?.stage === 'zip') g.setTimeout = ((f: () => void, ms?: number) => g.__plainSetTimeout(f, ms ? ms : 4000)) as typeof setTimeout;
          plainPost(m, t);
        };
      });
      const zipSaved: string[] = [];
      const onZip = (d: { suggestedFilename(): string }) => zipSaved.push(d.suggestedFilename());
      page.on('download', onZip);
      await page.getByTestId('export-zip').click();
      await page.waitForFunction(() => /· writing the ZIP, /.test(document.querySelector('[data-testid=export-progress-bar] .label')?.textContent ?? ''));
      await page.getByTestId('export-progress').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(screensDir, `export-zip-writing-${width}x${height}.png`) });
      const writing = await page.evaluate(() => {
        const bar = document.querySelector('[data-testid=export-progress-bar]')!;
        return { line: bar.querySelector('.label')!.textContent!, value: Number(bar.getAttribute('aria-valuenow')) };
      });
      console.log(`ZIP export while the ZIP is built at ${width}x${height}: ${writing.line} (${writing.value} %)`);
      expect(writing.line).toMatch(/^Exporting MOD11A1_2025-06-21\S*\.zip · writing the ZIP, 0\/\d+(\.\d)? MB$/);
      // Each layer and the building of the ZIP a part of the bar: the layers done, the ZIP not.
      expect(writing.value).toBeGreaterThan(50);
      expect(writing.value).toBeLessThan(100);
      await page.getByTestId('export-cancel').click();
      await expect(page.getByTestId('export-progress')).toHaveCount(0, { timeout: 15_000 });
      await expect(page.getByTestId('notices')).toContainText(/Export of MOD11A1_2025-06-21\S*\.zip cancelled: no file was saved\./);
      expect(zipSaved, 'a ZIP cancelled while it is built saves nothing').toEqual([]);
      page.off('download', onZip);
      await downscaleWorker.evaluate(() => {
        const g = globalThis as unknown as { __plainSetTimeout: typeof setTimeout; setTimeout: typeof setTimeout; postMessage: unknown; __plainPost: unknown };
        g.postMessage = g.__plainPost;
        g.setTimeout = ((f: () => void, ms?: number) => g.__plainSetTimeout(f, ms ? ms : 150)) as typeof setTimeout;
      });
    }
    await downscaleWorker.evaluate(() => {
      const g = globalThis as unknown as { __plainSetTimeout: typeof setTimeout; setTimeout: typeof setTimeout };
      g.setTimeout = g.__plainSetTimeout;
    });

    expect(external, 'the demo makes no request to other hosts').toEqual([]);
  });
});
