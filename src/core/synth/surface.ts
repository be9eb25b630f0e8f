import { fbmField } from './noise.ts';
import { subSeed } from '../random.ts';
import type { SceneParams } from './scene-options.ts';
import { isForestClass, LC, type LandCover } from './landcover.ts';
import { toPx, type Terrain } from './terrain.ts';

/**
 * Potential relative soil moisture 0 (dry) - 1 (saturated), before irrigation:
 * m0 = 0.55 - 0.5*aridity + 0.25*(1 - relHeight) + 0.35/(1 + d/1500 m)^2 (near water)
 *      - 0.15*clamp(TPI/100 m, -1, 1) (hollows wetter) + 0.12*noise (8 km .. 1 km), clipped to 0..1.
 */
export function potentialMoisture(p: SceneParams, t: Terrain): Float32Array {
  const { width: w, height: h } = p;
  const m = fbmField(w, h, {
    seed: subSeed(p.seed, 'moisture'),
    largestCellPx: toPx(8000, p),
    smallestCellPx: toPx(1000, p),
    persistence: 0.5,
  });
  for (let i = 0; i < m.length; i++) {
    const q = 1 + t.waterDistM[i] / 1500;
    const tpi = Math.max(-1, Math.min(1, t.tpiM[i] / 100));
    const v =
      0.55 - 0.5 * p.aridity + 0.25 * (1 - t.relHeight[i]) + 0.35 / (q * q) - 0.15 * tpi + 0.12 * m[i];
    m[i] = Math.max(0, Math.min(1, v));
  }
  return m;
}

/** Surface layers of a scene (all fine grid, unitless). */
export interface Surface {
  /** Relative soil moisture 0-1 after irrigation (1 on water). */
  moisture: Float32Array;
  /** Surface NDVI (what the LST physics sees), -1..1. */
  ndvi: Float32Array;
  /** Fractional vegetation cover 0-1 from NDVI: ((NDVI - 0.05)/0.8)^2, clipped. */
  vegCover: Float32Array;
  /** NDWI (Gao 1996: (NIR - SWIR)/(NIR + SWIR)), -1..1. */
  ndwi: Float32Array;
  /** Broadband shortwave albedo 0-1. */
  albedo: Float32Array;
}

/**
 * Moisture, NDVI, NDWI and albedo from cover, moisture and two within-class texture fields.
 * NDVI per class (before texture, m = moisture): water -0.12; forest 0.70 + 0.15 m (needleleaf
 * 0.64 + 0.15 m); grassland 0.18 + 0.5 m; shrubland 0.12 + 0.2 m; barren 0.07 + 0.05 m; wetland
 * 0.5 + 0.2 m; cropland = the field's growth target (0.15-0.8, fallow 0.08-0.16) x (0.85 + 0.2 m); urban 0.07 + 0.65 x green
 * share; snow 0.0. Texture amplitude 0.01 (water) .. 0.06 (grassland).
 * Albedo: vegetation/soil mix by cover, soil = dryAlbedo x (1 - 0.45 m), vegetation 0.10-0.19;
 * water 0.06, snow 0.55-0.7, urban = block roof/road albedo mixed with green share.
 * NDWI: land -0.22 + 0.5 cover (0.4 + 0.6 m) + 0.12 m (1 - cover); water 0.45; snow 0.7; urban -0.15.
 */
export function buildSurface(p: SceneParams, lc: LandCover, wetness: Float32Array): Surface {
  const { width: w, height: h } = p;
  const n = w * h;
  const t1 = fbmField(w, h, {
    seed: subSeed(p.seed, 'tex1'),
    largestCellPx: toPx(1500, p),
    persistence: 0.65,
  });
  // A second texture, decorrelated from t1 by a mirrored shift of ~1.7 km (much cheaper than
  // another noise field; the mirror keeps it continuous at the edges).
  const t2 = new Float32Array(n);
  const sx = Math.round(toPx(1700, p, 1)) % w;
  const sy = Math.round(toPx(1300, p, 1)) % h;
  for (let y = 0; y < h; y++) {
    const yy = y + sy < h ? y + sy : 2 * h - 1 - (y + sy);
    for (let x = 0; x < w; x++) {
      const xx = x + sx < w ? x + sx : 2 * w - 1 - (x + sx);
      t2[y * w + x] = t1[yy * w + xx];
    }
  }
  const moisture = new Float32Array(n);
  const ndvi = new Float32Array(n);
  const vegCover = new Float32Array(n);
  const ndwi = t2;
  const albedo = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = lc.classes[i];
    let m = wetness[i];
    if (lc.irrigated[i]) m = Math.min(1, 0.45 + 0.5 * m + 0.25);
    if (c === LC.WATER || c === LC.WETLAND) m = c === LC.WATER ? 1 : Math.max(m, 0.8);
    moisture[i] = m;
    const a = t1[i];
    const b = ndwi[i];
    let v: number;
    let tex: number;
    let albVeg = 0.18;
    switch (c) {
      case LC.WATER:
        v = -0.12;
        tex = 0.01;
        break;
      case LC.EVERGREEN_NEEDLELEAF:
        v = 0.64 + 0.15 * m;
        tex = 0.04;
        albVeg = 0.1;
        break;
      case LC.DECIDUOUS_BROADLEAF:
      case LC.MIXED_FOREST:
        v = 0.7 + 0.15 * m;
        tex = 0.04;
        albVeg = 0.13;
        break;
      case LC.GRASSLAND:
        v = 0.18 + 0.5 * m;
        tex = 0.06;
        albVeg = 0.19;
        break;
      case LC.OPEN_SHRUBLAND:
        v = 0.12 + 0.2 * m;
        tex = 0.04;
        albVeg = 0.16;
        break;
      case LC.BARREN:
        v = 0.07 + 0.05 * m;
        tex = 0.02;
        break;
      case LC.WETLAND:
        v = 0.5 + 0.2 * m;
        tex = 0.05;
        albVeg = 0.13;
        break;
      case LC.CROPLAND:
        v = lc.fieldNdvi[i] * (0.85 + 0.2 * m);
        tex = 0.035;
        albVeg = 0.19;
        break;
      case LC.URBAN:
        v = 0.07 + 0.65 * lc.urbanGreen[i];
        tex = 0.03;
        break;
      default:
        v = 0;
        tex = 0.02;
    }
    v = Math.max(-0.5, Math.min(0.95, v + tex * a));
    ndvi[i] = v;
    const fcv = Math.max(0, Math.min(1, (v - 0.05) / 0.8));
    const cover = fcv * fcv;
    vegCover[i] = cover;
    let alb: number;
    let wi: number;
    if (c === LC.WATER) {
      alb = 0.06 + 0.005 * b;
      wi = 0.45 + 0.03 * a;
    } else if (c === LC.SNOW) {
      alb = 0.62 + 0.06 * b;
      wi = 0.7 + 0.03 * a;
    } else if (c === LC.URBAN) {
      const g = lc.urbanGreen[i];
      alb = (1 - g) * lc.urbanAlbedo[i] + g * 0.17 + 0.01 * b;
      wi = -0.15 + 0.4 * g + 0.03 * b;
    } else {
      const soil = p.soilAlbedoDry * (1 - 0.45 * m);
      alb = cover * (isForestClass(c) ? albVeg : albVeg) + (1 - cover) * soil + 0.01 * b;
      wi = -0.22 + 0.5 * cover * (0.4 + 0.6 * m) + 0.12 * m * (1 - cover) + 0.03 * b;
    }
    albedo[i] = Math.max(0.02, Math.min(0.85, alb));
    ndwi[i] = Math.max(-0.8, Math.min(0.9, wi));
  }
  return { moisture, ndvi, vegCover, ndwi, albedo };
}

/** Red, NIR and SWIR (1.6 um) surface reflectance, 0-1. */
export interface Bands {
  red: Float32Array;
  nir: Float32Array;
  swir: Float32Array;
}

/**
 * Reflectances consistent with the given NDVI and NDWI exactly, and with the albedo through the
 * narrow-to-broadband weights albedo = 0.4 red + 0.3 NIR + 0.3 SWIR (ours, a simplification):
 * with S = red + NIR, red = S(1 - NDVI)/2, NIR = S(1 + NDVI)/2, SWIR = NIR (1 - NDWI)/(1 + NDWI).
 * Where the largest band would exceed 1, S is scaled down (the indices stay exact, the albedo
 * match does not).
 */
export function bandsFromIndices(ndvi: Float32Array, ndwi: Float32Array, albedo: Float32Array): Bands {
  const n = ndvi.length;
  const red = new Float32Array(n);
  const nir = new Float32Array(n);
  const swir = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ndvi[i];
    const rw = (1 - ndwi[i]) / (1 + ndwi[i]);
    const k = (0.4 * (1 - v)) / 2 + (0.3 * (1 + v)) / 2 + ((0.3 * (1 + v)) / 2) * rw;
    let s = albedo[i] / k;
    const top = Math.max((s * (1 - v)) / 2, (s * (1 + v)) / 2, ((s * (1 + v)) / 2) * rw);
    if (top > 1) s /= top;
    red[i] = (s * (1 - v)) / 2;
    nir[i] = (s * (1 + v)) / 2;
    swir[i] = nir[i] * rw;
  }
  return { red, nir, swir };
}

/**
 * Adds thin-haze path reflectance (red +0.05 h, NIR +0.03 h, SWIR +0.01 h for haze h 0-1, smooth
 * over ~50 km) to the bands in place and recomputes `ndvi`/`ndwi` from them in place, so the
 * observed indices lose contrast under haze while the LST truth (computed before) is unchanged.
 */
export function applyHaze(p: SceneParams, bands: Bands, ndvi: Float32Array, ndwi: Float32Array): void {
  if (p.haze <= 0) return;
  const f = fbmField(p.width, p.height, {
    seed: subSeed(p.seed, 'haze'),
    largestCellPx: toPx(50_000, p),
    smallestCellPx: toPx(5000, p),
    persistence: 0.5,
  });
  for (let i = 0; i < f.length; i++) {
    const hz = p.haze * Math.max(0, Math.min(1, 0.5 + 0.35 * f[i]));
    const r = (bands.red[i] += 0.05 * hz);
    const nr = (bands.nir[i] += 0.03 * hz);
    const s = (bands.swir[i] += 0.01 * hz);
    ndvi[i] = (nr - r) / (nr + r);
    ndwi[i] = (nr - s) / (nr + s);
  }
}
