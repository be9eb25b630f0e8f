import { describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { gridBoundsIn } from '../core/geo/grid.ts';
import type { Raster } from '../core/raster/raster.ts';
import { dataPath, hasData, readBand, readShippedWeights } from '../test-support/data.ts';
import { runDownscale } from './downscale.ts';
import { evaluateClosedLoop } from './evaluate.ts';
import type { MethodId } from './method.ts';
import { createSrdaMethod } from './methods/srda.ts';
import { prepareScene } from './prepare.ts';

// Pins what the pipeline produces on real scenes (summaries to 1e-4 K, recorded in the snapshot
// file beside this test), so a change in a raster primitive shows up here as a named difference.

const DHAKA = 'dhaka-mod11a2-mod13q1-2024-citypath';
const dhakaLst = dataPath(DHAKA, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
const dhakaNdvi = dataPath(DHAKA, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
// DOY 153: 1102 of 2401 LST pixels missing (cloud), so the NaN rules of every step are exercised.
const gappyLst = dataPath(DHAKA, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024153000000_aid0001.tif');
const gappyNdvi = dataPath(DHAKA, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024145000000_aid0001.tif');
const SCENES = [
  { name: 'DOY 097', lst: dhakaLst, ndvi: dhakaNdvi },
  { name: 'DOY 153 (gappy)', lst: gappyLst, ndvi: gappyNdvi },
];
const FAYOUM = 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor';
const METHODS: MethodId[] = ['bicubic', 'tsharp', 'dms'];

/** Count, NaN count, mean, spread and 12 evenly spaced pixels, rounded to 1e-4. */
function fingerprint(data: Float32Array): Record<string, unknown> {
  let n = 0;
  let s = 0;
  let ss = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v !== v) continue;
    n++;
    s += v;
    ss += v * v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const mean = s / n;
  const r4 = (v: number): string => (Number.isNaN(v) ? 'NaN' : v.toFixed(4));
  const step = Math.floor(data.length / 12);
  return {
    length: data.length,
    nan: data.length - n,
    mean: r4(mean),
    std: r4(Math.sqrt(Math.max(0, ss / n - mean * mean))),
    min: r4(lo),
    max: r4(hi),
    samples: Array.from({ length: 12 }, (_, k) => r4(data[k * step + (k % 5)])),
  };
}

const round = (o: Record<string, number>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number.isNaN(v) ? 'NaN' : v.toFixed(4)]));

describe.skipIf(!hasData(DHAKA))('golden outputs on Dhaka MOD11A2 + MOD13Q1 NDVI', () => {
  it.each(SCENES)('keeps every baseline output of both stages, $name', async ({ lst, ndvi }) => {
    const scene = prepareScene({ lst: await readBand(lst), aux: { ndvi: await readBand(ndvi) } });
    for (const method of METHODS) {
      const res = await runDownscale(scene, { method });
      expect.soft(res.stages.map((s) => fingerprint(s.lst.data))).toMatchSnapshot(method);
      const raw = await runDownscale(scene, { method, residualCorrection: false });
      expect.soft(fingerprint(raw.stages[1].lst.data)).toMatchSnapshot(`${method} uncorrected`);
    }
  });

  it.each(SCENES)('keeps the SRDA-Net output of both stages (shipped weights, wasm), $name', async ({ lst, ndvi }) => {
    const scene = prepareScene({ lst: await readBand(lst), aux: { ndvi: await readBand(ndvi) } });
    const method = await createSrdaMethod(await readShippedWeights(), { backend: 'wasm' });
    try {
      const res = await runDownscale(scene, { method, tileCoarsePx: 32 });
      expect(res.stages.map((s) => fingerprint(s.lst.data))).toMatchSnapshot();
    } finally {
      method.dispose();
    }
  });

  it.each(SCENES)('keeps the closed-loop scores, $name', async ({ lst, ndvi }) => {
    const scene = prepareScene({ lst: await readBand(lst), aux: { ndvi: await readBand(ndvi) } }, { allowZeroStages: true });
    const res = await evaluateClosedLoop(scene, METHODS, { stages: 1 });
    for (const m of res.methods) {
      expect.soft({ corrected: round({ ...m.corrected }), uncorrected: round({ ...m.uncorrected }) }).toMatchSnapshot(m.method);
    }
  });

  it('keeps the LST resampled onto an NDVI lattice shifted by a third of a pixel (same CRS)', async () => {
    const ndvi = await readBand(dhakaNdvi);
    const t = ndvi.transform;
    const shifted: Raster = { ...ndvi, transform: [t[0] + t[1] / 3, t[1], t[2], t[3] + t[5] / 3, t[4], t[5]] };
    const scene = prepareScene({ lst: await readBand(dhakaLst), aux: { ndvi: shifted } });
    expect(scene.alignment.lst).toBe('reprojected');
    expect(fingerprint(scene.lst.data)).toMatchSnapshot();
  });
});

describe.skipIf(!hasData(FAYOUM))('golden outputs on the Fayoum LST (EPSG:4326)', () => {
  it('keeps the LST reprojected onto a 100 m UTM 36N grid', async () => {
    const lst = await readBand(dataPath(FAYOUM, 'LST_20190704.tif'));
    const utm = crsFromEpsg(32636);
    const b = gridBoundsIn(lst, utm)!;
    const pad = 0.08 * (b.maxX - b.minX);
    const x0 = Math.round(b.minX + pad);
    const y0 = Math.round(b.maxY - pad);
    const width = Math.floor((b.maxX - b.minX - 2 * pad) / 100);
    const height = Math.floor((b.maxY - b.minY - 2 * pad) / 100);
    const data = new Float32Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) data[r * width + c] = 0.4 + 0.3 * Math.sin(c / 7) * Math.cos(r / 9);
    const ndvi: Raster = { width, height, transform: [x0, 100, 0, y0, 0, -100], crs: utm, data };
    const scene = prepareScene({ lst, aux: { ndvi } });
    expect(scene.alignment.lst).toBe('reprojected');
    expect([scene.stages, scene.lst.width, scene.lst.height]).toMatchSnapshot('grid');
    expect(fingerprint(scene.lst.data)).toMatchSnapshot();
  });
});
