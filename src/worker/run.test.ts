import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { readBand } from '../test-support/data.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { loopWindows, sampledLoopScored } from '../pipeline/loop-sample.ts';
import { exportLayerGeoTiff } from './export.ts';
import { ingestFiles } from './inputs.ts';
import { layerId, methodNaming, nominalResolutionM } from './layers.ts';
import { fineTuneOutcome, runJob } from './run.ts';

const demo = resolve(import.meta.dirname, '../../public/demo');
const file = (name: string) => new File([readFileSync(join(demo, name))], name);

describe('worker run job on the demo scene', () => {
  it('without the closed-loop check lets the guides go after the last run, with the same layers', async () => {
    const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
    const run = async (evaluate: boolean) => {
      const { inputs: rows } = await ingestFiles(manifest.files.map(file));
      const params = { inputs: rows.map((r) => ({ id: r.id, role: r.role })), method: 'tsharp' as const, residualCorrection: true, finetuneSteps: 0, backend: 'auto' as const, evaluate, appBaseUrl: 'http://localhost/' };
      return runJob(params, {}, []);
    };
    const checked = await run(true);
    const fast = await run(false);
    // TsHARP (which reads the NDVI) ran first and bicubic last: both as with the guides kept.
    expect(fast.layers.map((l) => l.id)).toEqual(checked.layers.map((l) => l.id));
    expect(fast.layers.map((l) => l.id)).toContain('bicubic-250m');
    fast.layers.forEach((l, i) => expect(l.data.every((v, j) => Object.is(v, checked.layers[i].data[j]))).toBe(true));
    expect(fast.metrics).toEqual([]);
  });


  it('ingests, downscales 1 km -> 500 m -> 250 m, and exports a layer that reads back identically', async () => {
    const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
    const { inputs: rows } = await ingestFiles([...manifest.files.map(file), new File(['not a tiff'], 'notes.txt')]);
    expect(rows.map((r) => r.role)).toEqual(['lst', 'ndvi', 'dem', 'unknown']);
    expect(rows[3].problem?.code).toBe('NOT_GEOTIFF');
    const transfer: Transferable[] = [];
    const progress: Progress[] = [];
    const result = await runJob(
      {
        inputs: rows.filter((r) => !r.problem).map((r) => ({ id: r.id, role: r.role })),
        method: 'tsharp',
        residualCorrection: true,
        finetuneSteps: 0,
        backend: 'auto',
        evaluate: true,
        appBaseUrl: 'http://localhost/',
      },
      { onProgress: (p) => progress.push(p) },
      transfer,
    );
    // Named by method in every run: TsHARP's layers are never `lst-250m` (SRDA-Net's id), whichever method ran first.
    expect(result.layers.map((l) => l.id)).toEqual([
      'lst-1000m',
      'tsharp-500m',
      'tsharp-250m',
      'bicubic-500m',
      'bicubic-250m',
      'diff-tsharp-bicubic-250m',
    ]);
    const fine = result.layers.find((l) => l.id === 'tsharp-250m')!;
    expect([fine.grid.width, fine.grid.height]).toEqual([256, 256]);
    expect(fine.method).toBe('tsharp');
    for (const e of result.energyError) expect(e.maxAbsK).toBeLessThan(0.01);
    expect(result.metrics.map((m) => m.method).sort()).toEqual(['bicubic', 'tsharp']);
    // The scatter holds closed-loop pairs (reference, prediction), not the output against its own input.
    expect(result.scatter.map((d) => d.method).sort()).toEqual(['bicubic', 'tsharp']);
    expect(result.scatter[0].x.length).toBeGreaterThan(3000);
    expect(result.closedLoop!.referencePixelM).toBeCloseTo(result.closedLoop!.coarsePixelM / 2, 6);
    // One plain phrase per report with its step of the run's plan (TsHARP, its bicubic baseline, the check), never nested labels.
    const planned = progress.filter((p) => p.step !== undefined);
    expect(new Set(planned.map((p) => p.steps))).toEqual(new Set([3]));
    expect(planned.find((p) => p.step === 1)!.stage).toBe('TsHARP, stage 1 of 2');
    expect(planned.some((p) => p.step === 2 && p.stage === 'Bicubic, stage 2 of 2')).toBe(true);
    // The check names the methods as the layers do (it said 'tsharp corrected' before).
    expect(planned.some((p) => p.step === 3 && p.stage === 'closed-loop check: TsHARP corrected, stage 1')).toBe(true);
    expect(planned.some((p) => p.step === 3 && p.stage === 'closed-loop check: Bicubic uncorrected, stage 1')).toBe(true);
    expect(planned.filter((p) => p.step === 3).at(-1)).toMatchObject({ stage: 'closed-loop check', detail: 'Bicubic' });
    expect(planned.filter((p) => p.step === 3).some((p) => /\b(tsharp|bicubic)\b/.test(`${p.stage} ${p.detail ?? ''}`))).toBe(false);
    expect(planned.map((p) => p.step)).toEqual([...planned.map((p) => p.step)].sort((a, b) => a! - b!));
    for (const p of progress) expect(p.stage.split(':').length).toBeLessThanOrEqual(2);
    expect(transfer.length).toBeGreaterThan(2 * result.layers.length - 1);

    const exportProgress: Array<{ stage: string; done: number; total: number; detail?: string }> = [];
    const { file: tif, fileName } = await exportLayerGeoTiff('tsharp-250m', { onProgress: (p) => exportProgress.push(p) });
    const bytes = await tif.arrayBuffer();
    expect(tif.type).toBe('image/tiff');
    // 256x256 px: one row of one tile, no overview: 0/1 before it, 1/1 once written.
    expect(exportProgress).toEqual([0, 1].map((done) => ({ stage: 'export', done, total: 1, detail: fileName })));
    // Named after scene, date, method and the real pixel size (231.7 m MODIS sinusoidal), never a fixed name.
    expect(fileName).toBe('MOD11A1_2025-06-21_tsharp_232m.tif');
    // Its short label leads with method and grid as the bicubic baseline's does; what the method is goes under it.
    expect([fine.label, fine.detail, fine.description]).toEqual(['TsHARP 232 m', 'linear NDVI regression', 'TsHARP (linear NDVI regression) 232 m']);
    expect(result.layers.find((l) => l.id === 'bicubic-250m')).toMatchObject({ label: 'Bicubic 232 m', detail: 'bicubic interpolation' });
    expect(result.layers.find((l) => l.id === 'diff-tsharp-bicubic-250m')).toMatchObject({ label: 'TsHARP − Bicubic 232 m', description: 'TsHARP (linear NDVI regression) − bicubic 232 m' });
    expect(result.layers.find((l) => l.id === 'lst-1000m')).toMatchObject({ label: 'Input LST 927 m' });
    // The GeoTIFF's band description keeps the full words, as before the labels were shortened.
    expect(new TextDecoder('latin1').decode(bytes)).toContain('TsHARP (linear NDVI regression) 232 m');
    // 1 km LST on 250 m guides: no reference factor applied, so the result names none (the report then records none).
    expect(result.scene).not.toHaveProperty('referenceFactor');
    expect([fine.stage, fine.isFinal, fine.units]).toEqual([2, true, 'K']);
    expect(result.layers.filter((l) => l.isFinal).map((l) => l.id)).toEqual(['tsharp-250m', 'bicubic-250m', 'diff-tsharp-bicubic-250m']);
    expect(result.scene).toMatchObject({ product: 'MOD11A1', date: '2025-06-21', tag: 'MOD11A1_2025-06-21' });
    // Cloud-optimised like the CLI's outputs (GDAL's structural metadata right after the header).
    expect(new TextDecoder().decode(new Uint8Array(bytes, 8, 30))).toBe('GDAL_STRUCTURAL_METADATA_SIZE=');
    const back = await readGeoTiff(bytes, fileName);
    expect(back.crs.name).toMatch(/Sinusoidal/);
    expect(back.transform).toEqual(fine.grid.transform);
    const data = back.bands[0].raster.data;
    let maxAbs = 0;
    for (let i = 0; i < data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i] - fine.data[i]));
    expect(maxAbs).toBe(0);
  });

  it('gives each method its own layer ids, whichever method a run puts first', () => {
    const ids = ['srda', 'bicubic', 'tsharp', 'dms'].map((m) => layerId('stage', m, 250));
    expect(new Set(ids).size).toBe(ids.length);
    // The ids DESIGN.md's test hooks name stay the input's and SRDA-Net's.
    expect([layerId('stage', 'input', 1000), layerId('stage', 'srda', 500), layerId('stage', 'srda', 250)]).toEqual(['lst-1000m', 'lst-500m', 'lst-250m']);
    expect(['srda', 'tsharp', 'dms'].map((m) => layerId('diff-bicubic', m, 250))).toEqual(['diff-bicubic-250m', 'diff-tsharp-bicubic-250m', 'diff-dms-bicubic-250m']);
    expect(['srda', 'dms'].map((m) => layerId('sigma', m, 250))).toEqual(['sigma-250m', 'dms-sigma-250m']);
  });

  it("names each method short, leading its layers' labels, and keeps the rest of its label for the line under them", () => {
    expect(methodNaming('srda', 'SRDA-Net (tiny), 58 % of its detail (closed-loop weight)')).toEqual({ name: 'SRDA-Net', detail: 'tiny model, 58 % of its detail (closed-loop weight)' });
    expect(methodNaming('srda', 'SRDA-Net (base)')).toEqual({ name: 'SRDA-Net', detail: 'base model' });
    expect(methodNaming('bicubic', 'Bicubic interpolation')).toEqual({ name: 'Bicubic', detail: 'bicubic interpolation' });
    expect(methodNaming('tsharp', 'DisTrad (quadratic NDVI regression)')).toEqual({ name: 'DisTrad', detail: 'quadratic NDVI regression' });
    expect(methodNaming('dms', 'Regression-tree sharpener (DMS-style, bagged trees)')).toEqual({ name: 'DMS', detail: 'regression-tree sharpener (DMS-style, bagged trees)' });
  });

  it('snaps pixel sizes to MODIS nominal resolutions', () => {
    expect(nominalResolutionM(926.6)).toBe(1000);
    expect(nominalResolutionM(849)).toBe(1000);
    expect(nominalResolutionM(231.7)).toBe(250);
    expect(nominalResolutionM(30)).toBe(30);
  });
});

describe('worker run job with the LST alone', () => {
  it('runs bicubic with no guide onto the LST grid refined 4x, and refuses TsHARP with what to do instead', async () => {
    const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
    const [row] = (await ingestFiles([file(manifest.files[0])])).inputs;
    const base = { inputs: [{ id: row.id, role: row.role }], residualCorrection: true, finetuneSteps: 0, backend: 'auto' as const, evaluate: true, appBaseUrl: 'http://localhost/' };
    const result = await runJob({ ...base, method: 'bicubic' }, {}, []);
    const fine = result.layers.find((l) => l.kind === 'output' && l.isFinal)!;
    expect([fine.grid.width, fine.grid.height]).toEqual([4 * row.width!, 4 * row.height!]);
    expect(result.notices.join(' ')).toMatch(/No guide layer/);
    expect(result.metrics.map((m) => m.method)).toEqual(['bicubic']);
    await expect(runJob({ ...base, method: 'tsharp' }, {}, [])).rejects.toMatchObject({ code: 'MISSING_BAND', hint: expect.stringMatching(/Choose Bicubic or SRDA-Net/) });
  });
});

describe('fine-tuning outcome', () => {
  const report = { steps: 200, seconds: 9, lossStart: 1, lossEnd: 0.9, rmseBeforeK: 0.526, rmseAfterK: 0.557, kept: false };
  it('says the tuned weights were rejected and the pretrained ones used when the held-out error rose', () => {
    expect(fineTuneOutcome({ finetune: report }, 200)!.notice).toBe(
      'Fine-tuning SRDA-Net on this scene (200 steps) did not help: held-out closed-loop RMSE 0.526 -> 0.557 K, so the tuned weights were rejected and the pretrained weights were used.',
    );
  });
  it('says the tuned weights were kept, with the held-out gain, when the error fell', () => {
    const kept = { ...report, rmseAfterK: 0.5, kept: true };
    expect(fineTuneOutcome({ finetune: kept }, 200)!.notice).toMatch(/kept: held-out closed-loop RMSE 0.526 -> 0.500 K \(5 % better\)/);
    expect(fineTuneOutcome({}, 200)).toBeUndefined();
  });
});

const H14 = resolve(import.meta.dirname, '../../../shared/data/mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');

describe.skipIf(!existsSync(H14))('worker run job on a full MODIS tile (h14v09, 1200 x 1200 LST)', () => {
  it('runs its closed-loop check on a sample of windows and says how many pixels (the small demo scene: all of it)', async () => {
    const [row] = (await ingestFiles([new File([readFileSync(H14)], 'MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif')])).inputs;
    const params = { inputs: [{ id: row.id, role: row.role }], method: 'bicubic' as const, residualCorrection: true, finetuneSteps: 0, backend: 'auto' as const, evaluate: true, appBaseUrl: 'http://localhost/' };
    const result = await runJob(params, {}, []);
    expect(result.closedLoop!.windows).toBe(9);
    // The pixels scored, counted here from the file: in the scored part of each window, those valid
    // in the reference whose 2x2 block (one pixel of the loop's input) is valid whole. Before, the
    // check said 112,896: every pixel of the windows, ocean (71 % of the tile) included.
    const dn = (await readGeoTiff(new Uint8Array(readFileSync(H14)).buffer, basename(H14))).bands[0].raster.data;
    const isValid = (row: number, col: number) => Number.isFinite(dn[row * 1200 + col]) && dn[row * 1200 + col] !== 0;
    let finite = 0;
    let scorable = 0;
    for (const { score } of loopWindows(1200, 1200)) {
      for (let row = score.row; row < score.row + score.height; row++)
        for (let col = score.col; col < score.col + score.width; col++) {
          if (!isValid(row, col)) continue;
          finite++;
          const [r0, c0] = [row - (row % 2), col - (col % 2)];
          if (isValid(r0, c0) && isValid(r0, c0 + 1) && isValid(r0 + 1, c0) && isValid(r0 + 1, c0 + 1)) scorable++;
        }
    }
    expect([finite, scorable]).toEqual([28_308, 25_552]);
    expect(result.closedLoop!.scoredPixels).toBe(scorable);
    expect(result.metrics[0].pixels).toBe(scorable);

    const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
    const [small] = (await ingestFiles([file(manifest.files[0])])).inputs;
    const whole = await runJob({ ...params, inputs: [{ id: small.id, role: small.role }] }, {}, []);
    expect(whole.closedLoop).toBeDefined();
    expect(whole.closedLoop!.windows).toBeUndefined();
    expect(whole.closedLoop!.scoredPixels).toBe(whole.metrics[0].pixels);
  }, 120_000);

  // Before, `evaluate` scored the whole tile (bicubic 0.6003 K on 308,312 px) while the app showed 0.5554 K on 25,192.
  it("gives the app's closed-loop score from `srda-lst evaluate` too, naming the windows it scored (and the whole scene with --whole-scene)", async () => {
    const [row] = (await ingestFiles([new File([readFileSync(H14)], basename(H14))])).inputs;
    const app = await runJob({ inputs: [{ id: row.id, role: row.role }], method: 'bicubic', residualCorrection: true, finetuneSteps: 0, backend: 'auto', evaluate: true, appBaseUrl: 'http://localhost/' }, {}, []);
    const evaluate = (...extra: string[]): string =>
      execFileSync(process.execPath, [resolve(import.meta.dirname, '../../bin/srda-lst.js'), 'evaluate', '--lst', H14, '--methods', 'bicubic', '-q', ...extra], { encoding: 'utf8' });
    const doc = JSON.parse(evaluate('--json')).closedLoop;
    expect(doc.methods[0].corrected.rmseK).toBeCloseTo(app.metrics[0].rmse, 4);
    expect(doc.methods[0].corrected.n).toBe(app.metrics[0].pixels);
    expect(doc.scored).toMatchObject({ scope: 'windows', windows: 9, pixels: app.closedLoop!.scoredPixels, coveredPixels: 9 * 112 * 112 });
    expect(sampledLoopScored(1200, 1200, doc.scored.pixels)).toEqual(doc.scored);
    // The number read first is the one scored, as in the app's trust panel.
    expect(doc.scored.text).toBe(`9 windows spread over the 1200x1200 px scene: ${app.closedLoop!.scoredPixels!.toLocaleString('en-US')} valid px scored of the 112,896 they cover`);

    const table = evaluate('--whole-scene');
    expect(table).toMatch(/^closed loop 1853 m -> 927 m \(1 stage\(s\)\) scored on the whole scene: 1200x1200 px, [\d,]+ valid px scored,/);
    expect(table).toMatch(/notice: Scored on the whole scene: .* the app, downscale and batch score this scene's one-stage loop on 9 windows of it/);
    const wholeRmse = Number(/bicubic +corrected: ([\d.]+)/.exec(table)![1]);
    expect(Math.abs(wholeRmse - app.metrics[0].rmse)).toBeGreaterThan(0.01);
  }, 180_000);

  // A MODIS-ASTER pair as a user drops it: 1 km MOD21 LST, 250 m MOD09GQ NDVI and the concurrent ASTER LST.
  const PAIR = resolve(import.meta.dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr/7');
  it.skipIf(!existsSync(PAIR))('scores every output against an LST of the same date with finer pixels (ASTER beside MODIS), as GDAL warps it', async () => {
    const names = ['MOD21A1D_LST_1km.tif', 'MOD09GQ_NDVI_250m.tif', 'ASTER_LST_250m.tif'];
    const { inputs: rows } = await ingestFiles(names.map((n) => new File([readFileSync(join(PAIR, n))], n)));
    expect(rows.map((r) => r.role)).toEqual(['lst', 'ndvi', 'lst']);
    const params = { inputs: rows.map((r) => ({ id: r.id, role: r.role })), method: 'tsharp' as const, residualCorrection: true, finetuneSteps: 0, backend: 'auto' as const, evaluate: false, appBaseUrl: 'http://localhost/' };
    const result = await runJob(params, {}, []);
    const truth = result.truth!;
    expect(truth.name).toBe('ASTER_LST_250m.tif');
    expect(truth.finerStages).toEqual([]);
    expect(truth.rows.map((r) => `${r.method} ${r.stage} ${r.how}`)).toEqual(['tsharp 1 block-averaged', 'bicubic 1 block-averaged', 'tsharp 2 resampled', 'bicubic 2 resampled']);
    for (const r of truth.rows) {
      expect(r.n).toBeGreaterThan(1000);
      expect(r.offsetFreeRmseK).toBeLessThanOrEqual(r.rmseK + 1e-9);
      expect(r.detailPixels).toBeGreaterThan(0);
    }
    // The map has the independent LST on the output grid and the output minus it; a notice names the file.
    const ids = result.layers.map((l) => l.id);
    expect(ids).toContain('truth-250m');
    expect(ids).toContain('diff-truth-250m');
    expect(result.notices.some((n) => n.includes('ASTER_LST_250m.tif is not downscaled: it is the independent truth each output is scored against.'))).toBe(true);
    // ASTER is in UTM, the outputs on the MODIS sinusoidal grid: resampled onto the 250 m grid, and onto the
    // 500 m grid refined to 250 m, then block-averaged (the mean over each 500 m pixel, not a sample at its centre).
    // Independent check: GDAL warps ASTER onto the 250 m output grid (bilinear); the RMSE of TsHARP against it agrees.
    const out = result.layers.find((l) => l.id === 'tsharp-250m')!;
    const dir = mkdtempSync(join(tmpdir(), 'truth-'));
    const outTif = join(dir, 'out.tif');
    writeFileSync(outTif, Buffer.from(await (await exportLayerGeoTiff(out.id)).file.arrayBuffer()));
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', outTif], { encoding: 'utf8' })) as { size: [number, number]; cornerCoordinates: { upperLeft: [number, number]; lowerRight: [number, number] }; coordinateSystem: { wkt: string } };
    const warped = join(dir, 'aster.tif');
    const [x0, y1] = info.cornerCoordinates.upperLeft;
    const [x1, y0] = info.cornerCoordinates.lowerRight;
    execFileSync('gdalwarp', ['-q', '-r', 'bilinear', '-t_srs', info.coordinateSystem.wkt, '-te', String(x0), String(y0), String(x1), String(y1), '-ts', String(info.size[0]), String(info.size[1]), '-dstnodata', 'nan', '-ot', 'Float32', join(PAIR, 'ASTER_LST_250m.tif'), warped]);
    const py = `import numpy as np\nfrom osgeo import gdal\na=gdal.Open('${outTif}').ReadAsArray().astype('f8');a[a==-9999]=np.nan\nb=gdal.Open('${warped}').ReadAsArray().astype('f8')\nok=np.isfinite(a)&np.isfinite(b)&(b>0)\nprint(np.sqrt(np.mean((a[ok]-b[ok])**2)), ok.sum())`;
    const [rmse, n] = execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim().split(' ').map(Number);
    const ours = truth.rows.find((r) => r.method === 'tsharp' && r.stage === 2)!;
    expect(Math.abs(n - ours.n) / ours.n).toBeLessThan(0.05);
    expect(Math.abs(rmse - ours.rmseK) / ours.rmseK).toBeLessThan(0.03);
  }, 120_000);
});

// Landsat 5 Para as a user would drop it: the thermal band at 240 m, red and NIR at 60 m (two stages:
// 120 m, 60 m), and the thermal band at 120 m as the independent LST; all made from the scene's files.
const PARA = resolve(import.meta.dirname, '../../../shared/data/landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');
describe.skipIf(!existsSync(`${PARA}_B6.TIF`))('worker run job against an independent LST coarser than the finest output (Para 240 m -> 60 m, truth at 120 m)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truth-coarse-'));
  const tif = async (name: string, path: string, f: number, shiftCols = 0): Promise<File> => {
    const r = await readBand(path);
    const shifted = cropRaster(r, { col: shiftCols, row: 0, width: r.width - shiftCols, height: r.height });
    writeFileSync(join(dir, name), writeGeoTiff([{ raster: aggregateMean(shifted, f, { maxInvalidFraction: 0 }), units: 'K' }]));
    return new File([readFileSync(join(dir, name))], name);
  };
  const run = async (truth: File, residualCorrection = true) => {
    const files = [await tif('para_bt_240m.tif', `${PARA}_B6.TIF`, 8), await tif('para_red_60m.tif', `${PARA}_B3.TIF`, 2), await tif('para_nir_60m.tif', `${PARA}_B4.TIF`, 2), truth];
    const { inputs: rows } = await ingestFiles(files);
    const roles = ['lst', 'red', 'nir', 'lst'] as const;
    const params = { inputs: rows.map((r, i) => ({ id: r.id, role: roles[i] })), method: 'tsharp' as const, residualCorrection, finetuneSteps: 0, backend: 'auto' as const, evaluate: false, appBaseUrl: 'http://localhost/' };
    return runJob(params, {}, []);
  };

  it("marks the 60 m outputs, which average back to the 120 m ones with residual correction, as repeating the 120 m rows at the truth's resolution, and the notice says why", async () => {
    const result = await run(await tif('para_bt_120m.tif', `${PARA}_B6.TIF`, 4));
    const truth = result.truth!;
    expect(truth.name).toBe('para_bt_120m.tif');
    expect(truth.finerStages).toEqual([]);
    expect(truth.rows.map((r) => `${r.method} ${r.stage} ${r.how} ${r.scoredPixelSizeM ?? '-'} ${r.repeatsStage ?? '-'}`)).toEqual(['tsharp 1 resampled - -', 'bicubic 1 resampled - -', 'tsharp 2 output-block-averaged 120 1', 'bicubic 2 output-block-averaged 120 1']);
    for (const r of truth.rows) expect(r.detailPixels).toBeGreaterThan(1000);
    for (const m of ['tsharp', 'bicubic']) {
      const [at120, at60] = [1, 2].map((k) => truth.rows.find((r) => r.method === m && r.stage === k)!);
      console.log(`${m} 120 m vs 60 m at 120 m: RMSE ${at120.rmseK} / ${at60.rmseK}, detail ${at120.detailRmseK} / ${at60.detailRmseK}, corr ${at120.detailCorr} / ${at60.detailCorr}, n ${at120.n} / ${at60.n}`);
    }
    expect(result.notices).toContain(
      'The 60 m outputs average back exactly to the 120 m outputs (residual correction keeps each block\'s mean), so against para_bt_120m.tif they score as the 120 m rows; para_bt_120m.tif cannot score detail finer than 120 m.',
    );
    expect(result.notices.join('\n')).not.toMatch(/not scored|so it is scored at its/);
  }, 120_000);

  it("scores the 60 m outputs at the truth's 120 m resolution as rows of their own without residual correction (they differ from the 120 m rows)", async () => {
    const result = await run(await tif('para_bt_120m.tif', `${PARA}_B6.TIF`, 4), false);
    const truth = result.truth!;
    expect(truth.rows.map((r) => `${r.method} ${r.stage} ${r.how} ${r.scoredPixelSizeM ?? '-'} ${r.repeatsStage ?? '-'}`)).toEqual(['tsharp 1 resampled - -', 'bicubic 1 resampled - -', 'tsharp 2 output-block-averaged 120 -', 'bicubic 2 output-block-averaged 120 -']);
    for (const m of ['tsharp', 'bicubic']) {
      const [at120, at60] = [1, 2].map((k) => truth.rows.find((r) => r.method === m && r.stage === k)!);
      console.log(`uncorrected ${m} 120 m vs 60 m at 120 m: RMSE ${at120.rmseK} / ${at60.rmseK}, detail ${at120.detailRmseK} / ${at60.detailRmseK}`);
      expect(Math.abs(at120.rmseK - at60.rmseK)).toBeGreaterThan(1e-3);
    }
    expect(result.notices).toContain("The 60 m output is finer than para_bt_120m.tif, so it is scored at its 120 m resolution: block-averaged 2 x 2 onto its grid.");
    expect(result.notices.join('\n')).not.toMatch(/average back exactly/);
  }, 120_000);

  it('leaves the 60 m outputs unscored against a truth shifted 30 m off their 2 x 2 blocks, and the notice says why and what to drop instead', async () => {
    const result = await run(await tif('para_bt_120m_shifted.tif', `${PARA}_B6.TIF`, 4, 1));
    const truth = result.truth!;
    expect(truth.finerStages).toEqual([2]);
    expect(truth.rows.map((r) => r.stage)).toEqual([1, 1]);
    expect(result.notices).toContain(
      "The 60 m output is finer than para_bt_120m_shifted.tif and was not scored against it: its pixel corners are not on those of the output's 2 x 2 blocks (30 m across, 0 m down from them). To score it, drop instead an LST of the same date as fine as the 60 m output, or one whose pixels are whole blocks of the output's on its grid.",
    );
  }, 120_000);
});
