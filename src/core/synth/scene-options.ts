import { AppError } from '../errors.ts';
import { Rng, subSeed } from '../random.ts';

/** Landscape regimes the generator can draw; `mixed` blends all of them. */
export type SceneType = 'arid' | 'agricultural' | 'mountain' | 'urban' | 'coastal' | 'mixed';

/** All scene types, in a fixed order (for random draws and tests). */
export const SCENE_TYPES: readonly SceneType[] = [
  'arid',
  'agricultural',
  'mountain',
  'urban',
  'coastal',
  'mixed',
];

/**
 * A scene request. Only `seed`, `width`, `height` and `pixelSizeM` are required; every other field
 * left out is drawn from the seed within the ranges of `sceneType` (see {@link resolveSceneParams}).
 */
export interface SceneOptions {
  seed: number;
  /** Fine grid size in pixels. */
  width: number;
  height: number;
  /** Fine pixel size in metres (250 for MODIS-like, 30-120 for Landsat-like). */
  pixelSizeM: number;
  sceneType?: SceneType;
  /** Elevation range of the terrain before valley carving, metres. */
  reliefM?: number;
  /** Lowest terrain elevation (m a.s.l.); 0 for coastal scenes. */
  baseElevationM?: number;
  /** Daytime (solar heating, sunward slopes warmer) or night-time (radiative cooling) overpass. */
  timeOfDay?: 'day' | 'night';
  /** Near-surface air temperature at the scene's mean elevation, K (270-320). */
  airTempK?: number;
  /** Sun elevation above the horizon, degrees (day only). */
  sunElevationDeg?: number;
  /** Sun azimuth, degrees clockwise from grid north (day only). */
  sunAzimuthDeg?: number;
  /** Environmental lapse rate applied to LST, K per km of elevation; default -6.5. */
  lapseRateKPerKm?: number;
  /**
   * Share (0-0.9) of the fine LST variance over land that comes from correlated noise no auxiliary
   * layer explains; default drawn in 0.08-0.25.
   */
  residualFraction?: number;
  /** Surface urban heat island amplitude, K (3-8). */
  urbanHeatK?: number;
  /** Target fractions of the scene (approximate: the layout is noise-thresholded). */
  urbanFraction?: number;
  cropFraction?: number;
  lakeFraction?: number;
  /** Fraction of the scene that is sea (coastal scenes). */
  oceanFraction?: number;
  /**
   * River width, metres (60-400). Rivers narrower than 1/4 pixel are not mapped as water (their
   * valleys remain); mapped ones are at least ~0.7 pixel wide so they stay connected.
   */
  riverWidthM?: number;
  /** Typical crop field edge length, metres. */
  fieldSizeM?: number;
  /** Snow line elevation, m a.s.l.; NaN or absent = no snow. */
  snowLineM?: number;
  /**
   * Thin haze strength 0-1: path radiance added to red/NIR/SWIR after the LST is computed, so the
   * observed NDVI/NDWI lose contrast where the LST truth does not (a coarse/fine mismatch regime).
   */
  haze?: number;
  /** Fraction of the scene under cloud: LST is NaN there and `cloudMask` is 1. */
  cloudFraction?: number;
  /** Set LST to NaN over the sea (exercises tile skipping on mostly-ocean tiles). */
  maskOcean?: boolean;
}

/** Every generation parameter, resolved (nothing optional); stored with the scene. */
export interface SceneParams {
  seed: number;
  width: number;
  height: number;
  pixelSizeM: number;
  sceneType: SceneType;
  reliefM: number;
  baseElevationM: number;
  timeOfDay: 'day' | 'night';
  airTempK: number;
  sunElevationDeg: number;
  sunAzimuthDeg: number;
  lapseRateKPerKm: number;
  residualFraction: number;
  urbanHeatK: number;
  urbanFraction: number;
  cropFraction: number;
  lakeFraction: number;
  oceanFraction: number;
  riverWidthM: number;
  fieldSizeM: number;
  snowLineM: number;
  haze: number;
  cloudFraction: number;
  maskOcean: boolean;
  /** Mountain (ridged) share of the terrain, 0-1. */
  ruggedness: number;
  /** Climate dryness 0 (humid) - 1 (desert); lowers soil moisture everywhere. */
  aridity: number;
  /** Dry bare-soil broadband albedo (sand ~0.35, loam ~0.25). */
  soilAlbedoDry: number;
  /** Peak daytime excess of a dry, black, sun-facing surface over air, K (scaled by sun elevation). */
  solarHeatingK: number;
  /** Night radiative cooling of dry bare ground below air temperature, K. */
  nightCoolingK: number;
  /** Water surface minus air temperature, K (negative by day, positive at night). */
  waterOffsetK: number;
  /** Share of crop fields that are irrigated. */
  irrigatedShare: number;
}

interface Ranges {
  relief: [number, number];
  base: [number, number];
  ruggedness: [number, number];
  aridity: [number, number];
  urban: [number, number];
  crop: [number, number];
  lake: [number, number];
  ocean: [number, number];
  irrigated: [number, number];
  soil: [number, number];
}

const RANGES: Record<SceneType, Ranges> = {
  arid: {
    relief: [200, 1200],
    base: [200, 1200],
    ruggedness: [0.3, 0.7],
    aridity: [0.7, 0.95],
    urban: [0.01, 0.05],
    crop: [0.05, 0.2],
    lake: [0, 0.01],
    ocean: [0, 0],
    irrigated: [0.8, 1],
    soil: [0.3, 0.4],
  },
  agricultural: {
    relief: [40, 400],
    base: [0, 600],
    ruggedness: [0.1, 0.35],
    aridity: [0.15, 0.5],
    urban: [0.02, 0.06],
    crop: [0.5, 0.75],
    lake: [0.005, 0.03],
    ocean: [0, 0],
    irrigated: [0.1, 0.4],
    soil: [0.2, 0.28],
  },
  mountain: {
    relief: [1500, 3000],
    base: [300, 1500],
    ruggedness: [0.6, 1],
    aridity: [0.2, 0.6],
    urban: [0.002, 0.02],
    crop: [0.02, 0.1],
    lake: [0.005, 0.02],
    ocean: [0, 0],
    irrigated: [0, 0.2],
    soil: [0.2, 0.3],
  },
  urban: {
    relief: [50, 500],
    base: [0, 500],
    ruggedness: [0.1, 0.4],
    aridity: [0.2, 0.6],
    urban: [0.25, 0.45],
    crop: [0.1, 0.25],
    lake: [0.005, 0.03],
    ocean: [0, 0],
    irrigated: [0.1, 0.3],
    soil: [0.2, 0.3],
  },
  coastal: {
    relief: [100, 900],
    base: [0, 0],
    ruggedness: [0.2, 0.6],
    aridity: [0.1, 0.6],
    urban: [0.04, 0.12],
    crop: [0.15, 0.35],
    lake: [0, 0.02],
    ocean: [0.2, 0.45],
    irrigated: [0.1, 0.4],
    soil: [0.22, 0.32],
  },
  mixed: {
    relief: [300, 1600],
    base: [0, 900],
    ruggedness: [0.3, 0.7],
    aridity: [0.15, 0.7],
    urban: [0.02, 0.1],
    crop: [0.15, 0.4],
    lake: [0.005, 0.03],
    ocean: [0, 0],
    irrigated: [0.1, 0.5],
    soil: [0.22, 0.32],
  },
};

function check(cond: boolean, what: string): void {
  if (!cond) throw new AppError('BAD_ARGUMENT', `Synthetic scene: ${what}.`);
}

/**
 * Fills every option left out with a seeded draw from the scene type's ranges and validates the
 * rest. Pure: the same options always give the same parameters.
 * @throws AppError BAD_ARGUMENT for sizes < 8 px or > 16384 px, a non-positive pixel size, or
 *   out-of-range temperatures/fractions.
 */
export function resolveSceneParams(o: SceneOptions): SceneParams {
  check(Number.isInteger(o.width) && Number.isInteger(o.height), 'width and height must be integers');
  check(
    o.width >= 8 && o.height >= 8 && o.width <= 16384 && o.height <= 16384,
    `size ${o.width}x${o.height} must be 8..16384 px per side`,
  );
  check(Number.isFinite(o.pixelSizeM) && o.pixelSizeM > 0, `pixelSizeM ${o.pixelSizeM} must be positive`);
  check(Number.isFinite(o.seed), 'seed must be a finite number');
  const rng = new Rng(subSeed(o.seed, 'params'));
  const type = o.sceneType ?? 'mixed';
  check(SCENE_TYPES.includes(type), `unknown sceneType "${String(type)}"`);
  const r = RANGES[type];
  const draw = (v: number | undefined, range: [number, number]): number => {
    const d = rng.uniform(range[0], range[1]);
    return v ?? d;
  };
  const timeOfDay = o.timeOfDay ?? (rng.chance(0.75) ? 'day' : 'night');
  const isDay = timeOfDay === 'day';
  const airTempK = draw(
    o.airTempK,
    isDay ? (type === 'arid' ? [295, 318] : [275, 312]) : type === 'arid' ? [283, 303] : [270, 298],
  );
  check(airTempK >= 230 && airTempK <= 340, `airTempK ${airTempK} must be within 230..340 K`);
  const sunElevationDeg = draw(o.sunElevationDeg, [25, 70]);
  const sunAzimuthDeg = draw(o.sunAzimuthDeg, [100, 260]);
  const reliefM = draw(o.reliefM, r.relief);
  const residualFraction = draw(o.residualFraction, [0.08, 0.25]);
  check(
    residualFraction >= 0 && residualFraction <= 0.9,
    `residualFraction ${residualFraction} must be within 0..0.9`,
  );
  const snowDraw = rng.next();
  const baseElevationM = draw(o.baseElevationM, r.base);
  const peak = baseElevationM + reliefM;
  const defaultSnow =
    type === 'mountain' && snowDraw < 0.6 && airTempK < 300
      ? baseElevationM + reliefM * (0.7 + 0.25 * snowDraw)
      : Number.NaN;
  const p: SceneParams = {
    seed: o.seed,
    width: o.width,
    height: o.height,
    pixelSizeM: o.pixelSizeM,
    sceneType: type,
    reliefM,
    baseElevationM,
    timeOfDay,
    airTempK,
    sunElevationDeg,
    sunAzimuthDeg,
    lapseRateKPerKm: o.lapseRateKPerKm ?? -6.5,
    residualFraction,
    urbanHeatK: draw(o.urbanHeatK, [3, 8]),
    urbanFraction: draw(o.urbanFraction, r.urban),
    cropFraction: draw(o.cropFraction, r.crop),
    lakeFraction: draw(o.lakeFraction, r.lake),
    oceanFraction: draw(o.oceanFraction, r.ocean),
    riverWidthM: draw(o.riverWidthM, [60, 400]),
    fieldSizeM: draw(o.fieldSizeM, type === 'arid' ? [600, 900] : [250, 1200]),
    snowLineM: o.snowLineM ?? (defaultSnow < peak ? defaultSnow : Number.NaN),
    haze: draw(o.haze, rng.chance(0.3) ? [0.2, 1] : [0, 0]),
    cloudFraction: o.cloudFraction ?? 0,
    maskOcean: o.maskOcean ?? false,
    ruggedness: rng.uniform(r.ruggedness[0], r.ruggedness[1]),
    aridity: rng.uniform(r.aridity[0], r.aridity[1]),
    soilAlbedoDry: rng.uniform(r.soil[0], r.soil[1]),
    solarHeatingK: rng.uniform(22, 40) * Math.sin((sunElevationDeg * Math.PI) / 180),
    nightCoolingK: rng.uniform(3, 8),
    waterOffsetK: isDay ? rng.uniform(-5, -1) : rng.uniform(1.5, 5),
    irrigatedShare: rng.uniform(r.irrigated[0], r.irrigated[1]),
  };
  for (const k of [
    'urbanFraction',
    'cropFraction',
    'lakeFraction',
    'oceanFraction',
    'cloudFraction',
  ] as const) {
    check(p[k] >= 0 && p[k] <= 0.95, `${k} ${p[k]} must be within 0..0.95`);
  }
  check(p.haze >= 0 && p.haze <= 1, `haze ${p.haze} must be within 0..1`);
  check(
    p.sunElevationDeg > 0 && p.sunElevationDeg <= 90,
    `sunElevationDeg ${p.sunElevationDeg} must be within (0, 90]`,
  );
  return p;
}

/**
 * A varied, seeded option set for training: a scene type drawn uniformly, and everything else left
 * to {@link resolveSceneParams} except a few regime switches (night share 25 %, haze 30 %, clouds
 * 15 %). Size and pixel size are the caller's.
 */
export function randomSceneOptions(
  seed: number,
  grid: { width: number; height: number; pixelSizeM: number } = { width: 256, height: 256, pixelSizeM: 250 },
): SceneOptions {
  const rng = new Rng(subSeed(seed, 'random-options'));
  const sceneType = rng.pick(SCENE_TYPES);
  return {
    seed,
    ...grid,
    sceneType,
    timeOfDay: rng.chance(0.75) ? 'day' : 'night',
    haze: rng.chance(0.3) ? rng.uniform(0.2, 1) : 0,
    cloudFraction: rng.chance(0.15) ? rng.uniform(0.05, 0.4) : 0,
    residualFraction: rng.uniform(0.05, 0.3),
  };
}
