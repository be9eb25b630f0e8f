import { MODIS_SINUSOIDAL } from '../geo/crs.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../progress.ts';
import type { Affine } from '../geo/affine.ts';
import type { AuxName, Grid, Raster } from '../raster/raster.ts';
import { buildLandCover } from './landcover.ts';
import { computeLst } from './lst.ts';
import { fbmField } from './noise.ts';
import { quantile } from './grid-ops.ts';
import { subSeed } from '../random.ts';
import { resolveSceneParams, type SceneOptions, type SceneParams } from './scene-options.ts';
import { applyHaze, bandsFromIndices, buildSurface, potentialMoisture } from './surface.ts';
import { buildTerrain, cosIncidence, toPx, WATER_SEA } from './terrain.ts';

export { randomSceneOptions, resolveSceneParams, SCENE_TYPES } from './scene-options.ts';
export type { SceneOptions, SceneParams, SceneType } from './scene-options.ts';
export { LC } from './landcover.ts';

/**
 * A synthetic scene on a north-up fine grid (`width x height`, square `pixelSizeM` pixels). Every
 * layer is a row-major Float32Array `width*height` long owned by the caller. All layers are
 * complete (no NaN) except `lstK` under clouds or a masked sea.
 */
export interface SyntheticScene {
  width: number;
  height: number;
  pixelSizeM: number;
  /** Fine-scale LST truth, K; NaN where `cloudMask` is 1 or over the sea when `maskOcean`. */
  lstK: Float32Array;
  /** Elevation, m a.s.l. */
  dem: Float32Array;
  /** Observed NDVI (from red/NIR, so haze-affected), -1..1. */
  ndvi: Float32Array;
  /** Observed NDWI, Gao 1996: (NIR - SWIR)/(NIR + SWIR), -1..1. */
  ndwi: Float32Array;
  /** Broadband surface albedo, 0-1 (haze-free, like a BRDF-corrected product). */
  albedo: Float32Array;
  /** Surface reflectances (red ~0.65 um, NIR ~0.86 um, SWIR ~1.6 um), 0-1 (haze added). */
  red: Float32Array;
  nir: Float32Array;
  swir: Float32Array;
  /** IGBP land-cover codes as floats (see `LC`). */
  landcover: Float32Array;
  /** Relative soil moisture, 0 (dry) - 1 (saturated; 1 on water). */
  moisture: Float32Array;
  /** Cosine of the solar incidence angle on the terrain (day and night alike: the sun geometry of the parameters). */
  cosIncidence: Float32Array;
  /** 1 under cloud, 0 clear (present when `cloudFraction` > 0). */
  cloudMask?: Float32Array;
  /** Every parameter used, resolved. */
  params: SceneParams;
  /** Standard deviation of the LST residual no auxiliary layer explains, K. */
  residualStdK: number;
  /** That residual's share of the land LST variance. */
  residualShare: number;
}

/**
 * Generates a deterministic synthetic scene: the same options give bit-identical layers on every
 * machine (seeded integer hashing, no Math.random). Order: terrain (DEM, rivers, lakes, sea) ->
 * potential soil moisture -> land cover -> moisture/NDVI/NDWI/albedo -> LST truth from the
 * surface state -> reflectances (+ optional haze, which changes the observed NDVI/NDWI but not
 * the LST) -> clouds / sea mask. Relations and coefficients are documented on `buildTerrain`,
 * `potentialMoisture`, `buildLandCover`, `buildSurface`, `computeLst`, `bandsFromIndices`,
 * `applyHaze`. Synchronous; measured on a 2-core machine under heavy shared load: ~0.05 s CPU for
 * 256x256, ~0.6 s for 1024x1024, ~2.2 s for 2048x2048, ~25-29 s for 4800x4800 (2 GB resident);
 * use {@link generateSceneAsync} for large scenes in a UI or a cancellable job.
 * @throws AppError BAD_ARGUMENT for invalid options (see `resolveSceneParams`).
 */
export function generateScene(options: SceneOptions): SyntheticScene {
  const steps = sceneSteps(options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Names of the generation stages reported by {@link generateSceneAsync}, in order. */
export const SCENE_STAGES = ['terrain', 'land cover', 'surface', 'lst', 'bands', 'masks'] as const;

/**
 * {@link generateScene} for large scenes on a UI thread or in a cancellable job: yields to the
 * event loop between stages, reports `{ stage: 'synthetic scene', done, total, detail: <stage> }`
 * and throws a CANCELLED AppError when `signal` fires. Same output as `generateScene`.
 */
export async function generateSceneAsync(
  options: SceneOptions,
  run: RunOptions = {},
): Promise<SyntheticScene> {
  throwIfAborted(run.signal);
  const steps = sceneSteps(options);
  let done = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    done++;
    run.onProgress?.({ stage: 'synthetic scene', done, total: SCENE_STAGES.length, detail: r.value });
    await yieldToEventLoop();
    throwIfAborted(run.signal);
  }
}

function* sceneSteps(options: SceneOptions): Generator<string, SyntheticScene> {
  const p = resolveSceneParams(options);
  const { width: w, height: h, pixelSizeM: px } = p;
  const terrain = buildTerrain(p);
  const cosI = cosIncidence(terrain.dem, w, h, px, p.sunElevationDeg, p.sunAzimuthDeg);
  yield SCENE_STAGES[0];
  const wetness = potentialMoisture(p, terrain);
  const lc = buildLandCover(p, terrain, wetness);
  yield SCENE_STAGES[1];
  const surface = buildSurface(p, lc, wetness);
  yield SCENE_STAGES[2];
  const lst = computeLst(p, terrain, lc, surface, cosI);
  yield SCENE_STAGES[3];
  const bands = bandsFromIndices(surface.ndvi, surface.ndwi, surface.albedo);
  applyHaze(p, bands, surface.ndvi, surface.ndwi);
  yield SCENE_STAGES[4];
  const lstK = lst.lstK;
  let cloudMask: Float32Array | undefined;
  if (p.cloudFraction > 0) {
    const c = fbmField(w, h, {
      seed: subSeed(p.seed, 'clouds'),
      largestCellPx: toPx(20_000, p),
      smallestCellPx: toPx(500, p),
      persistence: 0.55,
    });
    const thr = quantile(c, 1 - p.cloudFraction);
    cloudMask = new Float32Array(w * h);
    for (let i = 0; i < c.length; i++) {
      if (c[i] > thr) {
        cloudMask[i] = 1;
        lstK[i] = Number.NaN;
      }
    }
  }
  if (p.maskOcean) {
    for (let i = 0; i < lstK.length; i++) if (terrain.waterKind[i] === WATER_SEA) lstK[i] = Number.NaN;
  }
  const landcover = new Float32Array(w * h);
  for (let i = 0; i < landcover.length; i++) landcover[i] = lc.classes[i];
  yield SCENE_STAGES[5];
  return {
    width: w,
    height: h,
    pixelSizeM: px,
    lstK,
    dem: terrain.dem,
    ndvi: surface.ndvi,
    ndwi: surface.ndwi,
    albedo: surface.albedo,
    red: bands.red,
    nir: bands.nir,
    swir: bands.swir,
    landcover,
    moisture: surface.moisture,
    cosIncidence: cosI,
    cloudMask,
    params: p,
    residualStdK: lst.residualStdK,
    residualShare: lst.residualShare,
  };
}

/**
 * The bundled demo scene: 480x480 fine pixels of 250 m (120 km, i.e. 120x120 MODIS 1 km LST
 * pixels after `degradeArray(..., 4)`), a daytime coastal landscape with a city, fields, a river
 * valley and a little haze. Fixed forever so screenshots, tests and the model card agree.
 */
export const DEMO_SCENE: Readonly<SceneOptions> = Object.freeze({
  seed: 20251103,
  width: 480,
  height: 480,
  pixelSizeM: 250,
  sceneType: 'coastal',
  timeOfDay: 'day',
  airTempK: 298,
  sunElevationDeg: 55,
  sunAzimuthDeg: 150,
  urbanFraction: 0.1,
  haze: 0.15,
  residualFraction: 0.12,
});

/**
 * A georeferenced grid for a scene: north-up, square `pixelSizeM` pixels, upper-left corner at
 * (`originX`, `originY`) in `crs` (default: MODIS sinusoidal, upper-left near 40.0 N 0.6 W).
 */
export function sceneGrid(
  scene: Pick<SyntheticScene, 'width' | 'height' | 'pixelSizeM'>,
  place: { originX?: number; originY?: number; crs?: Grid['crs'] } = {},
): Grid {
  const x0 = place.originX ?? -50_000;
  const y0 = place.originY ?? 4_450_000;
  const transform: Affine = [x0, scene.pixelSizeM, 0, y0, 0, -scene.pixelSizeM];
  return { width: scene.width, height: scene.height, transform, crs: place.crs ?? MODIS_SINUSOIDAL };
}

/** One layer of a scene as a project `Raster` on `grid` (shares the array, does not copy). */
export function sceneRaster(
  scene: SyntheticScene,
  layer: AuxName | 'lst',
  grid: Grid = sceneGrid(scene),
): Raster {
  const data = layer === 'lst' ? scene.lstK : scene[layer];
  return { ...grid, data };
}
