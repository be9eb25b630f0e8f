import type { StageInput, StageMethod } from '../method.ts';
import { upsampleArray, upsampleHaloPx } from '../../core/raster/resample.ts';

/** Bicubic interpolation of the coarse LST alone (no auxiliary data); halo 4 coarse pixels (kernel + gap filling). */
export const bicubicMethod: StageMethod = {
  id: 'bicubic',
  label: 'Bicubic interpolation',
  usesAux: [],
  haloCoarsePx: upsampleHaloPx('bicubic'),
  readsCoarseAux: false,
  runStage(input: StageInput): Promise<Float32Array> {
    const { data, width, height } = input.coarseLst;
    return Promise.resolve(upsampleArray(data, width, height, 2, 'bicubic'));
  },
};
