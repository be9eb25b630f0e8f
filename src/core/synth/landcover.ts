import { fbmField } from './noise.ts';
import { boxBlur, quantile } from './grid-ops.ts';
import { hash2Unit, subSeed } from '../random.ts';
import type { SceneParams } from './scene-options.ts';
import { toPx, WATER_NONE, type Terrain } from './terrain.ts';

/**
 * Land-cover class codes of the `landcover` layer: the MODIS MCD12Q1 IGBP (LC_Type1) codes, so a
 * real MCD12Q1 layer and a synthetic one mean the same thing. The generator uses this subset.
 */
export const LC = {
  /** 1: evergreen needleleaf forest (high ground). */
  EVERGREEN_NEEDLELEAF: 1,
  /** 4: deciduous broadleaf forest. */
  DECIDUOUS_BROADLEAF: 4,
  /** 5: mixed forest. */
  MIXED_FOREST: 5,
  /** 7: open shrubland (dry). */
  OPEN_SHRUBLAND: 7,
  /** 10: grassland (also urban parks). */
  GRASSLAND: 10,
  /** 11: permanent wetland. */
  WETLAND: 11,
  /** 12: cropland (every field, including bare/fallow ones). */
  CROPLAND: 12,
  /** 13: urban and built-up (roofs, roads). */
  URBAN: 13,
  /** 15: permanent snow and ice. */
  SNOW: 15,
  /** 16: barren. */
  BARREN: 16,
  /** 17: water bodies (rivers, lakes, sea). */
  WATER: 17,
} as const;

/** True for the three forest codes. */
export function isForestClass(c: number): boolean {
  return c === LC.EVERGREEN_NEEDLELEAF || c === LC.DECIDUOUS_BROADLEAF || c === LC.MIXED_FOREST;
}

/** Land cover and the per-pixel attributes the surface model needs. */
export interface LandCover {
  /** IGBP code per pixel ({@link LC}). */
  classes: Uint8Array;
  /** Crop-field growth target NDVI (NaN outside fields): one value per field, so edges are sharp. */
  fieldNdvi: Float32Array;
  /** 1 where the pixel is an irrigated field. */
  irrigated: Uint8Array;
  /** Urban pixels: impervious albedo of the block, or of the road (NaN elsewhere). */
  urbanAlbedo: Float32Array;
  /** Urban pixels: vegetated share of the pixel (gardens, street trees), 0-0.4. */
  urbanGreen: Float32Array;
  /** Share of built-up pixels within ~1.5 km, 0-1 (drives the heat island). */
  urbanDensity: Float32Array;
}

/**
 * Lays out land cover on the terrain: water from the hydrography; snow above the snow line;
 * urban clusters on flat low ground near rivers (with a rotated street grid, parks and roof
 * albedo per block); a cropland zone on gentle, moist ground divided into a rotated brick mosaic
 * of fields (centre-pivot circles in arid scenes; pixels coarser than half a field average up to
 * 4x4 sub-samples, so 500 m-1 km pixels are mixtures of fields); the rest a patchwork of forest (favoured on
 * slopes and high ground), grassland, shrubland, barren and wetland (wet ground near water), by
 * argmax of class scores built from two shared patch-noise fields and the terrain.
 * `wetness` is the potential soil moisture 0-1 before irrigation.
 */
export function buildLandCover(p: SceneParams, t: Terrain, wetness: Float32Array): LandCover {
  const { width: w, height: h, pixelSizeM: px } = p;
  const n = w * h;
  const classes = new Uint8Array(n);
  const fieldNdvi = new Float32Array(n).fill(Number.NaN);
  const irrigated = new Uint8Array(n);
  const urbanAlbedo = new Float32Array(n).fill(Number.NaN);
  const urbanGreen = new Float32Array(n);
  const slope = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = t.dem[i + (x < w - 1 ? 1 : 0)] - t.dem[i - (x > 0 ? 1 : 0)];
      const b = t.dem[i + (y < h - 1 ? w : 0)] - t.dem[i - (y > 0 ? w : 0)];
      slope[i] = Math.sqrt(a * a + b * b) / (2 * px);
    }
  }
  const n1 = fbmField(w, h, {
    seed: subSeed(p.seed, 'lc-n1'),
    largestCellPx: toPx(6000, p),
    smallestCellPx: toPx(150, p),
    persistence: 0.6,
  });
  const n2 = fbmField(w, h, {
    seed: subSeed(p.seed, 'lc-n2'),
    largestCellPx: toPx(6000, p),
    smallestCellPx: toPx(150, p),
    persistence: 0.6,
  });
  const big = fbmField(w, h, {
    seed: subSeed(p.seed, 'lc-zones'),
    largestCellPx: toPx(25_000, p),
    smallestCellPx: toPx(1500, p),
    persistence: 0.5,
  });

  // Urban potential: flat, low, near rivers/coast; thresholded to the target fraction.
  const score = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const nearWater = 1 / (1 + t.waterDistM[i] / 3000);
    score[i] =
      t.waterKind[i] !== WATER_NONE
        ? -99
        : big[i] - 6 * Math.min(1, slope[i] / 0.15) - 2 * t.relHeight[i] + 0.8 * nearWater + 0.3 * n1[i];
  }
  const urbanThr = p.urbanFraction > 0 ? quantile(score, 1 - p.urbanFraction) : Infinity;
  const blockM = 150 + 250 * hash2Unit(1, 2, subSeed(p.seed, 'blocks'));
  const roadHalfM = 8 + 8 * hash2Unit(3, 4, subSeed(p.seed, 'blocks'));
  const ut = 2 * Math.PI * hash2Unit(5, 6, subSeed(p.seed, 'blocks'));
  const uc = Math.cos(ut);
  const us = Math.sin(ut);
  const isUrban = new Float32Array(n);
  const bs = subSeed(p.seed, 'block-attr');
  // Block attributes are hashed once per block run along a row, not per pixel.
  let lastBu = NaN;
  let lastBv = NaN;
  let park = false;
  let roof = 0;
  let green = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(score[i] > urbanThr)) continue;
      const u = ((x + 0.5) * uc + (y + 0.5) * us) * px;
      const v = (-(x + 0.5) * us + (y + 0.5) * uc) * px;
      const bu = Math.floor(u / blockM);
      const bv = Math.floor(v / blockM);
      if (bu !== lastBu || bv !== lastBv) {
        lastBu = bu;
        lastBv = bv;
        park = hash2Unit(bu, bv, bs) < 0.07;
        roof = 0.12 + 0.2 * hash2Unit(bv, bu, bs);
        green = 0.4 * hash2Unit(bu + 7, bv - 3, bs) * hash2Unit(bu, bv + 11, bs);
      }
      const du = Math.min(u - bu * blockM, (bu + 1) * blockM - u);
      const dv = Math.min(v - bv * blockM, (bv + 1) * blockM - v);
      const roadFrac = Math.min(1, Math.max(0, (roadHalfM - Math.min(du, dv)) / px + 0.5));
      if (park && roadFrac < 0.5) {
        classes[i] = LC.GRASSLAND;
        continue;
      }
      classes[i] = LC.URBAN;
      isUrban[i] = 1;
      urbanAlbedo[i] = roadFrac * 0.09 + (1 - roadFrac) * roof;
      urbanGreen[i] = (1 - roadFrac) * green;
    }
  }
  const urbanDensity = boxBlur(isUrban, w, h, toPx(1500, p, 1));

  // Cropland zone: gentle, moist-enough, not urban.
  for (let i = 0; i < n; i++) {
    score[i] =
      t.waterKind[i] !== WATER_NONE || classes[i] !== 0
        ? -99
        : -big[i] - 8 * Math.min(1, slope[i] / 0.12) - 1.5 * t.relHeight[i] + 0.5 * wetness[i] + 0.4 * n2[i];
  }
  const cropThr = p.cropFraction > 0 ? quantile(score, 1 - p.cropFraction) : Infinity;
  const fs = subSeed(p.seed, 'fields');
  const ft = Math.PI * hash2Unit(1, 1, fs);
  const fc = Math.cos(ft);
  const fsn = Math.sin(ft);
  const fw = p.fieldSizeM * (0.8 + 0.4 * hash2Unit(2, 2, fs));
  const fh = p.fieldSizeM * (0.6 + 0.8 * hash2Unit(3, 3, fs));
  const pivots = p.sceneType === 'arid';
  const pivotR2 = (0.48 * Math.min(fw, fh)) ** 2;
  const nSub = Math.min(4, Math.max(1, Math.ceil((2 * px) / Math.min(fw, fh))));
  let lastCu = NaN;
  let shift = 0;
  let fieldCu = NaN;
  let fieldCv = NaN;
  let fieldV = 0;
  let fieldIrr = 0;

  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (t.waterKind[i] !== WATER_NONE) {
        classes[i] = LC.WATER;
        continue;
      }
      if (classes[i] !== 0) continue;
      if (t.dem[i] > p.snowLineM + 150 * n1[i]) {
        classes[i] = LC.SNOW;
        continue;
      }
      if (score[i] > cropThr) {
        // Pixels coarser than about half a field average several sub-samples (mixed pixels)
        // instead of aliasing one field per pixel.
        let cover = 0;
        let vSum = 0;
        let irr = 0;
        for (let sy = 0; sy < nSub; sy++) {
          for (let sx = 0; sx < nSub; sx++) {
            const xs = x + (sx + 0.5) / nSub;
            const ys = y + (sy + 0.5) / nSub;
            const u = (xs * fc + ys * fsn) * px;
            const v = (-xs * fsn + ys * fc) * px;
            const cu = Math.floor(u / fw);
            if (cu !== lastCu) {
              lastCu = cu;
              shift = hash2Unit(cu, 0, fs) * fh;
            }
            const cv = Math.floor((v + shift) / fh);
            if (pivots) {
              const ou = u - (cu + 0.5) * fw;
              const ov = v + shift - (cv + 0.5) * fh;
              if (ou * ou + ov * ov >= pivotR2) continue;
            }
            if (cu !== fieldCu || cv !== fieldCv) {
              fieldCu = cu;
              fieldCv = cv;
              const a = hash2Unit(cu, cv, fs);
              fieldV = hash2Unit(cv, cu, fs) < 0.12 ? 0.08 + 0.08 * a : 0.15 + 0.65 * a;
              fieldIrr = hash2Unit(cu + 101, cv - 57, fs) < p.irrigatedShare ? 1 : 0;
            }
            cover++;
            vSum += fieldV;
            irr += fieldIrr;
          }
        }
        if (cover * 2 >= nSub * nSub) {
          classes[i] = LC.CROPLAND;
          const share = cover / (nSub * nSub);
          fieldNdvi[i] = share * (vSum / cover) + (1 - share) * 0.1;
          irrigated[i] = irr * 2 >= cover ? 1 : 0;
          continue;
        }
      }
      // Natural cover: argmax of class scores.
      const m = wetness[i];
      const rh = t.relHeight[i];
      const sl = Math.min(1, slope[i] / 0.3);
      const a = n1[i];
      const b = n2[i];
      const forest = -0.4 + 1.2 * rh + 2.5 * sl + 2.2 * m + 0.9 * a - 2.5 * p.aridity;
      const grass = 0.3 + 1.0 * m + 0.9 * b - 0.6 * p.aridity;
      const shrub = -0.6 + 2.2 * p.aridity - 0.8 * m - 0.6 * a;
      const barren = -1.2 + 2.4 * p.aridity - 1.5 * m - 0.7 * b + 1.5 * Math.max(0, rh - 0.85) * 4;
      const wet = -3.5 + 5 * m + 2 / (1 + t.waterDistM[i] / 400);
      let best = LC.GRASSLAND as number;
      let bestS = grass;
      if (forest > bestS) {
        best = rh > 0.55 ? LC.EVERGREEN_NEEDLELEAF : b > 0.3 ? LC.DECIDUOUS_BROADLEAF : LC.MIXED_FOREST;
        bestS = forest;
      }
      if (shrub > bestS) {
        best = LC.OPEN_SHRUBLAND;
        bestS = shrub;
      }
      if (barren > bestS) {
        best = LC.BARREN;
        bestS = barren;
      }
      if (wet > bestS) best = LC.WETLAND;
      classes[i] = best;
    }
  }
  return { classes, fieldNdvi, irrigated, urbanAlbedo, urbanGreen, urbanDensity };
}
