import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, type Download, type Page } from '@playwright/test';
import type { SrdaHook } from '../src/ui/state/test-hook.ts';

declare global {
  interface Window {
    __srda: SrdaHook;
  }
}

export const repoRoot = resolve(import.meta.dirname, '..');
export const screensDir = join(repoRoot, 'test-results', 'screens');
mkdirSync(screensDir, { recursive: true });

/**
 * Saves a full-page screenshot under test-results/screens/, once every map on the page has drawn
 * what it shows (`data-drawn`: right after a run's "done" its layers are still being encoded and
 * loaded, and the map would be blank). A map still drawing after 10 s is shot as it is: these
 * pictures are for reading, the specs' own checks say whether a map drew.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  await page
    .waitForFunction(() => [...document.querySelectorAll('[data-ready=true][data-drawn]')].every((m) => m.getAttribute('data-drawn') === 'true'), null, { timeout: 10_000 })
    .catch(() => undefined);
  await page.screenshot({ path: join(screensDir, `${name}.png`), fullPage: true });
}

/** Waits until the status reaches done or error and returns it. */
export async function waitForRunEnd(page: Page, timeoutMs = 170_000): Promise<string> {
  await page.waitForFunction(
    () =>
      ['done', 'error'].includes(
        document.querySelector('[data-testid=status]')?.getAttribute('data-state') ?? '',
      ),
    null,
    { timeout: timeoutMs },
  );
  return (await page.getByTestId('status').getAttribute('data-state')) ?? '';
}

/** Opens the app, drops `files` (one table row each), runs `method` and waits until the run is done. */
export async function dropAndRun(page: Page, files: string[], method: string, timeoutMs = 170_000): Promise<void> {
  await page.goto('/');
  await page.getByTestId('file-input').setInputFiles(files);
  await expect(page.getByTestId('file-row')).toHaveCount(files.length);
  await page.getByTestId('method').selectOption(method);
  await page.getByTestId('run').click();
  expect(await waitForRunEnd(page, timeoutMs)).toBe('done');
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Saves a download into `dir` and returns its path. */
export async function saveDownload(download: Download, dir: string): Promise<string> {
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

const gdalEnv = { ...process.env, GDAL_PAM_ENABLED: 'NO' };

/** `gdalinfo -json -stats` of a file (no .aux.xml written); `stats: false` leaves the band statistics out (a 4800 x 4800 file's take seconds). */
export function gdalInfo(path: string, stats = true): {
  size: [number, number];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  bands: { type: string; noDataValue?: number; minimum?: number; maximum?: number; mean?: number }[];
} {
  return JSON.parse(execFileSync('gdalinfo', ['-json', ...(stats ? ['-stats'] : []), path], { env: gdalEnv, encoding: 'utf8' }));
}

/** Band 1 of a raster read by GDAL into float32 (raw ENVI dump), nodata left as stored. */
export function gdalReadFloat32(path: string): { width: number; height: number; data: Float32Array } {
  const out = join(tempDir('srda-gdal-'), 'band.img');
  execFileSync('gdal_translate', ['-q', '-b', '1', '-ot', 'Float32', '-of', 'ENVI', path, out], {
    env: gdalEnv,
  });
  const buf = readFileSync(out);
  const info = gdalInfo(path, false);
  return {
    width: info.size[0],
    height: info.size[1],
    data: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4),
  };
}

/** Largest |a - b| over pixels valid (not nodata/NaN) in both; also counts mismatched validity. */
export function maxAbsDiff(
  a: Float32Array,
  b: Float32Array,
  nodata = -9999,
): { maxAbs: number; n: number; validityMismatch: number } {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let n = 0;
  let validityMismatch = 0;
  for (let i = 0; i < a.length; i++) {
    const va = a[i] !== nodata && !Number.isNaN(a[i]);
    const vb = b[i] !== nodata && !Number.isNaN(b[i]);
    if (va !== vb) validityMismatch++;
    if (!va || !vb) continue;
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    n++;
  }
  return { maxAbs, n, validityMismatch };
}
