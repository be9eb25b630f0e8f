import { describe, expect, it } from 'vitest';
import { joinList, shownTruthRows, truthResolutionWords, truthSentence, unscoredFinerWords } from './truth-words.ts';

describe('the sentences on outputs finer than an independent LST read their lists as English', () => {
  it('joins one, two and three words as "a", "a and b", "a, b and c"', () => {
    expect([[], ['a'], ['a', 'b'], ['a', 'b', 'c']].map(joinList)).toEqual(['', 'a', 'a and b', 'a, b and c']);
  });

  it('lists 1, 2 and 3 outputs not scored', () => {
    expect(unscoredFinerWords('t.tif', ['30 m'], 'why')).toBe('The 30 m output is finer than t.tif and was not scored against it: why.');
    expect(unscoredFinerWords('t.tif', ['60 m', '30 m'])).toBe('The 60 m and 30 m outputs are finer than t.tif and were not scored against it.');
    expect(unscoredFinerWords('t.tif', ['120 m', '60 m', '30 m'], 'why')).toBe('The 120 m, 60 m and 30 m outputs are finer than t.tif and were not scored against it: why.');
  });

  // A 480 m truth over outputs of a 960 m input downscaled to 240, 120, 60 and 30 m (stages 2-5; 2^k output pixels per input pixel).
  const row = (stage: number, repeatsStage?: number) => ({
    method: 'bicubic', stage, pixelSizeM: 960 / 2 ** stage, detailPixels: 100, detailRmseK: 0.5, detailCorr: 0.6, scoredPixelSizeM: 480, outputBlockPx: 2 ** (stage - 1), ...(repeatsStage !== undefined ? { repeatsStage } : {}),
  });
  it('lists 1, 2 and 3 outputs scored at the truth\'s resolution, and their blocks', () => {
    const words = (stages: number[]) => truthResolutionWords({ name: 't.tif', rows: stages.map((k) => row(k)) });
    expect(words([2])).toBe('The 240 m output is finer than t.tif, so it is scored at its 480 m resolution: block-averaged 2 x 2 onto its grid.');
    expect(words([2, 3])).toBe('The 240 m and 120 m outputs are finer than t.tif, so they are scored at its 480 m resolution: block-averaged 2 x 2 and 4 x 4 onto its grid.');
    expect(words([2, 3, 4])).toBe('The 240 m, 120 m and 60 m outputs are finer than t.tif, so they are scored at its 480 m resolution: block-averaged 2 x 2, 4 x 4 and 8 x 8 onto its grid.');
  });

  it('lists 1, 2 and 3 outputs that repeat a coarser one\'s rows', () => {
    const words = (stages: number[]) => truthResolutionWords({ name: 't.tif', rows: [{ ...row(1), scoredPixelSizeM: undefined, outputBlockPx: undefined }, ...stages.map((k) => row(k, 1))] });
    const tail = "average back exactly to the 480 m outputs (residual correction keeps each block's mean), so against t.tif they score as the 480 m rows; t.tif cannot score detail finer than 480 m.";
    expect(words([2])).toBe(`The 240 m outputs ${tail}`);
    expect(words([2, 3])).toBe(`The 240 m and 120 m outputs ${tail}`);
    expect(words([2, 3, 4])).toBe(`The 240 m, 120 m and 60 m outputs ${tail}`);
  });

  it("shows only the coarsest rows where every output is block-averaged onto a truth as coarse as the input LST and the finer ones repeat them, and says so after how it is scored", () => {
    // A 240 m truth over a 240 m input downscaled to 120, 60 and 30 m (no detail to score).
    const flat = (stage: number, repeatsStage?: number) => ({ ...row(stage, repeatsStage), pixelSizeM: 240 / 2 ** stage, scoredPixelSizeM: 240, outputBlockPx: 2 ** stage, detailPixels: 0, detailRmseK: Number.NaN, detailCorr: Number.NaN });
    const truth = { name: 'bt_240m.tif', rows: [flat(1), flat(2, 1), flat(3, 1)] };
    expect(shownTruthRows(truth.rows).map((r) => r.stage)).toEqual([1]);
    expect(truthResolutionWords(truth)).toBe(
      "The 120 m output is finer than bt_240m.tif, so it is scored at its 240 m resolution: block-averaged 2 x 2 onto its grid, with no detail scored where its pixels are as coarse as the input LST's. The 60 m and 30 m outputs average back exactly to the 120 m outputs (residual correction keeps each block's mean), so against bt_240m.tif they score as the 120 m rows; bt_240m.tif cannot score detail finer than 240 m.",
    );
    expect(truthSentence(truth)).toBeUndefined();
  });
});
