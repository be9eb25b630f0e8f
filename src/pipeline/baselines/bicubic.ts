import type { StageInput, StageMethod } from '../method.ts';
import { bicubicUpsampleData } from '../raster-ops.ts';

/** Bicubic interpolation of the coarse LST alone (no auxiliary data); halo 2 coarse pixels. */
export const bicubicMethod: StageMethod = {
  id: 'bicubic',
  label: 'Bicubic interpolation',
  usesAux: [],
  haloCoarsePx: 2,
  runStage(input: StageInput): Promise<Float32Array> {
    const { data, width, height } = input.coarseLst;
    return Promise.resolve(bicubicUpsampleData(data, width, height, 2));
  },
};
