import { AppError } from '../core/errors.ts';
import { gridPixelSize, refineGrid } from '../core/geo/grid.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import type { MethodId } from './method.ts';
import type { Scene, SceneLevel } from './scene.ts';

/** Stages of an LST-only run when none are asked: MODIS 1 km -> 500 m -> 250 m. */
export const LST_ONLY_DEFAULT_STAGES = 2;

function approxPixelM(r: Grid): number {
  const p = gridPixelSize(r).x;
  if (!r.crs.isGeographic) return p;
  const lat = r.transform[3] + (r.height / 2) * r.transform[5];
  return p * 111320 * Math.cos((lat * Math.PI) / 180);
}

/**
 * A scene without auxiliary layers (a raw MOD11A1 `.hdf` on its own): the LST grid is the coarse
 * grid and each stage halves its pixel. Only interpolation (bicubic) can run on it.
 */
export function prepareLstOnlyScene(lst: Raster, stages: number, notes: string[]): Scene {
  if (!Number.isInteger(stages) || stages < 1 || stages > 6)
    throw new AppError('BAD_ARGUMENT', `stages must be an integer 1..6 for an LST-only run, got ${stages}.`);
  const levels: SceneLevel[] = [];
  for (let s = 0; s <= stages; s++) {
    const grid =
      s === 0
        ? { width: lst.width, height: lst.height, transform: lst.transform, crs: lst.crs }
        : refineGrid(levels[s - 1].grid, 2);
    levels.push({ grid, aux: {}, pixelSizeM: approxPixelM(grid) });
  }
  notes.push(
    `No guide layer (LST-only run): the LST alone is refined ${2 ** stages}x in ${stages} factor-2 stage(s); add NDVI or red + NIR for the guided methods.`,
  );
  const whole = { col: 0, row: 0, width: lst.width, height: lst.height };
  return {
    lst,
    levels,
    stages,
    notes,
    alignment: {
      lst: 'exact',
      lstWindow: whole,
      auxWindow: whole,
      auxGrid: levels[0].grid,
      lstGrid: levels[0].grid,
    },
  };
}

/** True for a scene prepared without auxiliary layers. */
export function isLstOnlyScene(scene: Scene): boolean {
  return scene.levels.every((l) => Object.keys(l.aux).length === 0);
}

/** MISSING_BAND unless `method` can run on `scene` (bicubic and SRDA-Net's LST-only mode run without auxiliary layers). */
export function requireAuxFor(method: MethodId, scene: Scene): void {
  if (method === 'bicubic' || method === 'srda' || !isLstOnlyScene(scene)) return;
  throw new AppError(
    'MISSING_BAND',
    `Method ${method} needs an auxiliary layer (NDVI, or red + NIR): this scene has the LST only. Add an NDVI file, or choose bicubic or SRDA-Net.`,
  );
}
