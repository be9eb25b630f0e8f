import { unpackRaster } from '../core/raster/packed.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import type { Scene } from '../pipeline/scene.ts';

/** First native row south of every training split of `referenceFactors` (see southOfTraining). */
function trainingRows(scene: Scene, referenceFactors: readonly number[]): number {
  return Math.max(...referenceFactors.map((f) => Math.floor(Math.floor(Math.ceil(scene.lst.height / f) / 2) / 2) * 2 * f));
}

/** Rows `row0 .. row0 + height` of a prepared zero-stage scene: its LST and every guide. */
function sceneRows(scene: Scene, row0: number, height: number): Scene {
  const l0 = scene.levels[0];
  const aux = Object.fromEntries(Object.entries(l0.aux).map(([k, r]) => [k, cropRaster(unpackRaster(r!), { col: 0, row: row0, width: r!.width, height })]));
  const lst = cropRaster(scene.lst, { col: 0, row: row0, width: scene.lst.width, height });
  return { ...scene, lst, levels: [{ ...l0, grid: { width: lst.width, height: lst.height, transform: lst.transform, crs: lst.crs }, aux }], stages: 0 };
}

/**
 * The rows of a prepared (zero-stage) scene south of every training split: training on a `north`
 * scene (cli/train-real.ts) takes the northern half of the coarse loop grid at each of its
 * reference factors, so no truth scored on these rows was seen in training.
 */
export function southOfTraining(scene: Scene, referenceFactors: readonly number[]): Scene {
  const row0 = trainingRows(scene, referenceFactors);
  return sceneRows(scene, row0, scene.lst.height - row0);
}

/**
 * The rows north of southOfTraining's cut: the part of a `north` scene that training may have
 * seen. For analysis that must not look at the scored rows (choosing a setting, say).
 */
export function northOfEvaluation(scene: Scene, referenceFactors: readonly number[]): Scene {
  return sceneRows(scene, 0, trainingRows(scene, referenceFactors));
}
