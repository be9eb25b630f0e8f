import { fbmField } from './noise.ts';
import { boxBlur, distanceToMask, quantile } from './grid-ops.ts';
import { subSeed } from '../random.ts';
import type { SceneParams } from './scene-options.ts';

/** Water body kinds in {@link Terrain.waterKind}. */
export const WATER_NONE = 0;
export const WATER_RIVER = 1;
export const WATER_LAKE = 2;
export const WATER_SEA = 3;

/** Terrain and hydrography of a scene, all on the fine grid. */
export interface Terrain {
  /** Elevation, m a.s.l. (0 over the sea). */
  dem: Float32Array;
  /** Terrain height normalised to 0 (lowest) - 1 (highest) before valley carving. */
  relHeight: Float32Array;
  /** WATER_* code per pixel. */
  waterKind: Uint8Array;
  /** Distance to the nearest water pixel, metres (0 on water). */
  waterDistM: Float32Array;
  /** Topographic position: DEM minus its ~1.5 km mean, m (negative in valleys and hollows). */
  tpiM: Float32Array;
}

/** Converts a length in metres to pixels, at least `minPx`. */
export function toPx(m: number, p: SceneParams, minPx = 2): number {
  return Math.max(minPx, m / p.pixelSizeM);
}

/**
 * Builds the DEM: plain fractal relief (largest features 40 km) blended with ridged relief by
 * `ruggedness`, flattened at the bottom (height^1.5), valleys carved along the zero isolines of a
 * smooth noise field (rivers run in them), lakes in low hollows, and the sea on one side for
 * coastal scenes (land rises inland over ~5 km).
 */
export function buildTerrain(p: SceneParams): Terrain {
  const { width: w, height: h, pixelSizeM: px } = p;
  const n = w * h;
  const plain = fbmField(w, h, {
    seed: subSeed(p.seed, 'dem-plain'),
    largestCellPx: toPx(40_000, p),
    persistence: 0.5,
  });
  const ridged = fbmField(w, h, {
    seed: subSeed(p.seed, 'dem-ridged'),
    largestCellPx: toPx(20_000, p),
    smallestCellPx: toPx(4 * p.pixelSizeM, p, 4),
    persistence: 0.55,
    ridged: true,
  });
  const rel = new Float32Array(n);
  for (let i = 0; i < n; i++) rel[i] = (1 - p.ruggedness) * plain[i] + p.ruggedness * ridged[i];
  const lo = quantile(rel, 0.005);
  const hi = quantile(rel, 0.995);
  for (let i = 0; i < n; i++) {
    const t = Math.min(1, Math.max(0, (rel[i] - lo) / (hi - lo)));
    rel[i] = t * Math.sqrt(t);
  }
  const dem = plain;
  for (let i = 0; i < n; i++) dem[i] = p.baseElevationM + p.reliefM * rel[i];

  // Rivers: distance to the zero isoline of a smooth field is |f| / |grad f| (first order).
  const waterKind = new Uint8Array(n);
  const river = fbmField(w, h, {
    seed: subSeed(p.seed, 'river'),
    largestCellPx: toPx(30_000, p),
    smallestCellPx: toPx(4_000, p, 1),
    persistence: 0.5,
  });
  const valleyHalfM = 2500;
  // Rivers narrower than a quarter pixel are not mapped as water (as in real land-cover maps);
  // mapped ones are at least ~0.7 px wide so they stay connected.
  const riverHalfM = p.riverWidthM >= 0.25 * px ? Math.max(p.riverWidthM / 2, 0.36 * px) : -1;
  for (let y = 0; y < h; y++) {
    const ym = y > 0 ? y - 1 : y;
    const yp = y < h - 1 ? y + 1 : y;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const xm = x > 0 ? x - 1 : x;
      const xp = x < w - 1 ? x + 1 : x;
      const gx = (river[y * w + xp] - river[y * w + xm]) / ((xp - xm) * px);
      const gy = (river[yp * w + x] - river[ym * w + x]) / ((yp - ym) * px);
      const g = Math.sqrt(gx * gx + gy * gy) + 1e-12;
      const f = river[i];
      const distM = (f < 0 ? -f : f) / g;
      const q = distM / valleyHalfM;
      // Valleys are cut only below 80 % relative height so ridges keep their crests.
      const active = rel[i] < 0.8 ? 1 - rel[i] / 0.8 : 0;
      const carve = ((0.35 * p.reliefM * rel[i] + 15) * Math.min(1, active * 3)) / (1 + q * q);
      dem[i] -= Math.min(carve, 0.8 * (dem[i] - p.baseElevationM) + 2);
      if (distM < riverHalfM && active > 0.05) waterKind[i] = WATER_RIVER;
    }
  }

  const smoothDem = boxBlur(dem, w, h, toPx(1500, p, 1));
  const tpiM = new Float32Array(n);
  for (let i = 0; i < n; i++) tpiM[i] = dem[i] - smoothDem[i];

  if (p.lakeFraction > 0) {
    const lakes = fbmField(w, h, {
      seed: subSeed(p.seed, 'lakes'),
      largestCellPx: toPx(12_000, p),
      smallestCellPx: toPx(800, p),
      persistence: 0.5,
    });
    for (let i = 0; i < n; i++) lakes[i] = lakes[i] - 4 * rel[i] - tpiM[i] / Math.max(50, 0.1 * p.reliefM);
    const thr = quantile(lakes, 1 - p.lakeFraction);
    const surface = boxBlur(dem, w, h, toPx(3000, p, 1));
    for (let i = 0; i < n; i++) {
      if (lakes[i] > thr) {
        waterKind[i] = WATER_LAKE;
        dem[i] = Math.min(dem[i], surface[i]) - 2;
      }
    }
  }

  if (p.sceneType === 'coastal' && p.oceanFraction > 0) {
    const coast = fbmField(w, h, {
      seed: subSeed(p.seed, 'coast'),
      largestCellPx: toPx(25_000, p),
      smallestCellPx: toPx(500, p),
      persistence: 0.55,
    });
    const theta = ((subSeed(p.seed, 'coast-dir') % 3600) / 3600) * 2 * Math.PI;
    const cx = Math.cos(theta);
    const cy = Math.sin(theta);
    const half = 0.5 * Math.sqrt(w * w + h * h);
    const s = new Float32Array(n);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        s[i] = ((x - w / 2) * cx + (y - h / 2) * cy) / half + 0.18 * coast[i];
      }
    }
    const thr = quantile(s, 1 - p.oceanFraction);
    const sea = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (s[i] > thr) sea[i] = 1;
    const d = distanceToMask(sea, w, h);
    const rampPx = toPx(5000, p, 1);
    for (let i = 0; i < n; i++) {
      if (sea[i]) {
        waterKind[i] = WATER_SEA;
        dem[i] = 0;
      } else {
        const t = Math.min(1, d[i] / rampPx);
        dem[i] = Math.max(1, dem[i] * (0.15 + 0.85 * t * (2 - t)));
      }
    }
  }

  const isWater = new Uint8Array(n);
  for (let i = 0; i < n; i++) isWater[i] = waterKind[i] === WATER_NONE ? 0 : 1;
  const waterDistM = distanceToMask(isWater, w, h);
  for (let i = 0; i < n; i++) waterDistM[i] = Math.min(waterDistM[i] * px, 1e7);
  return { dem, relHeight: rel, waterKind, waterDistM, tpiM };
}

/**
 * Cosine of the solar incidence angle on the terrain surface, per pixel (negative = self-shadowed,
 * cast shadows not modelled). The grid is north-up (row index grows southward); `pixelSizeM` is the
 * ground pixel size; azimuth is clockwise from north. Central differences, one-sided at edges.
 */
export function cosIncidence(
  dem: Float32Array,
  width: number,
  height: number,
  pixelSizeM: number,
  sunElevationDeg: number,
  sunAzimuthDeg: number,
): Float32Array {
  const el = (sunElevationDeg * Math.PI) / 180;
  const az = (sunAzimuthDeg * Math.PI) / 180;
  const sx = Math.sin(az) * Math.cos(el);
  const sy = Math.cos(az) * Math.cos(el);
  const sz = Math.sin(el);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const yn = y > 0 ? y - 1 : y;
    const ys = y < height - 1 ? y + 1 : y;
    for (let x = 0; x < width; x++) {
      const xw = x > 0 ? x - 1 : x;
      const xe = x < width - 1 ? x + 1 : x;
      const dzdx = (dem[y * width + xe] - dem[y * width + xw]) / ((xe - xw) * pixelSizeM);
      const dzdn = (dem[yn * width + x] - dem[ys * width + x]) / ((ys - yn) * pixelSizeM);
      out[y * width + x] = (-dzdx * sx - dzdn * sy + sz) / Math.sqrt(dzdx * dzdx + dzdn * dzdn + 1);
    }
  }
  return out;
}

/**
 * Slope (degrees from horizontal) and aspect (degrees clockwise from north, the direction the
 * slope faces; 0 on flat ground) of a north-up DEM with square `pixelSizeM` pixels.
 */
export function slopeAspect(
  dem: Float32Array,
  width: number,
  height: number,
  pixelSizeM: number,
): { slopeDeg: Float32Array; aspectDeg: Float32Array } {
  const slopeDeg = new Float32Array(width * height);
  const aspectDeg = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const yn = y > 0 ? y - 1 : y;
    const ys = y < height - 1 ? y + 1 : y;
    for (let x = 0; x < width; x++) {
      const xw = x > 0 ? x - 1 : x;
      const xe = x < width - 1 ? x + 1 : x;
      const dzdx = (dem[y * width + xe] - dem[y * width + xw]) / ((xe - xw) * pixelSizeM);
      const dzdn = (dem[yn * width + x] - dem[ys * width + x]) / ((ys - yn) * pixelSizeM);
      const i = y * width + x;
      slopeDeg[i] = (Math.atan(Math.sqrt(dzdx * dzdx + dzdn * dzdn)) * 180) / Math.PI;
      aspectDeg[i] = dzdx === 0 && dzdn === 0 ? 0 : ((Math.atan2(-dzdx, -dzdn) * 180) / Math.PI + 360) % 360;
    }
  }
  return { slopeDeg, aspectDeg };
}
