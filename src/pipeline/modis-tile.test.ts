import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBand } from '../test-support/data.ts';
import { refineGrid } from '../core/geo/grid.ts';
import type { Raster } from '../core/raster/raster.ts';
import { decodeMod11Qc } from '../io/modis-qc.ts';
import { runDownscale } from './downscale.ts';
import { prepareScene } from './prepare.ts';

const DIR = path.resolve(__dirname, '../../../shared/data/mod11a1-h14v09-2019305-lsttools');
const STEM = path.join(DIR, 'MOD11A1.A2019305.h14v09.006.2019306084028');

/**
 * A 250 m NDVI-like layer on the tile's refined sinusoidal grid: hotter 1 km cells get lower NDVI,
 * plus sub-kilometre texture, so TsHARP has a relation to fit and texture to add. Valid over the
 * ocean too (as a real NDVI would be), so the LST decides which tiles have work.
 */
function syntheticNdvi(lst: Raster): Raster {
  const g = refineGrid(lst, 4);
  const data = new Float32Array(g.width * g.height);
  for (let r = 0; r < g.height; r++) {
    const lr = r >> 2;
    for (let c = 0; c < g.width; c++) {
      const t = lst.data[lr * lst.width + (c >> 2)];
      const base = Number.isNaN(t) ? 0.3 : 0.9 - (t - 295) / 35;
      data[r * g.width + c] = Math.min(0.95, Math.max(-0.2, base + 0.08 * Math.sin(c / 3.7) * Math.cos(r / 5.3)));
    }
  }
  return { ...g, data };
}

describe.skipIf(!existsSync(`${STEM}.LST_Day_1km.tif`))('full MODIS tile h14v09 (1200x1200 LST, sinusoidal)', () => {
  it('prepares and downscales the whole tile to 250 m (4800x4800) by tiles without running out of memory', async () => {
    const t0 = performance.now();
    const lst = await readBand(`${STEM}.LST_Day_1km.tif`);
    const qc = await readBand(`${STEM}.QC_Day.tif`);
    const ndvi = syntheticNdvi(lst);
    const scene = prepareScene({ lst, lstKeep: decodeMod11Qc(qc.data), aux: { ndvi } });
    const tPrep = performance.now();
    expect(scene.stages).toBe(2);
    expect(scene.alignment.lst).toBe('exact');
    expect(scene.lst.width).toBe(1200);
    const progress: string[] = [];
    const res = await runDownscale(scene, { method: 'tsharp', tileCoarsePx: 256 }, { onProgress: (p) => progress.push(`${p.stage} ${p.done}/${p.total}`) });
    const tRun = performance.now();
    const [s1, s2] = res.stages;
    expect([s2.lst.width, s2.lst.height]).toEqual([4800, 4800]);
    expect(s2.lst.crs.proj4).toMatch(/\+proj=sinu/);
    expect(s1.tiles).toBe(25);
    expect(s2.tiles).toBe(100);
    expect(s2.skippedTiles).toBeGreaterThan(10);
    for (const s of res.stages) expect(s.energy.maxAbsK).toBeLessThan(0.01);
    let inValid = 0;
    for (const v of scene.lst.data) if (!Number.isNaN(v)) inValid++;
    let outValid = 0;
    for (const v of s2.lst.data) if (!Number.isNaN(v)) outValid++;
    expect(outValid).toBe(16 * inValid);
    expect(progress).toContain('stage 2 100/100');
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(
      `h14v09: ${inValid} valid 1 km pixels after QC; read+prepare ${((tPrep - t0) / 1000).toFixed(1)} s, ` +
        `tsharp 2 stages ${((tRun - tPrep) / 1000).toFixed(1)} s (stage 1 ${s1.seconds.toFixed(1)} s, stage 2 ${s2.seconds.toFixed(1)} s, ` +
        `${s2.skippedTiles}/${s2.tiles} stage-2 tiles skipped), peak RSS ${rssMb.toFixed(0)} MB`,
    );
    expect(rssMb).toBeLessThan(3000);
  }, 300_000);
});
