import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { pointScores } from '../core/raster/metrics.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { loadDataset } from './load.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';
import { dataPath, DHAKA_097, PARA_DIR } from '../test-support/data.ts';

const PARA = PARA_DIR;
const PAIR = dataPath('modis-aster-h18v04-sifcnnsr/0');
const DHAKA_LST = DHAKA_097.lst;
const DHAKA_NDVI = DHAKA_097.ndvi;
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-eval-truth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const printed = capturePrinted();

/** The Para thermal band block-averaged by `f` (30 m -> 30f m), written once; its path. */
async function paraBt(f: number): Promise<string> {
  const file = path.join(tmp, `para_bt_${30 * f}m.tif`);
  if (!existsSync(file)) {
    const bt = (await loadDataset(`${PARA}_B6.TIF`)).bands[0].raster;
    writeFileSync(file, writeGeoTiff([{ raster: aggregateMean(bt, f, { maxInvalidFraction: 0 }), units: 'K' }]));
  }
  return file;
}

/** evaluate's truth section (JSON, the file left out) and the table's lines under 'against'. */
async function evaluateTruth(argv: string[]): Promise<{ truth: Record<string, unknown>; lines: string[] }> {
  expect(await main(['evaluate', ...argv, '--json', '-q']), printed.err).toBe(0);
  const { file: _file, ...truth } = JSON.parse(printed.out).truth as Record<string, unknown>;
  printed.out = '';
  expect(await main(['evaluate', ...argv, '-q']), printed.err).toBe(0);
  const table = printed.out.split('\n');
  const at = table.findIndex((l) => l.startsWith('against '));
  printed.out = '';
  return { truth, lines: table.slice(at, table.length - 1) };
}

/** The table's lines of the output `output` ('30 m', '30 m at 60 m') as evaluate printed them before it scored every stage: without that column. */
function printedBefore(lines: string[], output: string): string[] {
  return lines.filter((l) => l.slice(9).startsWith(`${output} `)).map((l) => `${l.slice(0, 9)}${l.slice(9 + output.length).trimStart()}`);
}

/** JSON truth.rows of `stage` without `stage` and `repeatsStage`: truth.methods' rows as evaluate gave them before it scored every stage. */
function rowsAsBefore(truth: Record<string, unknown>, stage: number): unknown[] {
  return (truth.rows as { stage: number; repeatsStage?: number }[]).filter((r) => r.stage === stage).map(({ stage: _s, repeatsStage: _r, ...m }) => m);
}

/** JSON truth.rows as 'method stage how repeatsStage'. */
const rowsOf = (truth: Record<string, unknown>) => (truth.rows as TruthRow[]).map((r) => `${r.method} ${r.stage} ${r.truthOnOutput} ${r.repeatsStage ?? '-'}`);

// The numbers evaluate --truth printed before its scores were folded into one pass (commit 4e278c5).
describe('evaluate --truth prints the same scores from one pass over each output', () => {
  it.skipIf(!existsSync(`${PARA}_B6.TIF`))('Landsat 5 Para: the thermal band at 120 m downscaled to 30 m, against the band at 30 m', async () => {
    const { truth, lines } = await evaluateTruth(['--lst', await paraBt(4), '--red', `${PARA}_B3.TIF`, '--nir', `${PARA}_B4.TIF`, '--truth', `${PARA}_B6.TIF`, '--methods', 'bicubic,tsharp']);
    const { rows: _rows, ...last } = truth;
    expect(last).toEqual(PARA_TRUTH);
    expect(rowsAsBefore(truth, 2)).toEqual(PARA_TRUTH.methods);
    expect(lines[0]).toBe(`against ${PARA}_B6.TIF (detail: each pixel minus its input pixel's mean, against the truth's):`);
    expect(printedBefore(lines, '30 m')).toEqual(PARA_LINES);
  }, 60_000);

  it.skipIf(!existsSync(PAIR))('MODIS MOD21A1D at 1 km downscaled to 232 m against ASTER at 250 m (two sensors: a mean difference)', async () => {
    const { truth, lines } = await evaluateTruth(['--lst', path.join(PAIR, 'MOD21A1D_LST_1km.tif'), '--ndvi', path.join(PAIR, 'MOD09GQ_NDVI_250m.tif'), '--truth', path.join(PAIR, 'ASTER_LST_250m.tif'), '--methods', 'tsharp,bicubic']);
    const { rows: _rows, ...last } = truth;
    expect(last).toEqual(ASTER_TRUTH);
    expect(rowsAsBefore(truth, 2)).toEqual(ASTER_TRUTH.methods);
    expect(lines[0]).toBe(`against ${path.join(PAIR, 'ASTER_LST_250m.tif')} (detail: each pixel minus its input pixel's mean, against the truth's):`);
    expect(printedBefore(lines, '232 m')).toEqual(ASTER_LINES);
  }, 60_000);
});

interface TruthRow {
  method: string;
  stage?: number;
  repeatsStage?: number;
  pixelSizeM: number;
  truthOnOutput: string;
  scoredPixelSizeM?: number;
  outputBlockPx?: number;
  scores: { rmseK: number; n: number };
  detail: { detailRmseK: number | null; detailPixels: number };
}

describe.skipIf(!existsSync(`${PARA}_B6.TIF`))('evaluate --truth with a truth coarser than the output (Landsat 5 Para thermal band at 240 m downscaled to 30 m in 3 stages)', () => {
  const para = async (truth: string) => ['--lst', await paraBt(8), '--red', `${PARA}_B3.TIF`, '--nir', `${PARA}_B4.TIF`, '--truth', truth, '--methods', 'bicubic,tsharp'];

  it("scores a 60 m truth at its 60 m: the 30 m output block-averaged 2 x 2 onto its grid, as downscale's output so averaged scores; before, the truth was resampled bilinearly onto the 30 m output", async () => {
    const truthFile = await paraBt(2);
    const { truth, lines } = await evaluateTruth(await para(truthFile));
    expect(lines[0]).toBe(`against ${truthFile} (detail: each pixel minus its input pixel's mean, against the truth's):`);
    const repeats = "The 30 m outputs average back exactly to the 60 m outputs (residual correction keeps each block's mean), so against para_bt_60m.tif they score as the 60 m rows; para_bt_60m.tif cannot score detail finer than 60 m.";
    expect(lines[lines.length - 1]).toBe(repeats);
    // JSON scoredAt is the table's sentence; before, "at its 60 m resolution: each 30 m output block-averaged 2 x 2 onto its grid, as the truth is coarser than the output".
    expect(truth.scoredAt).toBe(repeats);
    const rows = truth.methods as TruthRow[];
    expect(rows.map((r) => [r.method, r.pixelSizeM, r.truthOnOutput, r.scoredPixelSizeM, r.outputBlockPx])).toEqual([
      ['bicubic', 30, 'output-block-averaged', 60, 2],
      ['tsharp', 30, 'output-block-averaged', 60, 2],
    ]);
    // An input pixel is 4 x 4 truth pixels: the detail is scored at 60 m.
    for (const r of rows) expect(r.detail.detailPixels).toBeGreaterThan(20000);
    // The same score by another road: downscale's 30 m GeoTIFF read back, block-averaged 2 x 2, against the 60 m truth.
    const out = path.join(tmp, 'para-bicubic');
    expect(await main(['downscale', '--lst', await paraBt(8), '--red', `${PARA}_B3.TIF`, '--nir', `${PARA}_B4.TIF`, '--method', 'bicubic', '--out', out, '-q'])).toBe(0);
    const fine = (await loadDataset(path.join(out, 'lst_stage3.tif'))).bands[0].raster;
    const t60 = (await loadDataset(truthFile)).bands[0].raster;
    const whole = cropRaster(fine, { col: 0, row: 0, width: Math.floor(fine.width / 2) * 2, height: Math.floor(fine.height / 2) * 2 });
    const agg = cropRaster(aggregateMean(whole, 2, { maxInvalidFraction: 0.25 }), { col: 0, row: 0, width: t60.width, height: t60.height });
    const direct = pointScores(agg.data, t60.data);
    expect(rows[0].scores.n).toBe(direct.n);
    expect(rows[0].scores.rmseK).toBeCloseTo(direct.rmse, 3);
  }, 60_000);

  it("scores a truth as coarse as the input LST (240 m) with no detail, and says so: the residual correction keeps the input's means, so RMSE 0", async () => {
    const truthFile = await paraBt(8);
    const { truth, lines } = await evaluateTruth(await para(truthFile));
    expect(lines[0]).toBe(`against ${truthFile}:`);
    // Every stage block-averaged onto the truth's grid, each to the input LST's means: the 60 m and 30 m rows repeat the 120 m ones.
    expect(rowsOf(truth)).toEqual(['bicubic 1 output-block-averaged -', 'tsharp 1 output-block-averaged -', 'bicubic 2 output-block-averaged 1', 'tsharp 2 output-block-averaged 1', 'bicubic 3 output-block-averaged 1', 'tsharp 3 output-block-averaged 1']);
    expect(truth.scoredAt).toBe(lines[lines.length - 1]);
    expect(lines[lines.length - 1]).toBe(
      "The 120 m output is finer than para_bt_240m.tif, so it is scored at its 240 m resolution: block-averaged 2 x 2 onto its grid, with no detail scored where its pixels are as coarse as the input LST's. The 60 m and 30 m outputs average back exactly to the 120 m outputs (residual correction keeps each block's mean), so against para_bt_240m.tif they score as the 120 m rows; para_bt_240m.tif cannot score detail finer than 240 m.",
    );
    for (const r of truth.rows as TruthRow[]) {
      expect(r.scores.rmseK).toBeLessThan(0.001);
      expect(r.detail).toMatchObject({ detailRmseK: null, detailPixels: 0 });
    }
    expect(printedBefore(lines, '30 m at 240 m')[0]).toBe('bicubic  RMSE 0 K (0 K without the mean difference 0 K), SSIM 1');
  }, 60_000);

  it("scores a 90 m truth against the 120 m outputs on their grid and the 30 m ones at 90 m (3 x 3; no detail, as 90 m pixels do not tile the 240 m input's), not the 60 m ones (1.5 of theirs), and says each", async () => {
    const truthFile = await paraBt(3);
    const { truth, lines } = await evaluateTruth(await para(truthFile));
    expect(rowsOf(truth)).toEqual(['bicubic 1 resampled -', 'tsharp 1 resampled -', 'bicubic 3 output-block-averaged -', 'tsharp 3 output-block-averaged -']);
    expect(truth.notScoredStages).toEqual([{ stage: 2, pixelSizeM: 60 }]);
    expect(truth.notScored).toBeUndefined();
    expect(lines.map((l) => l.slice(0, 22))).toEqual([`against ${truthFile}`.slice(0, 22), 'bicubic  120 m        ', 'tsharp   120 m        ', 'bicubic  30 m at 90 m ', 'tsharp   30 m at 90 m ', expect.any(String), expect.any(String)]);
    expect(truth.scoredAt).toBe(lines[5]);
    expect(lines.slice(5)).toEqual([
      "The 30 m output is finer than para_bt_90m.tif, so it is scored at its 90 m resolution: block-averaged 3 x 3 onto its grid, with no detail scored where its pixels do not tile the input LST's.",
      "notice: The 60 m output is finer than para_bt_90m.tif and was not scored against it: its 90 m pixels are not a whole number of the output's 60 m pixels across and down (1.5 x 1.5). To score it, give --truth an LST as fine as the 60 m output, or one whose pixels are whole blocks of the output's on its grid.",
    ]);
  }, 60_000);

  it('does not score the 30 m outputs, and says why in a notice naming the file, against a coarser truth whose pixels are not whole blocks of theirs on their grid (shifted 30 m, or 45 m pixels); the 120 m and 60 m outputs it scores', async () => {
    const bt = (await loadDataset(`${PARA}_B6.TIF`)).bands[0].raster;
    const shifted = path.join(tmp, 'para_bt_60m_shifted.tif');
    writeFileSync(shifted, writeGeoTiff([{ raster: aggregateMean(cropRaster(bt, { col: 1, row: 0, width: bt.width - 1, height: bt.height }), 2, { maxInvalidFraction: 0 }), units: 'K' }]));
    const t60 = (await loadDataset(await paraBt(2))).bands[0].raster;
    const px45 = path.join(tmp, 'para_bt_45m.tif');
    const [x0, , , y0] = t60.transform;
    writeFileSync(px45, writeGeoTiff([{ raster: { ...t60, transform: [x0, 45, 0, y0, 0, -45] }, units: 'K' }]));
    for (const [file, why] of [
      [shifted, "its pixel corners are not on those of the output's 2 x 2 blocks (30 m across, 0 m down from them)"],
      [px45, "its 45 m pixels are not a whole number of the output's 30 m pixels across and down (1.5 x 1.5)"],
    ]) {
      const { truth, lines } = await evaluateTruth(await para(file));
      expect(truth.methods).toBeUndefined();
      expect(truth.notScored).toBe(`coarser than the 30 m output and ${why}`);
      expect(truth.notScoredStages).toEqual([{ stage: 3, pixelSizeM: 30 }]);
      expect((truth.rows as TruthRow[]).map((r) => `${r.method} ${r.stage}`)).toEqual(['bicubic 1', 'tsharp 1', 'bicubic 2', 'tsharp 2']);
      expect(lines.slice(0, 5).map((l) => l.slice(0, 16))).toEqual([`against ${file}`.slice(0, 16), 'bicubic  120 m  ', 'tsharp   120 m  ', 'bicubic  60 m   ', 'tsharp   60 m   ']);
      expect(lines.slice(5)).toEqual([
        `notice: The 30 m output is finer than ${path.basename(file)} and was not scored against it: ${why}. To score it, give --truth an LST as fine as the 30 m output, or one whose pixels are whole blocks of the output's on its grid.`,
      ]);
      expect(printed.err).toBe('');
    }
  }, 60_000);
});

const LISBON = dataPath('landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff');

/** The Lisbon cube's B10 brightness temperature block-averaged by `f` (30 m -> 30f m), written once; its path. */
async function lisbonBt(f: number): Promise<string> {
  const file = path.join(tmp, `lisbon_bt_${30 * f}m.tif`);
  if (!existsSync(file)) {
    const bt = (await loadDataset(LISBON)).bands.find((b) => b.role === 'lst')!.raster;
    writeFileSync(file, writeGeoTiff([{ raster: aggregateMean(bt, f, { maxInvalidFraction: 0 }), units: 'K' }]));
  }
  return file;
}

// BEFORE_*: what evaluate --truth printed of the last stage before it scored through scoreStagesAgainstTruth (the app's and batch's scoring) and scored every stage (scoredAt has since become the table's sentence).
describe("evaluate --truth scores every stage of every method as the app and batch do, the last stage's numbers as before", () => {
  const lisbon = async (truthFile: string) => ['--lst', await lisbonBt(4), '--red', `${LISBON}:B4`, '--nir', `${LISBON}:B5`, '--truth', truthFile, '--methods', 'bicubic,tsharp'];

  it.skipIf(!existsSync(LISBON))("Lisbon Landsat 8: B10 at 120 m downscaled to 60 m and 30 m, against B10 at 30 m, and at 60 m (the 30 m outputs block-averaged 2 x 2, where they repeat the 60 m rows); before, only the 30 m outputs", async () => {
    for (const [f, before] of [[1, BEFORE_LISBON30], [2, BEFORE_LISBON60]] as const) {
      const truthFile = await lisbonBt(f);
      const { truth, lines } = await evaluateTruth(await lisbon(truthFile));
      const { rows: _rows, ...last } = truth;
      // As before but scoredAt, now the table's sentence.
      expect(last).toEqual({ ...before.truth, ...(f === 2 ? { scoredAt: lines[lines.length - 1] } : {}) });
      expect(rowsAsBefore(truth, 2)).toEqual(before.truth.methods);
      expect(printedBefore(lines, f === 2 ? '30 m at 60 m' : '30 m')).toEqual(before.lines);
      expect(rowsOf(truth)).toEqual(
        f === 2
          ? ['bicubic 1 resampled -', 'tsharp 1 resampled -', 'bicubic 2 output-block-averaged 1', 'tsharp 2 output-block-averaged 1']
          : ['bicubic 1 block-averaged -', 'tsharp 1 block-averaged -', 'bicubic 2 resampled -', 'tsharp 2 resampled -'],
      );
      expect(lines.length).toBe(f === 2 ? 6 : 5);
    }
    const { lines } = await evaluateTruth(await lisbon(await lisbonBt(2)));
    expect(lines.slice(1)).toEqual(LISBON60_LINES);
  }, 60_000);

  it.skipIf(!existsSync(DHAKA_LST))('Dhaka 097: the 1 km LST block-averaged to 4 km, downscaled to 1.7 km, 849 m, 424 m and 212 m, against the 1 km LST: TsHARP below bicubic at 1.7 km and at 1 km; before, only the 212 m outputs', async () => {
    const coarse = path.join(tmp, 'dhaka_lst_4km.tif');
    const lst = (await loadDataset(DHAKA_LST)).bands.find((b) => b.role === 'lst')!.raster;
    writeFileSync(coarse, writeGeoTiff([{ raster: aggregateMean(lst, 4, { maxInvalidFraction: 0.25 }), units: 'K' }]));
    const { truth, lines } = await evaluateTruth(['--lst', coarse, '--ndvi', DHAKA_NDVI, '--truth', DHAKA_LST, '--methods', 'bicubic,tsharp']);
    const { rows: _rows, ...last } = truth;
    expect(last).toEqual({ ...BEFORE_DHAKA.truth, scoredAt: DHAKA_LINES[DHAKA_LINES.length - 1] });
    expect(rowsAsBefore(truth, 4)).toEqual(BEFORE_DHAKA.truth.methods);
    expect(printedBefore(lines, '212 m at 849 m')).toEqual(BEFORE_DHAKA.lines);
    expect(rowsOf(truth)).toEqual([
      'bicubic 1 block-averaged -', 'tsharp 1 block-averaged -', 'bicubic 2 resampled -', 'tsharp 2 resampled -',
      'bicubic 3 output-block-averaged 2', 'tsharp 3 output-block-averaged 2', 'bicubic 4 output-block-averaged 2', 'tsharp 4 output-block-averaged 2',
    ]); // prettier-ignore
    expect(lines[0]).toBe(`against ${DHAKA_LST} (detail: each pixel minus its input pixel's mean, against the truth's):`);
    expect(lines.slice(1)).toEqual(DHAKA_LINES);
  }, 60_000);
});

describe.skipIf(!existsSync(DHAKA_LST))('evaluate --truth against the input LST itself (Dhaka 097, QC applied, 849 m -> 424 m and 212 m with the 250 m NDVI)', () => {
  const argv = (mode: string) => ['--lst', DHAKA_LST, '--qc', DHAKA_097.qc, '--ndvi', DHAKA_NDVI, '--truth', DHAKA_LST, '--methods', 'bicubic,tsharp', '--residual-mode', mode];
  const name = path.basename(DHAKA_LST);
  const scored = (sizes: string, blocks: string) =>
    `The ${sizes} finer than ${name}, so ${sizes.includes(' and ') ? 'they are' : 'it is'} scored at its 849 m resolution: block-averaged ${blocks} onto its grid, with no detail scored where its pixels are as coarse as the input LST's.`;

  it("marks the 212 m rows as repeating the 424 m ones (both block-averaged onto the LST's grid, RMSE 0 K on the same 2,304 pixels) and says so; before, the same rows stood unexplained", async () => {
    const { truth, lines } = await evaluateTruth(argv('linear'));
    expect(rowsOf(truth)).toEqual(['bicubic 1 output-block-averaged -', 'tsharp 1 output-block-averaged -', 'bicubic 2 output-block-averaged 1', 'tsharp 2 output-block-averaged 1']);
    for (const r of truth.rows as TruthRow[]) expect([r.scores.rmseK, r.scores.n, r.detail.detailPixels]).toEqual([0, 2304, 0]);
    expect(truth.scoredAt).toBe(lines[lines.length - 1]);
    expect(lines[lines.length - 1]).toBe(
      `${scored('424 m output is', '2 x 2')} The 212 m outputs average back exactly to the 424 m outputs (residual correction keeps each block's mean), so against ${name} they score as the 424 m rows; ${name} cannot score detail finer than 849 m.`,
    );
  }, 60_000);

  it('keeps the 212 m rows as their own where they differ (radiance residual correction keeps block radiance, not LST: TsHARP 0.0016 K at 424 m, 0.0023 K at 212 m)', async () => {
    const { truth, lines } = await evaluateTruth(argv('radiance'));
    expect(rowsOf(truth)).toEqual(['bicubic 1 output-block-averaged -', 'tsharp 1 output-block-averaged -', 'bicubic 2 output-block-averaged -', 'tsharp 2 output-block-averaged -']);
    expect((truth.rows as TruthRow[]).map((r) => r.scores.rmseK)).toEqual([0.0007, 0.0016, 0.0011, 0.0023]);
    expect(truth.scoredAt).toBe(lines[lines.length - 1]);
    expect(lines[lines.length - 1]).toBe(scored('424 m and 212 m outputs are', '2 x 2 and 4 x 4'));
  }, 60_000);
});

describe.skipIf(!existsSync(DHAKA_LST))('evaluate --truth at a MODIS truth\'s resolution (Dhaka: its 1 km LST block-averaged to 4 km, downscaled to 212 m with the 250 m NDVI, against the 1 km LST)', () => {
  it("scores at 1 km (each 212 m output pixel block-averaged 4 x 4), where TsHARP's RMSE is below bicubic's; before, the 1 km truth was resampled onto the 212 m output and bicubic looked 20 % better", async () => {
    const ds = await loadDataset(DHAKA_LST);
    const lst = ds.bands.find((b) => b.role === 'lst')!.raster;
    const coarse = path.join(tmp, 'dhaka_lst_4km.tif');
    writeFileSync(coarse, writeGeoTiff([{ raster: aggregateMean(lst, 4, { maxInvalidFraction: 0.25 }), units: 'K' }]));
    const { truth, lines } = await evaluateTruth(['--lst', coarse, '--ndvi', DHAKA_NDVI, '--truth', DHAKA_LST, '--methods', 'bicubic,tsharp']);
    // JSON scoredAt is the table's sentence; before, "at its 848.75 m resolution: each 212.21 m output block-averaged 4 x 4 onto its grid, as the truth is coarser than the output".
    expect(truth.scoredAt).toBe(lines[lines.length - 1]);
    expect(truth.scoredAt).toMatch(/^The 424 m and 212 m outputs average back exactly to the 849 m outputs /);
    const [bicubic, tsharp] = truth.methods as TruthRow[];
    expect([bicubic.scoredPixelSizeM, bicubic.outputBlockPx, bicubic.truthOnOutput]).toEqual([848.75, 4, 'output-block-averaged']);
    expect(bicubic.scores.rmseK).toBeCloseTo(0.969, 3);
    expect(tsharp.scores.rmseK).toBeCloseTo(0.933, 3);
    expect(tsharp.detail.detailPixels).toBeGreaterThan(1000);
  }, 60_000);
});

const PARA_TRUTH = {"band": "B6", "methods": [{"method": "bicubic", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.151, "maeK": 0.1153, "biasK": 0, "r2": 0.9612, "r": 0.9804, "ssim": 0.8431, "n": 87472}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.151, "detailRmseK": 0.151, "detailCorr": 0.7578, "detailPixels": 87472, "truthDetailSdK": 0.2262}}, {"method": "tsharp", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.1698, "maeK": 0.1288, "biasK": 0, "r2": 0.9509, "r": 0.9752, "ssim": 0.8119, "n": 87472}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.1698, "detailRmseK": 0.1698, "detailCorr": 0.6669, "detailPixels": 87472, "truthDetailSdK": 0.2262}}]};
const PARA_LINES = ["bicubic  RMSE 0.151 K (0.151 K without the mean difference 0 K), SSIM 0.8431, detail RMSE 0.151 K, detail correlation 0.7578", "tsharp   RMSE 0.1698 K (0.1698 K without the mean difference 0 K), SSIM 0.8119, detail RMSE 0.1698 K, detail correlation 0.6669"];
const ASTER_TRUTH = {"band": "ASTER_LST_250m", "methods": [{"method": "tsharp", "pixelSizeM": 231.66, "truthOnOutput": "resampled", "scores": {"rmseK": 2.2408, "maeK": 1.7661, "biasK": -1.3231, "r2": 0.7183, "r": 0.9043, "ssim": 0.5069, "n": 61887}, "detail": {"biasK": -1.3231, "offsetFreeRmseK": 1.8085, "detailRmseK": 1.4573, "detailCorr": 0.4157, "detailPixels": 61575, "truthDetailSdK": 1.1603}}, {"method": "bicubic", "pixelSizeM": 231.66, "truthOnOutput": "resampled", "scores": {"rmseK": 1.9956, "maeK": 1.59, "biasK": -1.3237, "r2": 0.7766, "r": 0.9371, "ssim": 0.559, "n": 61887}, "detail": {"biasK": -1.3237, "offsetFreeRmseK": 1.4934, "detailRmseK": 1.0421, "detailCorr": 0.4398, "detailPixels": 61575, "truthDetailSdK": 1.1603}}]};
const ASTER_LINES = ["tsharp   RMSE 2.2408 K (1.8085 K without the mean difference -1.3231 K), SSIM 0.5069, detail RMSE 1.4573 K, detail correlation 0.4157", "bicubic  RMSE 1.9956 K (1.4934 K without the mean difference -1.3237 K), SSIM 0.559, detail RMSE 1.0421 K, detail correlation 0.4398"];
const BEFORE_LISBON60 = { truth: {"band": "lisbon_bt_60m", "pixelSizeM": 60, "scoredAt": "at its 60 m resolution: each 30 m output block-averaged 2 x 2 onto its grid, as the truth is coarser than the output", "methods": [{"method": "bicubic", "pixelSizeM": 30, "truthOnOutput": "output-block-averaged", "scoredPixelSizeM": 60, "outputBlockPx": 2, "scores": {"rmseK": 0.2504, "maeK": 0.1712, "biasK": 0, "r2": 0.9971, "r": 0.9985, "ssim": 0.9782, "n": 7872}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.2504, "detailRmseK": 0.2504, "detailCorr": 0.9176, "detailPixels": 7872, "truthDetailSdK": 0.5886}}, {"method": "tsharp", "pixelSizeM": 30, "truthOnOutput": "output-block-averaged", "scoredPixelSizeM": 60, "outputBlockPx": 2, "scores": {"rmseK": 0.3756, "maeK": 0.2705, "biasK": 0, "r2": 0.9934, "r": 0.9967, "ssim": 0.9302, "n": 7872}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.3756, "detailRmseK": 0.3756, "detailCorr": 0.775, "detailPixels": 7872, "truthDetailSdK": 0.5886}}]}, lines: ["bicubic  RMSE 0.2504 K (0.2504 K without the mean difference 0 K), SSIM 0.9782, detail RMSE 0.2504 K, detail correlation 0.9176", "tsharp   RMSE 0.3756 K (0.3756 K without the mean difference 0 K), SSIM 0.9302, detail RMSE 0.3756 K, detail correlation 0.775"] };
const BEFORE_LISBON30 = { truth: {"band": "lisbon_bt_30m", "methods": [{"method": "bicubic", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.2775, "maeK": 0.1833, "biasK": 0, "r2": 0.9964, "r": 0.9982, "ssim": 0.9625, "n": 31488}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.2775, "detailRmseK": 0.2775, "detailCorr": 0.9189, "detailPixels": 31488, "truthDetailSdK": 0.6676}}, {"method": "tsharp", "pixelSizeM": 30, "truthOnOutput": "resampled", "scores": {"rmseK": 0.4437, "maeK": 0.315, "biasK": 0, "r2": 0.9908, "r": 0.9954, "ssim": 0.8706, "n": 31488}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.4437, "detailRmseK": 0.4437, "detailCorr": 0.7609, "detailPixels": 31488, "truthDetailSdK": 0.6676}}]}, lines: ["bicubic  RMSE 0.2775 K (0.2775 K without the mean difference 0 K), SSIM 0.9625, detail RMSE 0.2775 K, detail correlation 0.9189", "tsharp   RMSE 0.4437 K (0.4437 K without the mean difference 0 K), SSIM 0.8706, detail RMSE 0.4437 K, detail correlation 0.7609"] };
const BEFORE_DHAKA = { truth: {"band": "LST_Day_1km", "pixelSizeM": 848.75, "scoredAt": "at its 848.75 m resolution: each 212.21 m output block-averaged 4 x 4 onto its grid, as the truth is coarser than the output", "methods": [{"method": "bicubic", "pixelSizeM": 212.21, "truthOnOutput": "output-block-averaged", "scoredPixelSizeM": 848.75, "outputBlockPx": 4, "scores": {"rmseK": 0.969, "maeK": 0.6915, "biasK": 0, "r2": 0.7752, "r": 0.8806, "ssim": 0.6546, "n": 2112}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.969, "detailRmseK": 0.969, "detailCorr": 0.4995, "detailPixels": 2112, "truthDetailSdK": 1.1091}}, {"method": "tsharp", "pixelSizeM": 212.21, "truthOnOutput": "output-block-averaged", "scoredPixelSizeM": 848.75, "outputBlockPx": 4, "scores": {"rmseK": 0.933, "maeK": 0.7015, "biasK": 0, "r2": 0.7916, "r": 0.8913, "ssim": 0.7079, "n": 2112}, "detail": {"biasK": 0, "offsetFreeRmseK": 0.933, "detailRmseK": 0.933, "detailCorr": 0.5813, "detailPixels": 2112, "truthDetailSdK": 1.1091}}]}, lines: ["bicubic  RMSE 0.969 K (0.969 K without the mean difference 0 K), SSIM 0.6546, detail RMSE 0.969 K, detail correlation 0.4995", "tsharp   RMSE 0.933 K (0.933 K without the mean difference 0 K), SSIM 0.7079, detail RMSE 0.933 K, detail correlation 0.5813"] };
const LISBON60_LINES = ["bicubic  60 m          RMSE 0.2504 K (0.2504 K without the mean difference 0 K), SSIM 0.9782, detail RMSE 0.2504 K, detail correlation 0.9176", "tsharp   60 m          RMSE 0.3756 K (0.3756 K without the mean difference 0 K), SSIM 0.9302, detail RMSE 0.3756 K, detail correlation 0.775", "bicubic  30 m at 60 m  RMSE 0.2504 K (0.2504 K without the mean difference 0 K), SSIM 0.9782, detail RMSE 0.2504 K, detail correlation 0.9176", "tsharp   30 m at 60 m  RMSE 0.3756 K (0.3756 K without the mean difference 0 K), SSIM 0.9302, detail RMSE 0.3756 K, detail correlation 0.775", "The 30 m outputs average back exactly to the 60 m outputs (residual correction keeps each block's mean), so against lisbon_bt_60m.tif they score as the 60 m rows; lisbon_bt_60m.tif cannot score detail finer than 60 m."];
const DHAKA_LINES = ["bicubic  1.7 km          RMSE 0.7351 K (0.7351 K without the mean difference 0 K), SSIM 0.846, detail RMSE 0.7351 K, detail correlation 0.5436", "tsharp   1.7 km          RMSE 0.615 K (0.615 K without the mean difference 0 K), SSIM 0.8991, detail RMSE 0.615 K, detail correlation 0.7064", "bicubic  849 m           RMSE 0.969 K (0.969 K without the mean difference 0 K), SSIM 0.6546, detail RMSE 0.969 K, detail correlation 0.4995", "tsharp   849 m           RMSE 0.933 K (0.933 K without the mean difference 0 K), SSIM 0.7079, detail RMSE 0.933 K, detail correlation 0.5813", "bicubic  424 m at 849 m  RMSE 0.969 K (0.969 K without the mean difference 0 K), SSIM 0.6546, detail RMSE 0.969 K, detail correlation 0.4995", "tsharp   424 m at 849 m  RMSE 0.933 K (0.933 K without the mean difference 0 K), SSIM 0.7079, detail RMSE 0.933 K, detail correlation 0.5813", "bicubic  212 m at 849 m  RMSE 0.969 K (0.969 K without the mean difference 0 K), SSIM 0.6546, detail RMSE 0.969 K, detail correlation 0.4995", "tsharp   212 m at 849 m  RMSE 0.933 K (0.933 K without the mean difference 0 K), SSIM 0.7079, detail RMSE 0.933 K, detail correlation 0.5813", "The 424 m and 212 m outputs average back exactly to the 849 m outputs (residual correction keeps each block's mean), so against MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif they score as the 849 m rows; MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif cannot score detail finer than 849 m."];
