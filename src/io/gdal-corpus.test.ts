import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset as loadDataset } from '../test-support/data.ts';
import { isAppError } from '../core/errors.ts';
import { transformPoint, WGS84 } from '../core/geo/crs.ts';
import type { Dataset } from './dataset.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const python = '/usr/bin/python3';
const canBuild =
  existsSync(path.join(dataDir, 'dhaka-mod11a2-mod13q1-2024-citypath')) &&
  spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

interface GdalBand {
  count: number;
  min: number;
  max: number;
  mean: number;
}
interface CorpusCase {
  name: string;
  file: string;
  valid: boolean;
  note: string;
  gdal?: { width: number; height: number; transform: number[]; center: [number, number]; bands: GdalBand[] };
  code?: string | null;
  contains?: string | null;
}

function stats(data: Float32Array): GdalBand {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of data) {
    if (Number.isNaN(v)) continue;
    count++;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { count, min, max, mean: sum / count };
}

const close = (a: number, b: number, rel = 2e-6) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe.skipIf(!canBuild)('reader corpus built with GDAL from the Dhaka rasters', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'srda-gdal-corpus-'));
  let cases: CorpusCase[] = [];
  beforeAll(() => {
    const r = spawnSync(python, [path.join(repoRoot, 'e2e/fixtures/gdal-corpus.py'), dataDir, dir], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`corpus build failed: ${r.stderr}`);
    cases = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as CorpusCase[];
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function read(c: CorpusCase): Promise<{ ds?: Dataset; error?: unknown; ms: number }> {
    const t0 = performance.now();
    try {
      const ds = await loadDataset(path.join(dir, c.file));
      return { ds, ms: performance.now() - t0 };
    } catch (error) {
      return { error, ms: performance.now() - t0 };
    }
  }

  it('reads every valid layout with the values, grid and place GDAL reads', async () => {
    const valid = cases.filter((c) => c.valid);
    expect(valid.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const c of valid) {
      const { ds, error } = await read(c);
      if (!ds) {
        wrong.push(`${c.name} (${c.note}): ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const g = c.gdal!;
      if (ds.width !== g.width || ds.height !== g.height || ds.bands.length !== g.bands.length) {
        wrong.push(
          `${c.name}: ${ds.width}x${ds.height}x${ds.bands.length}, GDAL ${g.width}x${g.height}x${g.bands.length}`,
        );
        continue;
      }
      if (!ds.transform.every((v, i) => close(v, g.transform[i], 1e-9)))
        wrong.push(`${c.name}: transform ${ds.transform.join(',')} vs GDAL ${g.transform.join(',')}`);
      const [cx, cy] = [
        ds.transform[0] + (ds.transform[1] * ds.width) / 2,
        ds.transform[3] + (ds.transform[5] * ds.height) / 2,
      ];
      const [lon, lat] = transformPoint(ds.crs, WGS84, cx, cy);
      if (Math.abs(lon - g.center[0]) > 1e-5 || Math.abs(lat - g.center[1]) > 1e-5)
        wrong.push(`${c.name}: centre ${lon},${lat} vs GDAL ${g.center.join(',')} (${ds.crs.proj4})`);
      ds.bands.forEach((b, i) => {
        const s = stats(b.raster.data);
        const e = g.bands[i];
        // float32 output: values agree to float32 precision.
        if (
          s.count !== e.count ||
          !close(s.min, e.min) ||
          !close(s.max, e.max) ||
          !close(s.mean, e.mean, 1e-5)
        )
          wrong.push(
            `${c.name} band ${i + 1} (${c.note}): ${JSON.stringify(s)} vs GDAL ${JSON.stringify(e)}`,
          );
      });
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('refuses broken and hostile files with an AppError naming the file, or reads them bounded, each within 5 s', async () => {
    const bad = cases.filter((c) => !c.valid);
    expect(bad.length).toBeGreaterThan(12);
    const wrong: string[] = [];
    for (const c of bad) {
      const { ds, error, ms } = await read(c);
      if (ms > 5000) wrong.push(`${c.name}: ${Math.round(ms)} ms`);
      if (c.code === null) {
        if (error && !isAppError(error)) wrong.push(`${c.name}: ${String(error)}`);
        if (ds) expect(ds.bands[0].raster.data.length).toBe(ds.width * ds.height);
        continue;
      }
      if (ds) {
        wrong.push(`${c.name} (${c.note}): read without error`);
        continue;
      }
      if (!isAppError(error)) {
        wrong.push(`${c.name}: not an AppError: ${String(error)}`);
        continue;
      }
      if (error.code !== c.code) wrong.push(`${c.name}: ${error.code}, expected ${c.code}: ${error.message}`);
      if (!error.message.includes(c.file))
        wrong.push(`${c.name}: message does not name the file: ${error.message}`);
      if (c.contains && !error.message.includes(c.contains))
        wrong.push(`${c.name}: message lacks '${c.contains}': ${error.message}`);
      if (error.message.includes('\n')) wrong.push(`${c.name}: message is not one line`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
