import { describe, expect, it } from 'vitest';
import { sceneNotices } from './scene-notices.ts';

describe('the scene notes a plain downscale prints', () => {
  it('prints each note once, as the app words it', () => {
    const a = 'NDVI computed from red and NIR.';
    const b = 'QC mask removed 32 of the 1680 valid LST pixels.';
    expect(sceneNotices([a, b, a])).toEqual([a, b]);
  });

  it('tells what to do once when a mask takes most of the LST, not when the note already says it', () => {
    expect(sceneNotices(['The cloud mask removed 900 of the 1000 valid LST pixels.', 'The cloud mask m.tif masks 90 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).'])).toEqual([
      'The cloud mask removed 900 of the 1000 valid LST pixels. Most of the LST is masked: give the files of a clearer date if there is one.',
      'The cloud mask m.tif masks 90 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).',
    ]);
    const qc = 'The QC q.tif masks 70 % of the valid LST pixels (cloud or poor quality). Pick a clearer date if you can.';
    expect(sceneNotices([qc, 'QC mask removed 700 of the 1000 valid LST pixels.'])).toEqual([qc, 'QC mask removed 700 of the 1000 valid LST pixels.']);
    expect(sceneNotices(['QC mask removed 32 of the 1680 valid LST pixels.'])).toEqual(['QC mask removed 32 of the 1680 valid LST pixels.']);
  });

  it('reads a share said as a count: a cloud mask over 99 % gets the advice, one under 1 % does not', () => {
    const most = 'The cloud mask m.tif masks 995 of the 1000 valid LST pixels, over 99 % (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).';
    expect(sceneNotices([most])).toEqual([`${most} Most of the LST is masked: give the files of a clearer date if there is one.`]);
    const few = 'The cloud mask m.tif masks 2 of the 1971448 valid LST pixels, under 1 % (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).';
    expect(sceneNotices([few])).toEqual([few]);
  });
});
