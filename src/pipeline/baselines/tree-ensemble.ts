import { seededRandom } from '../../core/random.ts';

/** Settings of the bagged regression-tree ensemble. */
export interface TreeEnsembleOptions {
  /** Number of trees (bagging). Default 16. */
  nTrees?: number;
  /** Maximum depth of each tree. Default 10. */
  maxDepth?: number;
  /** Minimum number of samples in a leaf. Default 8. */
  minLeaf?: number;
  /** Quantile bins per feature for the split search (<= 256). Default 64. */
  nBins?: number;
  /** Bootstrap sample size per tree as a fraction of the samples. Default 0.8. */
  sampleFraction?: number;
  /** Upper bound on the bootstrap sample per tree. Default 60000. */
  maxSamplesPerTree?: number;
  /** Seed of the deterministic random generator. Default 1. */
  seed?: number;
  /**
   * What a leaf predicts: its weighted mean ('constant'), or a ridge regression on all features
   * fitted to the leaf's samples ('linear', as Cubist / the Data Mining Sharpener do), with
   * features clamped to the leaf's training range. Default 'constant'.
   */
  leafModel?: 'constant' | 'linear';
  /** Ridge strength of linear leaves on the leaf's standardised features (relative shrinkage). Default 0.01. */
  ridge?: number;
}

interface Tree {
  feature: Int16Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
  /** Linear leaves: per node [intercept, slope_f...] on raw features, and feature bounds [min_f, max_f...]. */
  coef?: Float32Array;
  bounds?: Float32Array;
}

/** Solves the small symmetric system `a x = b` (Gaussian elimination, partial pivoting); undefined if singular. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = a.slice();
  const x = b.slice();
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    if (Math.abs(m[p * n + c]) < 1e-12) return undefined;
    if (p !== c) {
      for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k], m[c * n + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c] / m[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = 0; c < n; c++) x[c] /= m[c * n + c];
  return x;
}

/** A fitted ensemble; `predict` reads one Float32Array per feature (same order as in fitting). */
export interface TreeEnsemble {
  readonly nFeatures: number;
  readonly nTrees: number;
  /** Mean prediction of the trees for `n` rows. NaN features follow the left branch. */
  predict(features: readonly Float32Array[], n: number): Float32Array;
}

function quantileEdges(values: Float32Array, nBins: number, rand: () => number): Float32Array {
  const n = values.length;
  const m = Math.min(n, 20000);
  const s = new Float32Array(m);
  for (let i = 0; i < m; i++) s[i] = values[m === n ? i : Math.floor(rand() * n)];
  s.sort();
  const edges: number[] = [];
  for (let b = 1; b < nBins; b++) {
    const v = s[Math.min(m - 1, Math.floor((b * m) / nBins))];
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  if (edges.length && edges[edges.length - 1] >= s[m - 1]) edges.pop();
  return Float32Array.from(edges);
}

function binOf(edges: Float32Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Fits a bagged ensemble of depth-limited regression trees (squared error, histogram split search
 * on quantile bins). `features[f][i]` is feature f of sample i; samples with a NaN feature or
 * target are ignored. `weights` (optional) weight the samples. Deterministic for a given seed.
 */
export function fitTreeEnsemble(
  features: readonly Float32Array[],
  target: Float32Array,
  weights: Float32Array | undefined,
  options: TreeEnsembleOptions = {},
): TreeEnsemble {
  const nTrees = options.nTrees ?? 16;
  const maxDepth = options.maxDepth ?? 10;
  const minLeaf = Math.max(1, options.minLeaf ?? 8);
  const nBins = Math.min(256, options.nBins ?? 64);
  const rand = seededRandom(options.seed ?? 1);
  const nF = features.length;

  const keep: number[] = [];
  for (let i = 0; i < target.length; i++) {
    let ok = target[i] === target[i] && (!weights || weights[i] > 0);
    for (let f = 0; ok && f < nF; f++) ok = features[f][i] === features[f][i];
    if (ok) keep.push(i);
  }
  const n = keep.length;
  if (n < 2 * minLeaf) throw new Error(`too few valid samples to fit trees (${n})`);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const cols = features.map(() => new Float32Array(n));
  for (let k = 0; k < n; k++) {
    const i = keep[k];
    y[k] = target[i];
    w[k] = weights ? weights[i] : 1;
    for (let f = 0; f < nF; f++) cols[f][k] = features[f][i];
  }
  const edges = cols.map((c) => quantileEdges(c, nBins, rand));
  const bins = cols.map((c, f) => {
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = binOf(edges[f], c[k]);
    return b;
  });

  const linear = options.leafModel === 'linear';
  const ridge = options.ridge ?? 0.01;
  const d = nF + 1;
  const ata = new Float64Array(d * d);
  const atb = new Float64Array(d);
  const z = new Float64Array(d);
  const mean = new Float64Array(nF);
  const sd = new Float64Array(nF);
  // Ridge regression of y on the leaf's standardised features (so `ridge` is a relative
  // shrinkage), stored as coefficients on raw features.
  const fitLeaf = (node: number, lo: number, hi: number, idx: Uint32Array, leafMean: number, coef: Float32Array, bounds: Float32Array): void => {
    const o = node * d;
    coef[o] = leafMean;
    let sw = 0;
    mean.fill(0);
    sd.fill(0);
    for (let f = 0; f < nF; f++) {
      bounds[node * 2 * nF + 2 * f] = Infinity;
      bounds[node * 2 * nF + 2 * f + 1] = -Infinity;
    }
    for (let k = lo; k < hi; k++) {
      const s = idx[k];
      sw += w[s];
      for (let f = 0; f < nF; f++) {
        const v = cols[f][s];
        mean[f] += w[s] * v;
        sd[f] += w[s] * v * v;
        const b = node * 2 * nF + 2 * f;
        if (v < bounds[b]) bounds[b] = v;
        if (v > bounds[b + 1]) bounds[b + 1] = v;
      }
    }
    if (!(sw > 0)) return;
    for (let f = 0; f < nF; f++) {
      mean[f] /= sw;
      sd[f] = Math.sqrt(Math.max(0, sd[f] / sw - mean[f] * mean[f])) || 1;
    }
    ata.fill(0);
    atb.fill(0);
    for (let k = lo; k < hi; k++) {
      const s = idx[k];
      z[0] = 1;
      for (let f = 0; f < nF; f++) z[f + 1] = (cols[f][s] - mean[f]) / sd[f];
      const ws = w[s];
      for (let i = 0; i < d; i++) {
        atb[i] += ws * z[i] * y[s];
        for (let j = 0; j < d; j++) ata[i * d + j] += ws * z[i] * z[j];
      }
    }
    for (let i = 1; i < d; i++) ata[i * d + i] += ridge * sw;
    const x = solve(ata, atb, d);
    if (!x) return;
    let intercept = x[0];
    for (let f = 0; f < nF; f++) {
      coef[o + 1 + f] = x[f + 1] / sd[f];
      intercept -= (x[f + 1] * mean[f]) / sd[f];
    }
    coef[o] = intercept;
  };

  const m = Math.max(2 * minLeaf, Math.min(options.maxSamplesPerTree ?? 60000, Math.round(n * (options.sampleFraction ?? 0.8))));
  const trees: Tree[] = [];
  const hw = new Float64Array(256);
  const hy = new Float64Array(256);
  const hc = new Uint32Array(256);
  for (let t = 0; t < nTrees; t++) {
    const idx = new Uint32Array(m);
    for (let k = 0; k < m; k++) idx[k] = Math.floor(rand() * n);
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const stack: { node: number; lo: number; hi: number; depth: number }[] = [];
    const newNode = (): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      value.push(0);
      return feature.length - 1;
    };
    const leaves: [number, number, number][] = [];
    stack.push({ node: newNode(), lo: 0, hi: m, depth: 0 });
    while (stack.length) {
      const { node, lo, hi, depth } = stack.pop()!;
      let sw = 0;
      let sy = 0;
      for (let k = lo; k < hi; k++) {
        sw += w[idx[k]];
        sy += w[idx[k]] * y[idx[k]];
      }
      value[node] = sw > 0 ? sy / sw : 0;
      if (depth >= maxDepth || hi - lo < 2 * minLeaf || sw <= 0) {
        leaves.push([node, lo, hi]);
        continue;
      }
      const parentScore = (sy * sy) / sw;
      let bestGain = 1e-9 * Math.max(1, Math.abs(parentScore));
      let bestF = -1;
      let bestB = -1;
      for (let f = 0; f < nF; f++) {
        const nb = edges[f].length + 1;
        if (nb < 2) continue;
        hw.fill(0, 0, nb);
        hy.fill(0, 0, nb);
        hc.fill(0, 0, nb);
        const bf = bins[f];
        for (let k = lo; k < hi; k++) {
          const s = idx[k];
          const b = bf[s];
          hw[b] += w[s];
          hy[b] += w[s] * y[s];
          hc[b]++;
        }
        let lw = 0;
        let ly = 0;
        let lc = 0;
        for (let b = 0; b < nb - 1; b++) {
          lw += hw[b];
          ly += hy[b];
          lc += hc[b];
          const rc = hi - lo - lc;
          if (lc < minLeaf) continue;
          if (rc < minLeaf) break;
          const rw = sw - lw;
          if (lw <= 0 || rw <= 0) continue;
          const ry = sy - ly;
          const gain = (ly * ly) / lw + (ry * ry) / rw - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestB = b;
          }
        }
      }
      if (bestF < 0) {
        leaves.push([node, lo, hi]);
        continue;
      }
      const bf = bins[bestF];
      let i = lo;
      let j = hi - 1;
      while (i <= j) {
        if (bf[idx[i]] <= bestB) i++;
        else {
          const tmp = idx[i];
          idx[i] = idx[j];
          idx[j] = tmp;
          j--;
        }
      }
      feature[node] = bestF;
      threshold[node] = edges[bestF][bestB];
      const l = newNode();
      const r = newNode();
      left[node] = l;
      right[node] = r;
      stack.push({ node: l, lo, hi: i, depth: depth + 1 }, { node: r, lo: i, hi, depth: depth + 1 });
    }
    let coef: Float32Array | undefined;
    let bounds: Float32Array | undefined;
    if (linear) {
      coef = new Float32Array(feature.length * (nF + 1));
      bounds = new Float32Array(feature.length * 2 * nF);
      for (const [node, lo, hi] of leaves) fitLeaf(node, lo, hi, idx, value[node], coef, bounds);
    }
    trees.push({
      coef,
      bounds,
      feature: Int16Array.from(feature),
      threshold: Float32Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float32Array.from(value),
    });
  }

  return {
    nFeatures: nF,
    nTrees,
    predict(feats: readonly Float32Array[], count: number): Float32Array {
      if (feats.length !== nF) throw new Error(`expected ${nF} features, got ${feats.length}`);
      const out = new Float32Array(count);
      for (const tree of trees) {
        const { feature, threshold, left, right, value, coef, bounds } = tree;
        for (let i = 0; i < count; i++) {
          let node = 0;
          let f = feature[0];
          while (f >= 0) {
            node = feats[f][i] > threshold[node] ? right[node] : left[node];
            f = feature[node];
          }
          if (!coef || !bounds) {
            out[i] += value[node];
            continue;
          }
          const o = node * (nF + 1);
          let v = coef[o];
          for (let k = 0; k < nF; k++) {
            const x = feats[k][i];
            const lo = bounds[node * 2 * nF + 2 * k];
            const hi = bounds[node * 2 * nF + 2 * k + 1];
            v += coef[o + 1 + k] * (x < lo ? lo : x > hi ? hi : x);
          }
          out[i] += v === v ? v : value[node];
        }
      }
      for (let i = 0; i < count; i++) out[i] /= nTrees;
      return out;
    },
  };
}
