import { upsampleHaloPx } from '../../core/raster/resample.ts';
import { AppError } from '../../core/errors.ts';
import type { FittedStage, StageInput, StageMethod } from '../method.ts';
import { blockStd } from '../../core/raster/aggregate.ts';
import { addCoarseResidual, homogeneousMask, type ResidualInterp } from './sharpen-residual.ts';

/** Options of TsHARP / DisTrad. */
export interface TsharpOptions {
  /** Regress on NDVI, or on fractional cover 1-(1-NDVI)^0.625 (Agam et al. 2007). Default 'ndvi'. */
  predictor?: 'ndvi' | 'fc';
  /** Polynomial degree: 1 = TsHARP, 2 = DisTrad-style quadratic. Default 1. */
  degree?: 1 | 2;
  /** Fit on the coarse pixels whose within-block NDVI std is at most this quantile. Default 0.8. */
  homogeneityQuantile?: number;
  /** Interpolation of the coarse residual. Default 'bicubic'. */
  residualInterp?: ResidualInterp;
}

function transform(ndvi: number, predictor: 'ndvi' | 'fc'): number {
  if (predictor === 'ndvi') return ndvi;
  const v = Math.min(1, Math.max(0, ndvi));
  return 1 - Math.pow(1 - v, 0.625);
}

/** Least squares polynomial of `degree` (1 or 2) through (x, y); returns coefficients c0..cd. */
export function fitPolynomial(x: number[], y: number[], degree: 1 | 2): number[] {
  const d = degree + 1;
  const a = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
  for (let i = 0; i < x.length; i++) {
    const p = [1, x[i], x[i] * x[i]].slice(0, d);
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) a[r][c] += p[r] * p[c];
      a[r][d] += p[r] * y[i];
    }
  }
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    if (Math.abs(a[col][col]) < 1e-12) throw new Error('singular regression (auxiliary layer has no variation)');
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= d; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row, i) => row[d] / a[i][i]);
}

/** Builds a TsHARP (or DisTrad with `degree: 2`) stage method: global fit at coarse scale. */
export function createTsharpMethod(options: TsharpOptions = {}): StageMethod {
  const predictor = options.predictor ?? 'ndvi';
  const degree = options.degree ?? 1;
  const quantile = options.homogeneityQuantile ?? 0.8;
  const interp = options.residualInterp ?? 'bicubic';
  const evalPoly = (c: number[], ndvi: number): number => {
    const x = transform(ndvi, predictor);
    return c[0] + c[1] * x + (degree === 2 ? c[2] * x * x : 0);
  };

  const fit = (input: StageInput): Promise<FittedStage> => {
    const fineNdvi = input.fineAux.ndvi;
    const coarseNdvi = input.coarseAux.ndvi;
    if (!fineNdvi || !coarseNdvi) throw new AppError('MISSING_BAND', 'TsHARP needs an NDVI layer (give --ndvi, or --red and --nir).');
    const lst = input.coarseLst.data;
    const { width: cw, height: ch } = input.coarseLst;
    const std = blockStd(fineNdvi.data, fineNdvi.width, fineNdvi.height, 2).data;
    const valid = new Uint8Array(lst.length);
    for (let i = 0; i < lst.length; i++) valid[i] = lst[i] === lst[i] && coarseNdvi.data[i] === coarseNdvi.data[i] ? 1 : 0;
    const mask = homogeneousMask(std, valid, quantile);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < cw * ch; i++) {
      if (!mask[i]) continue;
      xs.push(transform(coarseNdvi.data[i], predictor));
      ys.push(lst[i]);
    }
    if (xs.length < 3 * (degree + 1)) {
      throw new AppError('ALL_NODATA', `TsHARP found only ${xs.length} valid coarse LST/NDVI pixels to fit; it needs at least ${3 * (degree + 1)}.`);
    }
    let coef: number[];
    try {
      coef = fitPolynomial(xs, ys, degree);
    } catch (e) {
      throw new AppError('BAD_VALUES', `TsHARP regression failed: ${(e as Error).message}`, { cause: e });
    }
    return Promise.resolve({
      // The bicubic fallback (and residual) is used whatever `interp` is, with its gap filling.
      haloCoarsePx: upsampleHaloPx('bicubic'),
      summary: { coefficients: coef, samples: xs.length, predictor, degree },
      predictTile(tile: StageInput): Promise<Float32Array> {
        const fn = tile.fineAux.ndvi!.data;
        const cn = tile.coarseAux.ndvi!.data;
        const fineReg = new Float32Array(fn.length);
        for (let i = 0; i < fn.length; i++) fineReg[i] = evalPoly(coef, fn[i]);
        const coarseReg = new Float32Array(cn.length);
        for (let i = 0; i < cn.length; i++) coarseReg[i] = evalPoly(coef, cn[i]);
        return Promise.resolve(addCoarseResidual(tile, fineReg, coarseReg, interp));
      },
    });
  };

  return {
    id: 'tsharp',
    label: degree === 2 ? 'DisTrad (quadratic NDVI regression)' : `TsHARP (linear ${predictor === 'fc' ? 'fractional cover' : 'NDVI'} regression)`,
    usesAux: ['ndvi'],
    haloCoarsePx: Number.POSITIVE_INFINITY,
    fit,
    async runStage(input: StageInput): Promise<Float32Array> {
      return (await fit(input)).predictTile(input);
    },
  };
}

/** TsHARP with its defaults (linear in NDVI, homogeneous pixels, bicubic residual). */
export const tsharpMethod: StageMethod = createTsharpMethod();
