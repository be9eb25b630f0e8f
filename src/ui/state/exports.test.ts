import { unzipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { crsFromEpsg } from '../../core/geo/crs.ts';
import type { Raster } from '../../core/raster/raster.ts';
import { beginSceneLayers, clearLayers, storeLayer, type ExportWatch, type LayerMeta } from '../../test-support/export-worker.ts';
import { progressText } from '../progress-text.ts';
import { cancelExport, exportGeoTiff, exportZip } from './actions.ts';
import { initialState, store, type ShownLayer } from './store.ts';

/** What the worker's export code reported, and when the client sent its cancel. */
const seen = vi.hoisted((): ExportWatch => ({ progress: [], isCancelSent: false }));

vi.mock(import('./worker-handle.ts'), async (original) => {
  const { exportWorkerClient } = await import('../../test-support/export-worker.ts');
  const client = exportWorkerClient(seen);
  return { ...(await original()), worker: () => client };
});

/** Files the app saved (download), as bytes. */
const saved: { name: string; bytes: Uint8Array }[] = [];
const blobs: Promise<Uint8Array>[] = [];

/** A 1024 x 1536 LST-like layer (a dozen rows of tiles), UTM 46N, NaN in one corner. */
function lstRaster(seed: number): Raster {
  const width = 1024;
  const height = 1536;
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) data[r * width + c] = r < 100 && c < 100 ? Number.NaN : 290 + seed + 8 * Math.sin(r / 37) * Math.cos(c / 53) + ((r * 7919 + c * 104729) % 1000) / 997;
  return { width, height, transform: [500_000, 250, 0, 2_700_000, 0, -250], crs: crsFromEpsg(32646), data };
}

const meta = (id: string): LayerMeta => ({ id, label: id, kind: 'output', stage: 1, isFinal: true, pixelSizeM: 250, fileStem: `dhaka_${id}` });
const shown = (id: string) => ({ id, label: id, kind: 'output', units: 'K', pixelSizeM: 250, stage: 1, isFinal: true, fileStem: `dhaka_${id}`, grid: { width: 1024, height: 1536 }, stats: { min: 280, max: 300, mean: 290 } }) as unknown as ShownLayer;

/** Every progress line the export in progress showed (its detail), in order, until `off()`. */
function watchDetails(): { details: string[]; off: () => void } {
  const details: string[] = [];
  const off = store.subscribe(() => {
    const d = store.get().exporting?.progress.detail;
    if (d !== undefined && d !== details.at(-1)) details.push(d);
  });
  return { details, off };
}

/** Waits until the export in progress has reported `done` of its count (rows of tiles, layers). */
function reached(done: number): Promise<void> {
  return new Promise((resolve) => {
    const off = store.subscribe(() => {
      if ((store.get().exporting?.progress.done ?? 0) >= done) {
        off();
        resolve();
      }
    });
  });
}

beforeAll(() => {
  vi.stubGlobal('document', {
    createElement: () => {
      const a = { href: '', download: '', click: () => saved.push({ name: a.download, bytes: new Uint8Array() }), remove: () => undefined };
      return a;
    },
    body: { appendChild: () => undefined },
  });
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    blobs.push((blob as Blob).arrayBuffer().then((b) => new Uint8Array(b)));
    return `blob:${blobs.length}`;
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  clearLayers();
});

beforeEach(() => {
  clearLayers();
  beginSceneLayers('dhaka-2024-04-06');
  storeLayer(meta('lst-250m'), lstRaster(0));
  storeLayer(meta('bicubic-250m'), lstRaster(1));
  store.set({ ...initialState, layers: [shown('lst-250m'), shown('bicubic-250m')], visible: { 'lst-250m': true }, notices: ['Closed loop: 3 methods scored.'] });
  saved.length = 0;
  blobs.length = 0;
  seen.progress = [];
  seen.isCancelSent = false;
});

/** The bytes of the i-th file the app saved. */
const savedBytes = (i: number): Promise<Uint8Array> => blobs[i];

describe('cancelling an export in the app', () => {
  it('counts the rows of tiles of a GeoTIFF written: 0 of them first, all of them only once the file is written', async () => {
    const watch = watchDetails();
    await exportGeoTiff('lst-250m');
    watch.off();
    const rows = seen.progress.at(-1)!.total;
    // 1024 x 1536 in 256 px tiles with its overviews (6, 3, 2 and 1 rows).
    expect(rows).toBe(12);
    // Before, the first count was 1/12 (the first row cut, none written yet). Rows written
    // together (an overview's small ones) may show as one step.
    expect(watch.details.slice(0, 2)).toEqual(['starting', `row of tiles 0/${rows}`]);
    const counts = watch.details.slice(1).map((d) => Number(/^row of tiles (\d+)\/12$/.exec(d)?.[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(rows);
    expect(seen.progress.map((p) => p.done)).toEqual(Array.from({ length: rows + 1 }, (_, i) => i));
    expect(saved.map((f) => f.name)).toEqual(['dhaka_lst-250m.tif']);
  });

  it('stops a GeoTIFF export at its next row of tiles, saves nothing, says so, and the next export is the same bytes as one never cancelled', async () => {
    await exportGeoTiff('lst-250m');
    expect(saved.map((f) => f.name)).toEqual(['dhaka_lst-250m.tif']);
    const whole = await savedBytes(0);
    const rows = seen.progress.at(-1)!.total;
    expect(rows).toBeGreaterThanOrEqual(6);
    seen.progress = [];

    const layersBefore = store.get().layers;
    const p = exportGeoTiff('lst-250m');
    expect(store.get().exporting).toMatchObject({ kind: 'geotiff', layerId: 'lst-250m', fileName: 'dhaka_lst-250m.tif' });
    // The first row of the full resolution written (after the overviews' 6).
    await reached(7);
    expect(store.get().exporting?.progress.stage).toBe('Exporting dhaka_lst-250m.tif');
    expect(store.get().exporting?.progress.detail).toBe(`row of tiles ${store.get().exporting?.progress.done}/${rows}`);
    cancelExport();
    expect(store.get().exporting?.progress.stage).toBe('Cancelling the export of dhaka_lst-250m.tif: waiting for the worker to stop');
    cancelExport(); // twice: nothing more
    await p;
    // Before, the app passed no signal: the export ran its 6 rows and saved the file.
    expect(saved).toHaveLength(1);
    // Rows are counted written: after Cancel, at most the 2 rows whose 8 tiles were compressing (4 a row).
    expect(seen.progress.filter((x) => x.afterCancel).length).toBeLessThanOrEqual(2);
    expect(Math.max(...seen.progress.map((x) => x.done))).toBeLessThan(rows);
    const s = store.get();
    expect(s.exporting).toBeUndefined();
    expect(s.error).toBeUndefined();
    expect(s.notices).toEqual(['Closed loop: 3 methods scored.', 'Export of dhaka_lst-250m.tif cancelled: no file was saved. The results on the map are kept.']);
    expect(s.layers).toBe(layersBefore);
    expect(s.visible).toEqual({ 'lst-250m': true });

    cancelExport(); // after it ended: nothing
    await exportGeoTiff('lst-250m');
    expect(saved.map((f) => f.name)).toEqual(['dhaka_lst-250m.tif', 'dhaka_lst-250m.tif']);
    expect(Buffer.from(await savedBytes(1)).equals(Buffer.from(whole))).toBe(true);
    // Cancelled again and again, the notice is there once.
    const q = exportGeoTiff('bicubic-250m');
    await reached(1);
    cancelExport();
    await q;
    expect(store.get().notices.filter((n) => n.startsWith('Export of'))).toHaveLength(2);
  });

  it('starts one export at a time, and a Cancel after the export ended changes nothing', async () => {
    const p = exportGeoTiff('lst-250m');
    // A second export while one runs does nothing (its controls are disabled meanwhile).
    await exportZip();
    expect(store.get().exporting?.fileName).toBe('dhaka_lst-250m.tif');
    await p;
    cancelExport();
    expect(saved.map((f) => f.name)).toEqual(['dhaka_lst-250m.tif']);
    expect(store.get().notices.some((n) => n.startsWith('Export of'))).toBe(false);
    expect(store.get().exporting).toBeUndefined();
  });

  it('counts the rows of tiles written of each layer of a ZIP, then the MB of the ZIP built; the bar is full only once the ZIP is built', async () => {
    const states: { detail?: string; fraction?: number }[] = [];
    const off = store.subscribe(() => {
      const p = store.get().exporting?.progress;
      if (p) states.push({ detail: p.detail, fraction: p.fraction });
    });
    await exportZip();
    off();
    expect(saved.map((f) => f.name)).toEqual(['srda-lst-results.zip']);
    const size = (await savedBytes(0)).length;
    const details = states.map((x) => x.detail).filter((d, i, all) => d !== all[i - 1]);
    expect(details[0]).toBe('starting');
    const layerLines = details.slice(1).filter((d) => d?.startsWith('layer '));
    const zipLines = details.slice(1 + layerLines.length);
    // Before, the line said 'layer 1/2 written' and 'layer 2/2 written' only.
    const where = layerLines.map((d) => /^layer (\d)\/2, row of tiles (\d+)\/12$/.exec(d!)!.slice(1).map(Number));
    expect(where[0]).toEqual([1, 0]);
    // The worker posts every count (below), throttled to one per 50 ms unless it ends a layer, so how many
    // of layer 2's reach the line depends on the machine's speed: at least its last one does.
    expect(where.some(([layer]) => layer === 2)).toBe(true);
    expect(where.at(-1)).toEqual([2, 12]);
    expect(where.map(([layer, row]) => layer * 100 + row)).toEqual(where.map(([layer, row]) => layer * 100 + row).sort((a, b) => a - b));
    expect(seen.progress.filter((x) => x.stage === 'export').map((x) => `${x.step}:${x.done}`)).toEqual([1, 2].flatMap((step) => Array.from({ length: 13 }, (_, i) => `${step}:${i}`)));
    // Then the ZIP is built, in MB of its size: before, the line stayed at layer 2's 12/12 with the bar full meanwhile.
    const mb = Math.round((10 * size) / 2 ** 20) / 10;
    expect(size).toBeGreaterThan(2 ** 20);
    expect(zipLines[0]).toBe(`writing the ZIP, 0/${mb} MB`);
    expect(zipLines.at(-1)).toBe(`writing the ZIP, ${mb}/${mb} MB`);
    const built = zipLines.map((d) => Number(new RegExp(`^writing the ZIP, ([0-9.]+)/${mb} MB$`).exec(d!)![1]));
    expect(built).toEqual([...built].sort((a, b) => a - b));
    const zipCounts = seen.progress.filter((x) => x.stage === 'zip');
    expect(seen.progress.slice(26)).toEqual(zipCounts);
    expect(zipCounts[0]).toMatchObject({ done: 0, total: size });
    expect(zipCounts.at(-1)).toMatchObject({ done: size, total: size });
    // The bar: each layer and the ZIP a third, never going back, full only with the ZIP built.
    const shown = states.map((x) => x.fraction ?? Number.NaN).filter((f) => !Number.isNaN(f));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(states.find((x) => x.detail === 'layer 2/2, row of tiles 12/12')?.fraction).toBeCloseTo(2 / 3, 9);
    expect(states.find((x) => x.detail === `writing the ZIP, 0/${mb} MB`)?.fraction).toBeCloseTo(2 / 3, 9);
    expect(states.filter((x) => x.fraction === 1).map((x) => x.detail)).toEqual([`writing the ZIP, ${mb}/${mb} MB`]);
  });

  it('stops a ZIP export while the ZIP is built, saves nothing, and says so', async () => {
    // Three layers: a ZIP over the ~8 MiB built between two looks at the cancel.
    storeLayer(meta('tsharp-250m'), lstRaster(3));
    let cancelledAt: string | undefined;
    const off = store.subscribe(() => {
      const d = store.get().exporting?.progress.detail;
      if (cancelledAt === undefined && d?.startsWith('writing the ZIP')) {
        cancelledAt = d;
        queueMicrotask(cancelExport);
      }
    });
    await exportZip();
    off();
    // Before, no line said the ZIP was being built: there was no such phase to cancel in.
    expect(cancelledAt).toMatch(/^writing the ZIP, 0\/\d+(\.\d)? MB$/);
    expect(saved).toHaveLength(0);
    const zip = seen.progress.filter((x) => x.stage === 'zip');
    expect(zip.length).toBeGreaterThan(1);
    expect(zip.every((x) => x.done < x.total)).toBe(true);
    expect(zip.some((x) => x.afterCancel)).toBe(true);
    expect(store.get().exporting).toBeUndefined();
    expect(store.get().error).toBeUndefined();
    expect(store.get().notices.at(-1)).toBe('Export of srda-lst-results.zip cancelled: no file was saved. The results on the map are kept.');
  });

  it('says it draws the map picture before a ZIP and puts it in; a Cancel meanwhile saves nothing and asks the worker for nothing', async () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);
    let drawn!: (png: ArrayBuffer) => void;
    const watch = watchDetails();
    const p = exportZip(() => new Promise((resolve) => (drawn = resolve)));
    // Before, the picture was drawn before the export began: no line, then 'starting'.
    expect(store.get().exporting?.progress).toMatchObject({ stage: 'Exporting srda-lst-results.zip', detail: 'drawing the map picture', done: 0, total: 0 });
    expect(progressText(store.get().exporting!.progress)).toBe('Exporting srda-lst-results.zip · drawing the map picture');
    // One export at a time from the click on: a second ZIP while the picture is drawn does nothing.
    await exportZip(() => Promise.reject(new Error('a second picture is never drawn')));
    drawn(png.slice().buffer);
    await p;
    watch.off();
    // Once drawn, the line no longer says so while the worker has not begun (it may be busy with a run).
    expect(watch.details.slice(0, 4)).toEqual(['starting', 'drawing the map picture', 'starting', 'layer 1/2, row of tiles 0/12']);
    expect(saved.map((f) => f.name)).toEqual(['srda-lst-results.zip']);
    const zip = unzipSync(await savedBytes(0));
    expect(Object.keys(zip).sort()).toEqual(['dhaka_bicubic-250m.tif', 'dhaka_lst-250m.tif', 'map.png', 'report.json']);
    expect(Array.from(zip['map.png'])).toEqual(Array.from(png));

    seen.progress = [];
    const q = exportZip(() => new Promise((resolve) => (drawn = resolve)));
    cancelExport();
    expect(store.get().exporting?.progress).toMatchObject({ stage: 'Cancelling the export of srda-lst-results.zip: waiting for the worker to stop', detail: 'drawing the map picture' });
    drawn(png.slice().buffer);
    await q;
    expect(saved).toHaveLength(1);
    expect(seen.progress).toEqual([]);
    expect(store.get().exporting).toBeUndefined();
    expect(store.get().notices.at(-1)).toBe('Export of srda-lst-results.zip cancelled: no file was saved. The results on the map are kept.');
  });

  it('stops a ZIP export at its next row of tiles within a layer, saves nothing, and the next ZIP holds the layers a run replaced during it', async () => {
    const p = exportZip();
    expect(store.get().exporting?.fileName).toBe('srda-lst-results.zip');
    // The first layer's first row of the full resolution written (after its overviews' 6 rows).
    await reached(7);
    expect(store.get().exporting?.progress.detail).toBe(`layer 1/2, row of tiles ${store.get().exporting?.progress.done}/12`);
    cancelExport();
    expect(store.get().exporting?.progress).toMatchObject({ stage: 'Cancelling the export of srda-lst-results.zip: waiting for the worker to stop', detail: expect.stringMatching(/^layer 1\/2, row of tiles/) });
    await p;
    expect(saved).toHaveLength(0);
    // Before, Cancel waited for the layer's 12 rows; now at most the 2 rows compressing when it was sent.
    expect(seen.progress.filter((x) => x.afterCancel).length).toBeLessThanOrEqual(2);
    expect(Math.max(...seen.progress.map((x) => x.done))).toBeLessThan(12);
    expect(seen.progress.every((x) => x.step === 1)).toBe(true);
    expect(store.get().notices.at(-1)).toBe('Export of srda-lst-results.zip cancelled: no file was saved. The results on the map are kept.');

    // A run (Run stays enabled during an export) replaces the worker's layers while the ZIP is written.
    const q = exportZip();
    await reached(1);
    beginSceneLayers('dhaka-2024-04-14');
    storeLayer(meta('dms-250m'), lstRaster(2));
    await q;
    expect(store.get().error).toBeUndefined();
    expect(saved.map((f) => f.name)).toEqual(['srda-lst-results.zip']);
    const zip = unzipSync(await savedBytes(0));
    expect(Object.keys(zip).sort()).toEqual(['dhaka_bicubic-250m.tif', 'dhaka_lst-250m.tif', 'report.json']);
  });
});
