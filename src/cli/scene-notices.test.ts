import { describe, expect, it } from 'vitest';
import { sceneNotices } from './scene-notices.ts';

describe('the scene notes a plain downscale prints', () => {
  it('prints each note once, as the app words it, adding nothing read back from their words', () => {
    const a = 'NDVI computed from red and NIR.';
    const b = 'The cloud mask m.tif masks 90 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow). Give the files of a clearer date if there is one.';
    expect(sceneNotices([a, b, a])).toEqual([a, b]);
    // Before, a note that read 'removed 900 of the 1000 valid LST pixels' got a second piece of advice parsed from its words.
    const c = 'The QC and the cloud mask removed 900 of the 1000 valid LST pixels.';
    expect(sceneNotices([c])).toEqual([c]);
  });
});
