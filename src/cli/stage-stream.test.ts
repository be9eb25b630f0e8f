import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { runDownscale, type DownscaleOptions } from '../pipeline/downscale.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { createSrdaMethod } from '../pipeline/methods/srda.ts';
import { loadMethod } from '../pipeline/methods.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';
import { synthScene } from '../pipeline/test-scenes.ts';
import { dhakaScene, hasData, readShippedWeights } from '../test-support/data.ts';
import { hasGdal } from '../test-support/gdal.ts';
import { openOutDir } from './out-dir.ts';
import { stageWriter } from './stage-files.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'srda-stage-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a run's stages into `dir`: whole (`onStageDone` only) or the last stage streamed. */
async function writeRun(dir: string, scene: Scene, method: StageMethod, streamed: boolean, cog: boolean, more: Partial<DownscaleOptions> = {}) {
  const out = await openOutDir(dir);
  try {
    const writer = stageWriter(out, method.id, { cog });
    const opts = { method, tileCoarsePx: 40, onStageDone: writer.onStageDone, ...more };
    const result = await (streamed ? runDownscale(scene, { ...opts, lastStageSink: writer.lastStageSink }) : runDownscale(scene, opts)).catch(async (e: unknown) => {
      await writer.settle();
      throw e;
    });
    return { result, files: await writer.done() };
  } finally {
    await out.release();
  }
}

/** A synthetic scene whose last stage is 1200x1096 (five bands, three overviews), with a cloud. */
function bigScene(): Scene {
  const { ndvi, lst } = synthScene(1200, 1096, 250);
  const coarse = aggregateMean(lst, 4);
  for (let r = 40; r < 61; r++) for (let c = 30; c < 77; c++) coarse.data[r * coarse.width + c] = Number.NaN;
  return prepareScene({ lst: coarse, aux: { ndvi } });
}

const sameFiles = (a: string, b: string) => expect(readFileSync(b).equals(readFileSync(a)), `${path.basename(a)} differs`).toBe(true);

describe('the last stage streamed to its GeoTIFFs', () => {
  it.skipIf(!hasData('dhaka-mod11a2-mod13q1-2024-citypath'))('writes the files the whole-raster writer writes, byte for byte, on Dhaka with SRDA-Net (LST and sigma, COG and plain)', async () => {
    const method = await createSrdaMethod(await readShippedWeights(), { backend: 'wasm' });
    for (const cog of [true, false]) {
      const a = await writeRun(path.join(tmp, `dhaka-whole-${cog}`), await dhakaScene(), method, false, cog);
      const b = await writeRun(path.join(tmp, `dhaka-stream-${cog}`), await dhakaScene(), method, true, cog);
      expect(b.result.stages[1].streamed).toBe(true);
      expect(b.files.lst.map((f) => path.basename(f))).toEqual(['lst_stage1.tif', 'lst_stage2.tif']);
      expect(b.files.sigma.map((f) => path.basename(f))).toEqual(['lst_stage1_sigma.tif', 'lst_stage2_sigma.tif']);
      for (const [x, y] of [...a.files.lst, ...a.files.sigma].map((f, i) => [f, [...b.files.lst, ...b.files.sigma][i]])) sameFiles(x, y);
      expect(b.result.stages[1].energy).toEqual(a.result.stages[1].energy);
      expect(readdirSync(path.dirname(b.files.lst[0])).sort()).toEqual(['lst_stage1.tif', 'lst_stage1_sigma.tif', 'lst_stage2.tif', 'lst_stage2_sigma.tif']);
    }
  });

  it('writes a several-band-high stage with overviews byte for byte as the whole writer, and GDAL validates it', async () => {
    const method = await loadMethod('bicubic');
    const a = await writeRun(path.join(tmp, 'big-whole'), bigScene(), method, false, true);
    const b = await writeRun(path.join(tmp, 'big-stream'), bigScene(), method, true, true);
    expect(b.result.stages[1].streamed).toBe(true);
    sameFiles(a.files.lst[1], b.files.lst[1]);
    sameFiles(a.files.lst[0], b.files.lst[0]);
    if (hasGdal()) {
      const out = execFileSync('/usr/bin/python3', ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', b.files.lst[1]], { encoding: 'utf8' });
      expect(out).toContain('is a valid cloud optimized GeoTIFF');
      expect(execFileSync('gdalinfo', [b.files.lst[1]], { encoding: 'utf8' })).toContain('Overviews: 600x548, 300x274, 150x137');
    }
  });

  it('leaves no file of the streamed stage, temporary or spilled, when the run is cancelled in it', async () => {
    const dir = path.join(tmp, 'cancelled');
    const ac = new AbortController();
    const o = await openOutDir(dir);
    const writer = stageWriter(o, 'bicubic', { cog: true });
    const seen: number[] = [];
    const run = runDownscale(
      bigScene(),
      { method: await loadMethod('bicubic'), tileCoarsePx: 40, onStageDone: writer.onStageDone, lastStageSink: writer.lastStageSink },
      {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage !== 'stage 2') return;
          // Cancelled once the streamed stage's temp files hold some of its bands.
          if (p.done === Math.floor(0.7 * p.total)) {
            seen.push(readdirSync(dir).filter((f) => f.includes('lst_stage2')).length);
            ac.abort();
          }
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await writer.settle();
    await o.release();
    // The LST's temp file and its spill were there.
    expect(seen).toEqual([2]);
    expect(readdirSync(dir)).toEqual(['lst_stage1.tif']);
  });

  it('fails the run, leaving no file, when the spill cannot be created', async () => {
    const dir = path.join(tmp, 'no-spill');
    const o = await openOutDir(dir);
    const writer = stageWriter({ dir: path.join(dir, 'missing'), write: o.write }, 'bicubic', { cog: true });
    const method = await loadMethod('bicubic');
    await expect(runDownscale(bigScene(), { method, tileCoarsePx: 80, lastStageSink: writer.lastStageSink })).rejects.toThrow(/missing/);
    await o.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
