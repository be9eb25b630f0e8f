import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { pointScores } from '../core/raster/metrics.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { dataPath, readBand } from '../test-support/data.ts';
import { runDownscale } from './downscale.ts';
import { prepareScene } from './prepare.ts';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { testGrid, testRaster } from './test-scenes.ts';
import { scoreFields, truthOnOutputGrid } from './evaluate.ts';
import { canScoreWith, outputOnTruthGrid, repeatedStage, scoreStagesAgainstTruth, scoreTruthOnGrid, truthBlocks, type TruthRow } from './truth-score.ts';

describe('scoreTruthOnGrid', () => {
  // 8 x 8 output pixels in 2 x 2 blocks of the input LST.
  const g = testGrid(8, 8, 250);
  const detail = (c: number, r: number) => ((c % 2) - 0.5) * 2 + ((r % 2) - 0.5); // +-1 K across, +-0.5 K down, zero block mean
  const truth = testRaster(g, (c, r) => 300 + c * 0.3 + detail(c, r));

  it('scores an output whose detail is the truth\'s but 2 K warmer: all its error is offset', () => {
    const out = testRaster(g, (c, r) => 302 + c * 0.3 + detail(c, r));
    const s = scoreTruthOnGrid(out, truth.data, 2);
    expect(s.n).toBe(64);
    expect(s.rmseK).toBeCloseTo(2, 5);
    expect(s.biasK).toBeCloseTo(2, 5);
    expect(s.offsetFreeRmseK).toBeCloseTo(0, 3);
    expect(s.detailPixels).toBe(64);
    expect(s.detailRmseK).toBeCloseTo(0, 5);
    expect(s.detailCorr).toBeCloseTo(1, 5);
  });

  it('gives a flat output (block means only) the truth\'s whole detail as its error, and no correlation', () => {
    const blockMean = (c: number) => 300 + (c - (c % 2) + 0.5) * 0.3;
    const out = testRaster(g, (c) => blockMean(c));
    const s = scoreTruthOnGrid(out, truth.data, 2);
    expect(s.biasK).toBeCloseTo(0, 5);
    expect(s.detailRmseK).toBeCloseTo(s.truthDetailSdK, 5);
    // The truth's detail: +-1 across plus the slope's +-0.15 within a block, +-0.5 down, independent.
    expect(s.truthDetailSdK).toBeCloseTo(Math.sqrt(1.15 ** 2 + 0.5 ** 2), 5);
    expect(Number.isNaN(s.detailCorr)).toBe(true);
  });

  it("takes n, RMSE and bias from the caller's scores of the same fields (evaluate's one pass) instead of a second pass", () => {
    const out = testRaster(g, (c, r) => 302 + c * 0.3 + detail(c, r));
    const mine = { n: 64, rmseK: 2.5, biasK: 1.5 };
    const s = scoreTruthOnGrid(out, truth.data, 2, mine);
    expect([s.n, s.rmseK, s.biasK, s.offsetFreeRmseK]).toEqual([64, 2.5, 1.5, 2]);
    expect(s.detailRmseK).toBeCloseTo(0, 5);
  });

  it('leaves out pixels either side lacks, and blocks less than 3/4 valid from the detail', () => {
    const out = testRaster(g, (c, r) => (c === 0 && r === 0 ? Number.NaN : 301 + c * 0.3 + detail(c, r)));
    const s = scoreTruthOnGrid(out, truth.data, 2);
    expect(s.n).toBe(63);
    expect(s.detailPixels).toBe(63); // 3 of 4 in the corner block is enough
    const out2 = testRaster(g, (c, r) => (c < 2 && r < 1 ? Number.NaN : 301 + c * 0.3 + detail(c, r)));
    expect(scoreTruthOnGrid(out2, truth.data, 2).detailPixels).toBe(60);
  });
});

describe('truthOnOutputGrid', () => {
  it('block-averages a truth whose grid is an integer-finer aligned grid of the output, and resamples otherwise', () => {
    const fine = testGrid(8, 8, 250);
    const coarse = testGrid(4, 4, 500);
    const truth = testRaster(fine, (c, r) => 300 + c + 10 * r);
    const out = testRaster(coarse, () => 0);
    const on = truthOnOutputGrid(out, truth);
    expect(on.how).toBe('block-averaged');
    expect(on.raster.data[0]).toBeCloseTo((300 + 301 + 310 + 311) / 4, 4);
    expect(truthOnOutputGrid(testRaster(fine, () => 0), truth).how).toBe('resampled');
    expect(canScoreWith(coarse, fine)).toBe(true);
    expect(canScoreWith(fine, coarse)).toBe(false);
  });
});

describe('scoreStagesAgainstTruth', () => {
  const stage = (k: number, px: number, x0?: number) => ({ stage: k, lst: testRaster(testGrid(8000 / px / 2, 8000 / px / 2, px, x0), () => 301) });

  it("scores each method at every stage, a stage finer than the truth at the truth's resolution (its output block-averaged onto the truth's grid)", () => {
    const truth = testRaster(testGrid(4, 4, 500), (c, r) => 300 + c + r);
    const runs = ['srda', 'bicubic'].map((method) => ({ method, stages: [stage(1, 500), stage(2, 250)] }));
    const { check, onGrid } = scoreStagesAgainstTruth('fine.tif', truth, runs);
    expect(check.finerStages).toEqual([]);
    expect(check.rows.map((r) => `${r.method} ${r.stage} ${r.how} ${r.scoredPixelSizeM ?? '-'} ${r.outputBlockPx ?? '-'}`)).toEqual([
      'srda 1 resampled - -',
      'bicubic 1 resampled - -',
      'srda 2 output-block-averaged 500 2',
      'bicubic 2 output-block-averaged 500 2',
    ]);
    // 301 K everywhere against 300 + c + r on the 4 x 4 truth: the same scores at 500 m either way.
    expect(check.rows[2]).toMatchObject({ n: 16, rmseK: check.rows[0].rmseK, biasK: check.rows[0].biasK });
    expect(check.pixelSizeM).toBe(500);
    // Only a truth on the output's own grid makes a map layer.
    expect([...onGrid.keys()]).toEqual([1]);
  });

  it('gives each row the scores evaluate --truth prints beside them (MAE, R2, r, SSIM), over the same pixels as its RMSE', () => {
    const truth = testRaster(testGrid(16, 16, 250), (c, r) => 300 + 0.5 * c + Math.sin(r));
    const out = (k: number, px: number) => ({ stage: k, lst: testRaster(testGrid(4000 / px, 4000 / px, px), (c, r) => 300.2 + (0.5 * c * px) / 250 + 0.8 * Math.sin((r * px) / 250)) });
    const runs = [{ method: 'tsharp', stages: [out(1, 500), out(2, 250)] }];
    const { check } = scoreStagesAgainstTruth('fine.tif', truth, runs, { ssim: true });
    const own = check.rows.find((r) => r.stage === 2)!;
    const direct = scoreFields(out(2, 250).lst.data, truth.data, 16, 16);
    expect(own).toMatchObject({ n: 256, maeK: direct.maeK, r2: direct.r2, r: direct.r, ssim: direct.ssim, rmseK: direct.rmseK, biasK: direct.biasK });
    expect(own.ssim).toBeGreaterThan(0.5);
    expect(own.ssim).toBeLessThan(1);
    // The 500 m stage too, against the truth block-averaged onto its grid.
    const coarse = check.rows.find((r) => r.stage === 1)!;
    expect([coarse.how, coarse.n]).toEqual(['block-averaged', 64]);
    expect([coarse.maeK, coarse.r2, coarse.r, coarse.ssim].every(Number.isFinite)).toBe(true);
    // SSIM only where asked for (the app and batch show none); the rest the same.
    const plain = scoreStagesAgainstTruth('fine.tif', truth, runs).check.rows.find((r) => r.stage === 2)!;
    expect(plain.ssim).toBeUndefined();
    expect(plain).toEqual({ ...own, ssim: undefined });
  });

  it("leaves a finer stage unscored, and says why, where the truth's pixels are not whole blocks of its on its grid", () => {
    const truth = testRaster(testGrid(4, 4, 500, 500250), (c, r) => 300 + c + r);
    const runs = [{ method: 'bicubic', stages: [stage(1, 500, 500250), stage(2, 250)] }];
    const { check } = scoreStagesAgainstTruth('fine.tif', truth, runs);
    expect(check.finerStages).toEqual([2]);
    expect(check.finerWhy).toBe("its pixel corners are not on those of the output's 2 x 2 blocks (250 m across, 0 m down from them)");
    expect(check.rows.map((r) => r.stage)).toEqual([1]);
  });

  it("marks finer stages that repeat a coarser one's rows where every stage is block-averaged onto a truth as coarse as the input LST, and keeps a stage whose rows differ", () => {
    // A 1 km input of 4 x 4 pixels downscaled to 500, 250 and 125 m, against that LST itself.
    const lst = (c: number, r: number) => 300 + c + 2 * r;
    const truth = testRaster(testGrid(4, 4, 1000), lst);
    // Stage k: the input pixel's value plus detail `d` that averages to 0 over every 2 x 2 block (residual correction), and `biasK`.
    const out = (k: number, d: number, biasK = 0) => ({ stage: k, lst: testRaster(testGrid(4 * 2 ** k, 4 * 2 ** k, 1000 / 2 ** k), (c, r) => lst(c >> k, r >> k) + ((c + r) % 2 ? d : -d) + biasK) });
    const runs = (stage2BiasK: number) => [
      { method: 'tsharp', stages: [out(1, 0.7), out(2, 0.4, stage2BiasK), out(3, 0.3)] },
      { method: 'bicubic', stages: [out(1, 0.2), out(2, 0.1), out(3, 0.05)] },
    ];
    const marks = (check: { rows: TruthRow[] }) => check.rows.map((r) => `${r.method} ${r.stage} ${r.how} ${r.outputBlockPx} ${r.repeatsStage ?? '-'}`);
    const { check } = scoreStagesAgainstTruth('lst_1km.tif', truth, runs(0));
    expect(marks(check)).toEqual([
      'tsharp 1 output-block-averaged 2 -', 'bicubic 1 output-block-averaged 2 -',
      'tsharp 2 output-block-averaged 4 1', 'bicubic 2 output-block-averaged 4 1',
      'tsharp 3 output-block-averaged 8 1', 'bicubic 3 output-block-averaged 8 1',
    ]); // prettier-ignore
    for (const r of check.rows) expect([r.n, r.rmseK, r.detailPixels]).toEqual([16, 0, 0]);
    // TsHARP's 250 m outputs 0.1 K warmer: their rows are their own (and so bicubic's at 250 m); the 125 m ones still repeat the 500 m ones.
    const warm = scoreStagesAgainstTruth('lst_1km.tif', truth, runs(0.1)).check;
    expect(marks(warm).map((m) => m.slice(-1))).toEqual(['-', '-', '-', '-', '1', '1']);
    expect(warm.rows[2].biasK).toBeCloseTo(0.1, 4);
  });

  const PARA = dataPath('landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');
  it.skipIf(!existsSync(`${PARA}_B6.TIF`))(
    "Landsat 5 Para, the thermal band at 240 m downscaled to 120 m and 60 m with red/NIR at 60 m: the 60 m outputs scored against the band at 120 m at 120 m, equal to the output block-averaged 2 x 2 and scored directly",
    async () => {
      const bt = await readBand(`${PARA}_B6.TIF`);
      const [red, nir] = await Promise.all([readBand(`${PARA}_B3.TIF`), readBand(`${PARA}_B4.TIF`)]);
      const truth = aggregateMean(bt, 4, { maxInvalidFraction: 0 });
      const scene = prepareScene({ lst: aggregateMean(bt, 8, { maxInvalidFraction: 0 }), aux: { red: aggregateMean(red, 2), nir: aggregateMean(nir, 2) } });
      expect(scene.stages).toBe(2);
      const runs = [];
      for (const method of ['tsharp', 'bicubic'] as const) runs.push({ method, stages: (await runDownscale(scene, { method })).stages });
      const { check } = scoreStagesAgainstTruth('para_bt_120m.tif', truth, runs);
      expect(check.finerStages).toEqual([]);
      expect(check.rows.map((r) => `${r.method} ${r.stage} ${r.how}`)).toEqual(['tsharp 1 resampled', 'bicubic 1 resampled', 'tsharp 2 output-block-averaged', 'bicubic 2 output-block-averaged']);
      // Residual correction: each 60 m output's 2 x 2 blocks average to its 120 m output, so the rows repeat those.
      expect(check.rows.map((r) => r.repeatsStage)).toEqual([undefined, undefined, 1, 1]);
      for (const r of check.rows.filter((r) => r.stage === 2)) {
        expect([r.pixelSizeM, r.scoredPixelSizeM, r.outputBlockPx]).toEqual([60, 120, 2]);
        // Each 60 m output pixel's block of 2 x 2 against the 120 m band, counted here.
        const out = runs.find((x) => x.method === r.method)!.stages[1].lst;
        const whole = cropRaster(out, { col: 0, row: 0, width: Math.floor(out.width / 2) * 2, height: Math.floor(out.height / 2) * 2 });
        const agg = aggregateMean(whole, 2, { maxInvalidFraction: 0.25 });
        const direct = pointScores(agg.data, cropRaster(truth, { col: 0, row: 0, width: agg.width, height: agg.height }).data);
        expect(r.n).toBe(direct.n);
        expect(r.rmseK).toBeCloseTo(direct.rmse, 5);
        // A 240 m input pixel is 2 x 2 of the truth's: the detail is scored at 120 m.
        expect(r.detailPixels).toBeGreaterThan(1000);
        console.log(`${r.method} 60 m at 120 m: n ${r.n}, RMSE ${r.rmseK.toFixed(4)} K, detail RMSE ${r.detailRmseK.toFixed(4)} K, corr ${r.detailCorr.toFixed(4)}`);
      }
    },
    60_000,
  );
});

describe('outputOnTruthGrid', () => {
  // A 5 x 4 output at 250 m; truths at 500 m: 2 x 2 output pixels each.
  const out = testRaster(testGrid(5, 4, 250), (c, r) => 300 + c + 10 * r);

  it('block-averages the output onto a truth on its 2 x 2 blocks, whole blocks only, the truth cropped to them', () => {
    const truth = testRaster(testGrid(3, 2, 500), (c, r) => 400 + c + 10 * r);
    const blocks = truthBlocks(out, truth);
    expect(blocks).toEqual({ factor: 2, col: 0, row: 0 });
    const on = outputOnTruthGrid(out, truth, blocks as { factor: number; col: number; row: number });
    // The fifth column is half a block: left out.
    expect([on.output.width, on.output.height]).toEqual([2, 2]);
    expect([...on.output.data]).toEqual([305.5, 307.5, 325.5, 327.5]);
    expect([...on.truth.data]).toEqual([400, 401, 410, 411]);
    expect(on.truth.transform).toEqual(on.output.transform);
  });

  it('takes a truth starting a whole block away (NaN where it does not reach) and scores no detail where a truth pixel is an input pixel', () => {
    const truth = testRaster(testGrid(2, 2, 500, 500500, 4000000), (c, r) => 400 + c + 10 * r);
    const blocks = truthBlocks(out, truth);
    expect(blocks).toEqual({ factor: 2, col: 1, row: 0 });
    const on = outputOnTruthGrid(out, truth, blocks as { factor: number; col: number; row: number });
    expect([...on.truth.data]).toEqual([Number.NaN, 400, Number.NaN, 410]);
    const s = scoreTruthOnGrid(on.output, on.truth.data, 1);
    expect(s.n).toBe(2);
    expect([s.detailPixels, s.detailRmseK, s.truthDetailSdK]).toEqual([0, Number.NaN, Number.NaN]);
  });

  it('says why not for a truth off the output\'s blocks, of a pixel no whole number of the output\'s, or in another CRS', () => {
    expect(truthBlocks(out, testGrid(2, 2, 500, 500250, 4000000))).toEqual({ why: "its pixel corners are not on those of the output's 2 x 2 blocks (250 m across, 0 m down from them)" });
    expect(truthBlocks(out, testGrid(2, 2, 600))).toEqual({ why: "its 600 m pixels are not a whole number of the output's 250 m pixels across and down (2.4 x 2.4)" });
    expect(truthBlocks(out, { ...testGrid(2, 2, 500), crs: crsFromEpsg(4326) })).toMatchObject({ why: expect.stringMatching(/^its CRS is not the 250 m output's/) });
  });
});

describe('repeatedStage', () => {
  const row = (method: string, stage: number, rmseK: number, extra: Partial<TruthRow> = {}): TruthRow => ({
    method, stage, pixelSizeM: 240 / 2 ** stage, how: 'resampled', n: 5472, rmseK, biasK: 0.01, offsetFreeRmseK: rmseK, detailPixels: 5400, detailRmseK: rmseK, detailCorr: 0.66, truthDetailSdK: 0.27, maeK: rmseK, r2: 0.9, r: 0.95, ...extra,
  });
  const at60 = (method: string, rmseK: number, d = 0) => row(method, 2, rmseK + d, { how: 'output-block-averaged', scoredPixelSizeM: 120, outputBlockPx: 2 });
  const coarse = [row('tsharp', 1, 0.2029), row('bicubic', 1, 0.2103)];

  it("finds the stage whose rows a finer stage's block-averaged rows repeat, for every method, and nothing where one differs", () => {
    const same = [...coarse, at60('tsharp', 0.2029, 8e-8), at60('bicubic', 0.2103)];
    expect(repeatedStage(same, 2)).toBe(1);
    expect(repeatedStage(same, 1)).toBeUndefined();
    // Without residual correction the 60 m outputs' block means differ from the 120 m outputs: rows of their own.
    expect(repeatedStage([...coarse, at60('tsharp', 0.2029, 0.0043), at60('bicubic', 0.2103, 0.0055)], 2)).toBeUndefined();
    // One method differing is enough to keep the rows.
    expect(repeatedStage([...coarse, at60('tsharp', 0.2029), at60('bicubic', 0.2103, 0.001)], 2)).toBeUndefined();
    // Other pixels scored: not the same numbers.
    expect(repeatedStage([...coarse, at60('tsharp', 0.2029), { ...at60('bicubic', 0.2103), n: 5400 }], 2)).toBeUndefined();
  });

  it('finds a coarser block-averaged stage where no stage is scored on its own grid, the coarsest that repeats no other', () => {
    const at = (method: string, stage: number, rmseK: number, repeatsStage?: number) => row(method, stage, rmseK, { how: 'output-block-averaged', scoredPixelSizeM: 240, outputBlockPx: 2 ** stage, ...(repeatsStage ? { repeatsStage } : {}) });
    const rows = [at('tsharp', 1, 0), at('bicubic', 1, 0), at('tsharp', 2, 0, 1), at('bicubic', 2, 0, 1), at('tsharp', 3, 0), at('bicubic', 3, 0)];
    expect([1, 2, 3].map((k) => repeatedStage(rows, k))).toEqual([undefined, 1, 1]);
    // The 60 m rows differ from the 120 m ones: the 30 m rows, equal to the 60 m ones, repeat those.
    const apart = [at('tsharp', 1, 0.001), at('bicubic', 1, 0), at('tsharp', 2, 0), at('bicubic', 2, 0), at('tsharp', 3, 0), at('bicubic', 3, 0)];
    expect([1, 2, 3].map((k) => repeatedStage(apart, k))).toEqual([undefined, undefined, 2]);
  });
});
