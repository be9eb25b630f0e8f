import { upsampleHaloPx } from '../../core/raster/resample.ts';
import { AppError } from '../../core/errors.ts';
import { worldToPixel } from '../../core/geo/affine.ts';
import type { AuxName } from '../../core/raster/raster.ts';
import type { FittedStage, StageInput, StageMethod } from '../method.ts';
import { blockStd } from '../../core/raster/aggregate.ts';
import { addCoarseResidual, homogeneousMask, type ResidualInterp } from './sharpen-residual.ts';
import { fitLocalModels } from './dms-local.ts';
import { fitTreeEnsemble, type TreeEnsembleOptions } from './tree-ensemble.ts';

/** Options of the Data-Mining-Sharpener-style tree method. */
export interface DmsOptions {
  /**
   * Tree ensemble settings (trees, depth, leaf size, bins, seed). Defaults: 16 bagged trees of depth
   * 4 with ridge-regression leaves (Cubist-like, as the Data Mining Sharpener), which did better in
   * our real closed loops than deeper constant-leaf trees (e.g. Lisbon 1.25 vs 1.33 K, Dhaka 097
   * 0.75 vs 0.83 K).
   */
  trees?: TreeEnsembleOptions;
  /** Fit on coarse pixels whose within-block heterogeneity is at most this quantile. Default 0.8. */
  homogeneityQuantile?: number;
  /** Interpolation of the coarse residual. Default 'bicubic'. */
  residualInterp?: ResidualInterp;
  /** Auxiliary layers to use, in this order, when present. Default: all. */
  layers?: readonly AuxName[];
  /**
   * Also fit local ensembles on windows of this many coarse pixels and blend them with the global
   * one by their coarse-scale errors (DMS local + global); 0 = global model only. Default: about an
   * eighth of the scene's longer side, at least 16 (at most ~64 windows), which lowered the closed-
   * loop RMSE on every real scene we tried (e.g. Fayoum 0.97 -> 0.78 K, Dhaka 097 0.75 -> 0.71 K).
   */
  localWindowCoarsePx?: number;
}

const ALL_LAYERS: readonly AuxName[] = ['ndvi', 'ndwi', 'albedo', 'dem', 'landcover', 'red', 'nir', 'swir'];

function globalStd(d: Float32Array): number {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v === v) {
      s += v;
      s2 += v * v;
      n++;
    }
  }
  return n > 1 ? Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)) : 0;
}

/**
 * Builds the DMS-style method: a bagged regression-tree ensemble of LST on all available auxiliary
 * layers, fitted on homogeneous coarse pixels of the whole stage, applied at the fine scale, plus
 * the coarse residual.
 */
export function createDmsMethod(options: DmsOptions = {}): StageMethod {
  const quantile = options.homogeneityQuantile ?? 0.8;
  const interp = options.residualInterp ?? 'bicubic';
  const wanted = options.layers ?? ALL_LAYERS;

  const fit = (input: StageInput): Promise<FittedStage> => {
    const layers = wanted.filter((n) => input.fineAux[n] && input.coarseAux[n] && globalStd(input.coarseAux[n]!.data) > 0);
    if (layers.length === 0) throw new AppError('MISSING_BAND', 'DMS needs at least one auxiliary layer with variation (NDVI, albedo, DEM, ...).');
    const lst = input.coarseLst.data;
    const nc = lst.length;
    const heterogeneity = new Float32Array(nc);
    const valid = new Uint8Array(nc);
    for (let i = 0; i < nc; i++) valid[i] = lst[i] === lst[i] ? 1 : 0;
    for (const name of layers) {
      const fine = input.fineAux[name]!;
      const coarse = input.coarseAux[name]!.data;
      const sd = globalStd(fine.data) || 1;
      const std = blockStd(fine.data, fine.width, fine.height, 2).data;
      for (let i = 0; i < nc; i++) {
        heterogeneity[i] += std[i] / sd;
        if (coarse[i] !== coarse[i]) valid[i] = 0;
      }
    }
    const mask = homogeneousMask(heterogeneity, valid, quantile);
    const weights = new Float32Array(nc);
    let nFit = 0;
    for (let i = 0; i < nc; i++) if (mask[i]) {
      weights[i] = 1;
      nFit++;
    }
    const minLeaf = options.trees?.minLeaf ?? Math.max(3 * (layers.length + 1), Math.min(20, Math.floor(nFit / 200)));
    if (nFit < 4 * minLeaf) throw new AppError('ALL_NODATA', `DMS found only ${nFit} valid coarse pixels to fit; it needs at least ${4 * minLeaf}.`);
    const model = fitTreeEnsemble(
      layers.map((n) => input.coarseAux[n]!.data),
      lst,
      weights,
      { leafModel: 'linear', maxDepth: 4, ...options.trees, minLeaf },
    );
    const coarseFeatures = layers.map((n) => input.coarseAux[n]!.data);
    const { width: cw, height: ch } = input.coarseLst;
    const windowPx = options.localWindowCoarsePx ?? Math.max(16, Math.ceil(Math.max(cw, ch) / 8));
    const local =
      windowPx > 0 && windowPx < Math.max(cw, ch)
        ? fitLocalModels(coarseFeatures, lst, weights, model.predict(coarseFeatures, nc), cw, ch, windowPx, { leafModel: 'linear', maxDepth: 3, nTrees: 8, minLeaf, seed: 2 }, 8 * minLeaf)
        : undefined;
    const origin = input.coarseLst.transform;
    return Promise.resolve({
      // The bicubic fallback (and residual) is used whatever `interp` is, with its gap filling.
      haloCoarsePx: upsampleHaloPx('bicubic'),
      summary: { layers, samples: nFit, trees: model.nTrees, minLeaf, ...(local ? { localWindows: local.fitted, localWindowCoarsePx: local.windowPx } : {}) },
      predictTile(tile: StageInput): Promise<Float32Array> {
        const fine = layers.map((n) => tile.fineAux[n]!.data);
        const coarse = layers.map((n) => tile.coarseAux[n]!.data);
        const fineReg = model.predict(fine, fine[0].length);
        const coarseReg = model.predict(coarse, coarse[0].length);
        if (local) {
          // Whole-scene coarse pixel position of the tile's corner, for the window lattice.
          const [x0, y0] = worldToPixel(origin, tile.coarseLst.transform[0], tile.coarseLst.transform[3]).map(Math.round);
          const { width: tw, height: th } = tile.coarseLst;
          local.blend(fineReg, fine, 2 * tw, 2 * th, x0, y0, 0.5);
          local.blend(coarseReg, coarse, tw, th, x0, y0, 1);
        }
        // Trees route NaN features left; a missing auxiliary value must fall back instead.
        for (const [arr, reg] of [[fine, fineReg], [coarse, coarseReg]] as const) {
          for (const f of arr) for (let i = 0; i < reg.length; i++) if (f[i] !== f[i]) reg[i] = Number.NaN;
        }
        return Promise.resolve(addCoarseResidual(tile, fineReg, coarseReg, interp));
      },
    });
  };

  return {
    id: 'dms',
    label: 'Regression-tree sharpener (DMS-style, bagged trees)',
    usesAux: wanted,
    haloCoarsePx: Number.POSITIVE_INFINITY,
    fit,
    async runStage(input: StageInput): Promise<Float32Array> {
      return (await fit(input)).predictTile(input);
    },
  };
}

/** DMS with its defaults. */
export const dmsMethod: StageMethod = createDmsMethod();
