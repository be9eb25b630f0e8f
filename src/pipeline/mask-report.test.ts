import { describe, expect, it } from 'vitest';
import { maskCount, maskedShareWords, maskNotices, percentWords, type SceneMaskReport } from './mask-report.ts';

const ADVICE = 'Pick a clearer date if you can.';
const CLOUD_WHAT = '(every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow)';

describe('the masked share in words', () => {
  it('says none, a count under 1 % or over 99 %, and a rounded share otherwise: never "0 %" or "100 %" that is not so', () => {
    expect(maskedShareWords(0, 1970396)).toBe('none of the 1970396 valid LST pixels');
    expect(maskedShareWords(4, 1970396)).toBe('4 of the 1970396 valid LST pixels, under 1 %');
    expect(maskedShareWords(16804, 62500)).toBe('27 % of the valid LST pixels');
    expect(maskedShareWords(995, 1000)).toBe('995 of the 1000 valid LST pixels, over 99 %');
    expect(maskedShareWords(1000, 1000)).toBe('100 % of the valid LST pixels');
    // The app's scene line, beside the file names and the date-gap box: short enough to keep one line at 1440 px.
    expect(maskedShareWords(0, 2304, true)).toBe('none of 2304 px');
    expect(maskedShareWords(4, 1970396, true)).toBe('4 of 1970396 px, under 1 %');
    expect(maskedShareWords(16804, 62500, true)).toBe('27 %');
    expect(maskedShareWords(995, 1000, true)).toBe('995 of 1000 px, over 99 %');
  });

  it('gives a share as a percentage that is never "0 %" or "100 %" when it is not so (a grid coverage, a QC share)', () => {
    // ECOSTRESS 2023-07-28: 2 of 1,971,448 pixels said "0 %" before.
    expect(percentWords(2 / 1971448)).toBe('under 1 %');
    expect(percentWords(0.996)).toBe('over 99 %');
    expect([percentWords(0), percentWords(0.27), percentWords(1)]).toEqual(['0 %', '27 %', '100 %']);
  });
});

describe('the mask notes, written from the counts alone', () => {
  const report = (qc?: [number, number], cloud?: [number, number], coverage?: number): SceneMaskReport => {
    const first = qc ?? cloud!;
    const masked = (qc?.[1] ?? 0) + (cloud?.[1] ?? 0);
    return {
      ...maskCount(first[0], masked),
      ...(qc ? { qc: { ...maskCount(...qc), name: 'q.tif' } } : {}),
      ...(cloud ? { cloudMask: { ...maskCount(...cloud), name: 'm.tif', ...(coverage !== undefined ? { coverage } : {}) } } : {}),
    };
  };

  it('says once per mask what it takes, naming its file; the QC alone under half is not a warning before the run', () => {
    expect(maskNotices(report([1680, 32]), ADVICE)).toEqual([{ text: 'The QC q.tif masks 2 % of the valid LST pixels (cloud or poor quality).', isWarning: false }]);
    expect(maskNotices(report(undefined, [62500, 0]), ADVICE)).toEqual([
      { text: 'The cloud mask m.tif masks none of the 62500 valid LST pixels: it is 0 (clear) or nodata wherever the LST is valid.', isWarning: true },
    ]);
    expect(maskNotices(report(undefined, [1971448, 2]), ADVICE)[0].text).toBe(`The cloud mask m.tif masks 2 of the 1971448 valid LST pixels, under 1 % ${CLOUD_WHAT}.`);
  });

  it('advises another date once, on the last note, when the masks together take most of the LST though neither alone does', () => {
    // QC 400 of 1000, the cloud mask 200 of the 600 the QC kept: 60 % together.
    const notes = maskNotices(report([1000, 400], [600, 200]), ADVICE);
    expect(notes).toEqual([
      { text: 'The QC q.tif masks 40 % of the valid LST pixels (cloud or poor quality).', isWarning: true },
      { text: `The cloud mask m.tif masks 33 % of the valid LST pixels ${CLOUD_WHAT}. Together they mask 60 % of the valid LST pixels. ${ADVICE}`, isWarning: true },
    ]);
    expect(maskNotices(report([1000, 700]), 'Give the files of a clearer date if there is one.')).toEqual([
      { text: 'The QC q.tif masks 70 % of the valid LST pixels (cloud or poor quality). Give the files of a clearer date if there is one.', isWarning: true },
    ]);
    expect(maskNotices(report(undefined, [1000, 995]), ADVICE)[0].text).toBe(`The cloud mask m.tif masks 995 of the 1000 valid LST pixels, over 99 % ${CLOUD_WHAT}. ${ADVICE}`);
    expect(maskNotices(report([1000, 500]), ADVICE)[0].text).not.toContain(ADVICE);
  });

  it('says a reprojected cloud mask that covers part of the LST leaves the rest unmasked', () => {
    expect(maskNotices(report(undefined, [62500, 7540], 0.5), ADVICE)[0].text).toBe(
      `The cloud mask m.tif masks 12 % of the valid LST pixels ${CLOUD_WHAT}. It is on another grid than the LST and was reprojected onto it by georeference (nearest mask pixel); it covers only 50 % of the LST, and the LST outside it is not masked: use a cloud mask that covers the whole scene.`,
    );
    expect(maskNotices(report(undefined, [62500, 7540], 1), ADVICE)[0].text).toMatch(/reprojected onto it by georeference \(nearest mask pixel\)\.$/);
  });
});

describe('the water mask note', () => {
  it('says what the water mask takes among the pixels the QC and cloud mask kept, and what its 0 is when it takes none', () => {
    const water = { ...maskCount(800, 200), name: 'w.tif' };
    const notes = maskNotices({ ...maskCount(1000, 200), waterMask: water }, 'advice');
    expect(notes).toEqual([{ text: 'The water mask w.tif masks 25 % of the valid LST pixels (every pixel where it is not 0: water, as Fmask water is masked).', isWarning: true }]);
    const dry = maskNotices({ ...maskCount(1000, 0), waterMask: { ...maskCount(1000, 0), name: 'w.tif' } }, 'advice');
    expect(dry[0].text).toBe('The water mask w.tif masks none of the 1000 valid LST pixels: it is 0 (land) or nodata wherever the LST is valid.');
  });
});
