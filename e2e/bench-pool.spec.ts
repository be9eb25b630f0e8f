import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import type { BenchApi } from '../bench/browser/bench-page.ts';
import { gdalInfo, gdalReadFloat32, repoRoot } from './helpers.ts';

// The app's pool of SRDA-Net inference Web Workers (worker/tile-pool-web.ts), driven from the
// bench page (bench/browser, built here into its own folder): many small tiles per stage, so both
// workers run tiles, and the output must not change by a bit.
test.describe('SRDA-Net on the pool of inference Web Workers', () => {
  let server: PreviewServer | undefined;
  let outDir = '';
  test.beforeAll(async () => {
    test.setTimeout(240_000);
    outDir = mkdtempSync(join(tmpdir(), 'srda-bench-page-'));
    const configFile = resolve(repoRoot, 'bench/vite.config.ts');
    await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  });
  test.afterAll(async () => {
    if (server) await new Promise<void>((res) => server!.httpServer.close(() => res()));
    rmSync(outDir, { recursive: true, force: true });
  });

  test('two workers give bit-identical stages to one, each worker running tiles', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server!.resolvedUrls!.local[0]);
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
    const r = await page.evaluate(
      (o) => (window as unknown as { __bench: BenchApi }).__bench.poolCheck(o),
      { lstPx: 96, tileCoarsePx: 32, workers: 2 },
    );
    expect(r.inferenceWorkers).toBe(2);
    expect(r.tiles).toEqual([9, 36]);
    expect(r.tilesPerWorker.reduce((a, b) => a + b, 0)).toBe(45);
    expect(Math.min(...r.tilesPerWorker)).toBeGreaterThan(0);
    expect(r.notices).toEqual([]);
    // 96 px LST -> 192 -> 384: LST and uncertainty of both stages.
    expect(r.values).toBe(2 * (192 * 192 + 384 * 384));
    expect(r.differing).toBe(0);
    expect(errors).toEqual([]);
  });

  // The app's and the bench's files have their tiles deflated on deflate Web Workers.
  test("a GeoTIFF deflated on two deflate Web Workers is the page writer's file, a valid COG", async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server!.resolvedUrls!.local[0]);
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
    const r = await page.evaluate((o) => (window as unknown as { __bench: BenchApi }).__bench.writeCheck(o), { lstPx: 300 });
    expect(r.deflateWorkers).toBe(2);
    expect(r.pooledIdentical).toBe(true);
    const file = join(outDir, 'write-check.tif');
    writeFileSync(file, Uint8Array.from(r.bytes));
    expect(gdalInfo(file, false).size).toEqual([r.width, r.height]);
    // Valid pixels as GDAL reads them: the bicubic LST of the bench scene (K), nodata elsewhere.
    const px = gdalReadFloat32(file);
    const valid = px.data.filter((v) => v !== -9999);
    expect(valid.length).toBeGreaterThan(0.5 * px.data.length);
    expect(valid.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(200);
    expect(valid.reduce((a, b) => Math.max(a, b))).toBeLessThan(350);
    const check = execFileSync('/usr/bin/python3', ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', file], { encoding: 'utf8' });
    expect(check).toMatch(/is a valid cloud optimized GeoTIFF/);
    // The workers' floatDeflate: other bytes than CompressionStream's zlib level 6, the same pixels for GDAL.
    expect(Buffer.from(r.bytes).equals(Buffer.from(r.nativeBytes))).toBe(false);
    const nativeFile = join(outDir, 'write-check-native.tif');
    writeFileSync(nativeFile, Uint8Array.from(r.nativeBytes));
    const nativePx = gdalReadFloat32(nativeFile).data;
    expect(Buffer.from(nativePx.buffer, nativePx.byteOffset, nativePx.byteLength).equals(Buffer.from(px.data.buffer, px.data.byteOffset, px.data.byteLength))).toBe(true);
    // The uncertainty files' run-length Deflate (worker/rle-deflate.ts) on the deflate workers:
    // other bytes, the same pixels for GDAL, a valid COG.
    expect(r.rleDiffers).toBe(true);
    expect(r.rleIdentical).toBe(true);
    const rleFile = join(outDir, 'write-check-rle.tif');
    writeFileSync(rleFile, Uint8Array.from(r.rleBytes));
    const rlePx = gdalReadFloat32(rleFile).data;
    expect(Buffer.from(rlePx.buffer, rlePx.byteOffset, rlePx.byteLength).equals(Buffer.from(px.data.buffer, px.data.byteOffset, px.data.byteLength))).toBe(true);
    const rleCheck = execFileSync('/usr/bin/python3', ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', rleFile], { encoding: 'utf8' });
    expect(rleCheck).toMatch(/is a valid cloud optimized GeoTIFF/);
    expect(errors).toEqual([]);
  });

  // The reader's Deflate blocks decoded whole (inflate, predictor, byte order) on the deflate Web
  // Workers, as the app and the bench page read GeoTIFFs: the bits of the page's own decoding.
  test('GeoTIFF Deflate blocks decoded on two deflate Web Workers give the bands, bit for bit, and the errors of the page reader', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server!.resolvedUrls!.local[0]);
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
    // Float32 predictor-3 strips (odd widths) and tiles from the shared data, where present.
    const aster = resolve(repoRoot, '../shared/data/modis-aster-h18v04-sifcnnsr/84');
    const names = ['MOD09GQ_NDVI_250m.tif', 'ASTER_LST_250m.tif', 'MOD21A1D_LST_1km.tif'];
    const files = existsSync(aster) ? names.map((name) => ({ name, bytes: Array.from(readFileSync(join(aster, name))) })) : [];
    const rows = await page.evaluate((o) => (window as unknown as { __bench: BenchApi }).__bench.readCheck(o), { lstPx: 300, files });
    // The bench scene's LST, NDVI and DEM (float32 Deflate, predictor 3, 256 px tiles), the files, their damaged copies.
    expect(rows.length).toBe(3 + 2 * files.length);
    for (const r of rows) {
      expect(r.there, r.name).toBe(r.here);
      expect(r.workerBlocks, r.name).toBeGreaterThan(0);
      if (r.name.startsWith('damaged-')) expect(r.here, r.name).toMatch(new RegExp(`^CORRUPT_TIFF ${r.name}: `));
      else {
        expect(r.here, r.name).toBe('read');
        expect(r.values, r.name).toBeGreaterThan(0);
        expect(r.differing, r.name).toBe(0);
      }
    }
    expect(errors).toEqual([]);
  });
});
