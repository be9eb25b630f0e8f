import { fitTreeEnsemble, type TreeEnsemble, type TreeEnsembleOptions } from './tree-ensemble.ts';

/** Local tree models on a regular lattice of coarse windows, blended with a global model. */
export interface LocalModels {
  /** Window edge in coarse pixels. */
  readonly windowPx: number;
  /** Number of windows that got a model. */
  readonly fitted: number;
  /**
   * Blends local predictions into `global` (in place) for `width x height` positions whose centres
   * are at whole-scene coarse pixel coordinates `x0 + (c + 0.5) * step`, `y0 + (r + 0.5) * step`.
   * Each window's local model weighs against the global one by their coarse-scale errors in that
   * window; weights are interpolated bilinearly between window centres so there are no seams.
   */
  blend(global: Float32Array, features: readonly Float32Array[], width: number, height: number, x0: number, y0: number, step: number): void;
}

interface Window {
  model: TreeEnsemble;
  /** Weight of the local model against the global one, 0..1. */
  weight: number;
}

/**
 * Fits one small tree ensemble per `windowPx` x `windowPx` window of the coarse grid (training on
 * the window plus half a window of margin), DMS style. `globalPred` is the global model's
 * prediction at the coarse samples (for the error-based weights). Windows with fewer than
 * `minSamples` weighted samples keep the global model.
 */
export function fitLocalModels(
  features: readonly Float32Array[],
  target: Float32Array,
  weights: Float32Array,
  globalPred: Float32Array,
  cw: number,
  ch: number,
  windowPx: number,
  trees: TreeEnsembleOptions,
  minSamples: number,
): LocalModels {
  const nx = Math.ceil(cw / windowPx);
  const ny = Math.ceil(ch / windowPx);
  const windows: (Window | undefined)[] = new Array(nx * ny);
  const margin = Math.floor(windowPx / 2);
  let fitted = 0;
  for (let wy = 0; wy < ny; wy++) {
    for (let wx = 0; wx < nx; wx++) {
      const c0 = Math.max(0, wx * windowPx - margin);
      const c1 = Math.min(cw, (wx + 1) * windowPx + margin);
      const r0 = Math.max(0, wy * windowPx - margin);
      const r1 = Math.min(ch, (wy + 1) * windowPx + margin);
      const idx: number[] = [];
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) if (weights[r * cw + c] > 0) idx.push(r * cw + c);
      if (idx.length < minSamples) continue;
      const f = features.map((a) => Float32Array.from(idx, (i) => a[i]));
      const y = Float32Array.from(idx, (i) => target[i]);
      let model: TreeEnsemble;
      try {
        model = fitTreeEnsemble(f, y, undefined, trees);
      } catch {
        continue;
      }
      const p = model.predict(f, idx.length);
      let el = 0;
      let eg = 0;
      for (let k = 0; k < idx.length; k++) {
        el += (p[k] - y[k]) ** 2;
        eg += (globalPred[idx[k]] - y[k]) ** 2;
      }
      // Floors keep a perfect in-sample fit from taking all the weight.
      const floor = 1e-4 * idx.length;
      const il = 1 / Math.max(el, floor);
      const ig = 1 / Math.max(eg, floor);
      windows[wy * nx + wx] = { model, weight: il / (il + ig) };
      fitted++;
    }
  }

  return {
    windowPx,
    fitted,
    blend(global, feats, width, height, x0, y0, step) {
      // Bilinear weight of window (wx, wy) at coordinate x: tent of one window width around its centre.
      const tent = (x: number, w: number, n: number): number => {
        const u = x / windowPx - 0.5;
        const d = Math.abs(u - w);
        if (n === 1) return 1;
        if ((w === 0 && u < 0) || (w === n - 1 && u > n - 1)) return 1;
        return d < 1 ? 1 - d : 0;
      };
      const delta = new Float32Array(global.length);
      for (let wy = 0; wy < ny; wy++) {
        for (let wx = 0; wx < nx; wx++) {
          const win = windows[wy * nx + wx];
          if (!win) continue;
          // Pixels whose coordinates lie within one window of this centre.
          const cLo = Math.max(0, Math.floor(((wx - 0.5) * windowPx - x0) / step - 1));
          const cHi = Math.min(width, Math.ceil(((wx + 1.5) * windowPx - x0) / step + 1));
          const rLo = Math.max(0, Math.floor(((wy - 0.5) * windowPx - y0) / step - 1));
          const rHi = Math.min(height, Math.ceil(((wy + 1.5) * windowPx - y0) / step + 1));
          const pick: number[] = [];
          const bw: number[] = [];
          for (let r = wy === 0 ? 0 : rLo; r < (wy === ny - 1 ? height : rHi); r++) {
            const ty = tent(y0 + (r + 0.5) * step, wy, ny);
            if (ty === 0) continue;
            for (let c = wx === 0 ? 0 : cLo; c < (wx === nx - 1 ? width : cHi); c++) {
              const tx = tent(x0 + (c + 0.5) * step, wx, nx);
              if (tx === 0) continue;
              pick.push(r * width + c);
              bw.push(tx * ty * win.weight);
            }
          }
          if (pick.length === 0) continue;
          const f = feats.map((a) => Float32Array.from(pick, (i) => a[i]));
          const p = win.model.predict(f, pick.length);
          for (let k = 0; k < pick.length; k++) {
            const i = pick[k];
            const g = global[i];
            if (g === g && p[k] === p[k]) delta[i] += bw[k] * (p[k] - g);
          }
        }
      }
      for (let i = 0; i < global.length; i++) global[i] += delta[i];
    },
  };
}
