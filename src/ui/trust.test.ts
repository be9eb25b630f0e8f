import { describe, expect, it } from 'vitest';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';
import { loopSampleNote, shownTruthRows, trustSentences, truthResolutionWords, truthSentence } from './trust.ts';

const m = (method: string, rmse: number) => ({ method, rmse, mae: 0, bias: 0, r2: 0 });

describe('trust in words', () => {
  it('reads the closed loop against bicubic with the loop scale, and recommends the best method', () => {
    const t = trustSentences([m('srda', 0.524), m('bicubic', 0.542), m('tsharp', 0.643)], 1698, 849);
    expect(t.perMethod.map((p) => p.text)).toEqual([
      "SRDA-Net is 3 % better than bicubic on this scene's closed loop at 1.7 km → 849 m (RMSE 0.524 K vs 0.542 K).",
      "TsHARP is 19 % worse than bicubic on this scene's closed loop at 1.7 km → 849 m (RMSE 0.643 K vs 0.542 K).",
    ]);
    expect(t.recommendation).toBe('Recommended on this scene: SRDA-Net, the lowest closed-loop error.');
  });

  it('recommends bicubic when no method beats it by 1 %, and says a near tie is a tie', () => {
    const t = trustSentences([m('srda', 0.259), m('bicubic', 0.258)], 240, 120);
    expect(t.perMethod[0].text).toMatch(/^SRDA-Net is as good as bicubic \(within 1 %\)/);
    expect(t.recommendation).toMatch(/^Recommended on this scene: bicubic\. No sharpening method beat it by 1 %/);
  });

  it('says how many valid loop pixels a recommendation rests on, and recommends nothing on fewer than MIN_LOOP_PIXELS', () => {
    const on = (n: number) => (x: ReturnType<typeof m>) => ({ ...x, pixels: n });
    const many = trustSentences([m('srda', 0.524), m('bicubic', 0.542)].map(on(12_345)), 1698, 849);
    expect(many.recommendation).toBe("Recommended on this scene: SRDA-Net, the lowest closed-loop error (the loop's 12,345 valid pixels).");
    const tie = trustSentences([m('srda', 0.259), m('bicubic', 0.258)].map(on(MIN_LOOP_PIXELS)), 240, 120);
    expect(tie.recommendation).toMatch(/^Recommended on this scene: bicubic\. No sharpening method beat it by 1 % or more in the closed loop \(the loop's 64 valid pixels\)/);
    // Dhaka 2024-06-17 (4 % valid): bicubic fits its few loop pixels best, which says nothing of the scene.
    const few = trustSentences([m('srda', 0.115), m('bicubic', 0)].map(on(MIN_LOOP_PIXELS - 1)), 1853, 927);
    expect(few.recommendation).toBe('No method is recommended on this scene: its closed loop has 63 valid pixels, fewer than 64, too few to tell the methods apart.');
    expect(trustSentences([m('srda', 0.1), { ...m('bicubic', 0.2), pixels: 1 }], 1853, 927).recommendation).toMatch(/has 1 valid pixel, fewer/);
  });

  it("says how much of SRDA-Net's detail the output keeps, and that a loop-chosen share scores optimistically", () => {
    const kept = trustSentences([{ ...m('srda', 0.53), detailWeight: 0.41 }, m('bicubic', 0.542)], 1698, 849);
    expect(kept.perMethod[0].text).toMatch(/^SRDA-Net is 2 % better than bicubic .* The output keeps 41 % of SRDA-Net's detail over bicubic, the share this loop supports; the loop chose that share, so this score is optimistic\.$/);
    const none = trustSentences([{ ...m('srda', 0.542), detailWeight: 0 }, m('bicubic', 0.542)], 1698, 849);
    expect(none.perMethod[0].text).toMatch(/Its detail is not supported here, so the output is the bicubic result\.$/);
  });

  it('says when SRDA-Net averaged over orientations, and not otherwise', () => {
    const eight = trustSentences([{ ...m('srda', 0.5), detailWeight: 0.6, orientations: 8 }, m('bicubic', 0.542)], 1698, 849);
    expect(eight.perMethod[0].text).toMatch(/the loop chose that share, so this score is optimistic\. Its prediction is the mean over 8 orientations of its input \(mirrored, rotated, transposed\)\.$/);
    const two = trustSentences([{ ...m('srda', 0.5), detailWeight: 0.6, orientations: 2 }, m('bicubic', 0.542)], 1698, 849);
    expect(two.perMethod[0].text).toMatch(/optimistic\. Its prediction is the mean over 2 orientations of its input \(as it is and rotated 180 degrees\)\.$/);
    const one = trustSentences([{ ...m('srda', 0.5), detailWeight: 0.6 }, m('bicubic', 0.542)], 1698, 849);
    expect(one.perMethod[0].text).not.toMatch(/orientations/);
  });

  it('says when the check ran on a sample of a large scene, with its pixel count, and nothing when it ran on all of it', () => {
    // h14v09 (71 % ocean): its 9 windows hold 112,896 pixels, 25,552 of them scored.
    expect(loopSampleNote({ scoredPixels: 25552, windows: 9 })).toBe(
      'On this large scene the check runs on 9 windows spread across it (25,552 valid pixels scored), the same sample the detail weight is fitted on, not on every pixel.',
    );
    expect(loopSampleNote({ scoredPixels: 25552 })).toBeUndefined();
    expect(loopSampleNote({})).toBeUndefined();
  });
});

describe('truthSentence', () => {
  const row = (method: string, stage: number, detailRmseK: number, detailCorr: number) => ({
    method, stage, pixelSizeM: stage === 2 ? 231.7 : 463.3, how: 'resampled' as const,
    n: 1000, rmseK: 2, biasK: -0.6, offsetFreeRmseK: 1.9, detailPixels: 990, detailRmseK, detailCorr, truthDetailSdK: 1.6,
  });
  it("judges the finest output's detail against bicubic's, naming the file", () => {
    const truth = { name: 'ASTER_LST_250m.tif', pixelSizeM: 231.7, finerStages: [], rows: [row('srda', 1, 1.0, 0.7), row('bicubic', 1, 1.2, 0.5), row('srda', 2, 0.94, 0.65), row('bicubic', 2, 1.08, 0.45)] };
    expect(truthSentence(truth)).toBe("At 232 m, SRDA-Net's detail within each input pixel is 13 % closer to ASTER_LST_250m.tif's than bicubic's (detail RMSE 0.94 vs 1.08 K, correlation 0.65 vs 0.45, 990 pixels).");
    const worse = { ...truth, rows: [row('tsharp', 2, 1.58, 0.6), row('bicubic', 2, 1.39, 0.51)] };
    expect(truthSentence(worse)).toMatch(/^At 232 m, TsHARP's detail within each input pixel is 14 % farther from ASTER_LST_250m.tif's than bicubic's/);
  });
  it('says nothing without bicubic to compare with', () => {
    expect(truthSentence({ name: 'a.tif', rows: [row('srda', 1, 1, 0.5)] })).toBeUndefined();
  });
  it("says where the finest outputs, finer than the file, were scored at its resolution", () => {
    const at = (r: ReturnType<typeof row>) => ({ ...r, pixelSizeM: 60, how: 'output-block-averaged' as const, scoredPixelSizeM: 120, outputBlockPx: 2 });
    const truth = { name: 'para_bt_120m.tif', rows: [at(row('tsharp', 2, 0.2, 0.66)), at(row('bicubic', 2, 0.21, 0.65))] };
    expect(truthSentence(truth)).toMatch(/^At 120 m \(the 60 m outputs block-averaged onto para_bt_120m\.tif's grid\), TsHARP's detail within each input pixel is 5 % closer to para_bt_120m\.tif's than bicubic's/);
    expect(truthResolutionWords(truth)).toBe('The 60 m output is finer than para_bt_120m.tif, so it is scored at its 120 m resolution: block-averaged 2 x 2 onto its grid.');
    const both = { name: 'MOD11A2_1km.tif', rows: [1, 2].map((k) => ({ ...row('bicubic', k, 1, 0.5), pixelSizeM: 849 / 2 ** k, scoredPixelSizeM: 849, outputBlockPx: 2 ** k })) };
    expect(truthResolutionWords(both)).toBe('The 425 m and 212 m outputs are finer than MOD11A2_1km.tif, so they are scored at its 849 m resolution: block-averaged 2 x 2 and 4 x 4 onto its grid.');
    expect(truthResolutionWords({ name: 'a.tif', rows: [row('srda', 1, 1, 0.5)] })).toBeUndefined();
    // No detail: a 240 m truth over 30 m outputs of a 240 m input (8 x 8, an input pixel each); a 90 m one (3 x 3, 8/3 of them across an input pixel).
    const flat = (blockPx: number, scoredPixelSizeM: number) => ({ ...row('bicubic', 3, Number.NaN, Number.NaN), pixelSizeM: 30, detailPixels: 0, scoredPixelSizeM, outputBlockPx: blockPx });
    expect(truthResolutionWords({ name: 'bt_240m.tif', rows: [flat(8, 240)] })).toBe("The 30 m output is finer than bt_240m.tif, so it is scored at its 240 m resolution: block-averaged 8 x 8 onto its grid, with no detail scored where its pixels are as coarse as the input LST's.");
    expect(truthResolutionWords({ name: 'bt_90m.tif', rows: [flat(3, 90)] })).toBe("The 30 m output is finer than bt_90m.tif, so it is scored at its 90 m resolution: block-averaged 3 x 3 onto its grid, with no detail scored where its pixels do not tile the input LST's.");
  });
  it('shows no rows of finer outputs that repeat the scores of the outputs at the file\'s resolution, and says why instead', () => {
    // Para with residual correction: the 60 m outputs block-averaged 2 x 2 score as the 120 m outputs (to 1e-7 K).
    const at120 = (r: ReturnType<typeof row>) => ({ ...r, pixelSizeM: 120 });
    const at60 = (r: ReturnType<typeof row>, d = 0) => ({ ...r, pixelSizeM: 60, how: 'output-block-averaged' as const, scoredPixelSizeM: 120, outputBlockPx: 2, rmseK: r.rmseK + d });
    const coarse = [at120(row('tsharp', 1, 0.2029, 0.66)), at120(row('bicubic', 1, 0.2103, 0.65))];
    const same = [...coarse, at60(row('tsharp', 2, 0.2029, 0.66), 8e-8), at60(row('bicubic', 2, 0.2103, 0.65))];
    const truth = { name: 'para_bt_120m.tif', rows: same.map((r) => (r.stage === 2 ? { ...r, repeatsStage: 1 } : r)) };
    expect(shownTruthRows(truth.rows).map((r) => `${r.method} ${r.stage}`)).toEqual(['tsharp 1', 'bicubic 1']);
    expect(truthResolutionWords(truth)).toBe(
      "The 60 m outputs average back exactly to the 120 m outputs (residual correction keeps each block's mean), so against para_bt_120m.tif they score as the 120 m rows; para_bt_120m.tif cannot score detail finer than 120 m.",
    );
    expect(truthSentence(truth)).toMatch(/^At 120 m, TsHARP's detail within each input pixel is 4 % closer to para_bt_120m\.tif's than bicubic's/);
  });
});
