import { hash2Unit, subSeed } from '../random.ts';

/** Fills `buf[0..n)` with the lattice values of lattice row `j` for columns `i0..i0+n-1`. */
type LatticeRow = (j: number, i0: number, n: number, buf: Float32Array) => void;

function splineWeights(t: number, w: Float32Array, o: number): void {
  const t2 = t * t;
  const t3 = t2 * t;
  const u = 1 - t;
  w[o] = (u * u * u) / 6;
  w[o + 1] = (3 * t3 - 6 * t2 + 4) / 6;
  w[o + 2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6;
  w[o + 3] = t3 / 6;
}

/**
 * Adds `amp * f(s)` to `out`, where s is the B-spline surface over the lattice given by `row`, with
 * lattice spacing `cellPx` pixels and lattice origin shifted by (`offX`, `offY`) cells. `ridged`
 * replaces s by (1 - min(1, 2.5|s|))^2, which turns zero crossings into sharp ridges.
 */
function addSplineLayer(
  out: Float32Array,
  width: number,
  height: number,
  cellPx: number,
  offX: number,
  offY: number,
  amp: number,
  row: LatticeRow,
  ridged: boolean,
): void {
  const xi = new Int32Array(width);
  const wx = new Float32Array(width * 4);
  const gx0 = offX + 0.5 / cellPx;
  const iMin = Math.floor(gx0) - 1;
  for (let x = 0; x < width; x++) {
    const g = gx0 + x / cellPx;
    const i = Math.floor(g);
    xi[x] = i - 1 - iMin;
    splineWeights(g - i, wx, 4 * x);
  }
  const nLat = xi[width - 1] + 4;
  const lat = new Float32Array(nLat);
  const ring = [0, 1, 2, 3].map(() => new Float32Array(width));
  const ringKey = [NaN, NaN, NaN, NaN];
  const wy = new Float32Array(4);
  const fill = (j: number): Float32Array => {
    const slot = ((j % 4) + 4) % 4;
    const r = ring[slot];
    if (ringKey[slot] === j) return r;
    row(j, iMin, nLat, lat);
    for (let x = 0; x < width; x++) {
      const k = xi[x];
      const o = 4 * x;
      r[x] = wx[o] * lat[k] + wx[o + 1] * lat[k + 1] + wx[o + 2] * lat[k + 2] + wx[o + 3] * lat[k + 3];
    }
    ringKey[slot] = j;
    return r;
  };
  for (let y = 0; y < height; y++) {
    const g = offY + (y + 0.5) / cellPx;
    const j = Math.floor(g);
    splineWeights(g - j, wy, 0);
    const r0 = fill(j - 1);
    const r1 = fill(j);
    const r2 = fill(j + 1);
    const r3 = fill(j + 2);
    const w0 = wy[0] * amp;
    const w1 = wy[1] * amp;
    const w2 = wy[2] * amp;
    const w3 = wy[3] * amp;
    const base = y * width;
    if (ridged) {
      for (let x = 0; x < width; x++) {
        const s = (w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x]) / amp;
        const a = s < 0 ? -2.5 * s : 2.5 * s;
        const q = a < 1 ? 1 - a : 0;
        out[base + x] += amp * q * q;
      }
    } else {
      for (let x = 0; x < width; x++) {
        out[base + x] += w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
      }
    }
  }
}

/** Options of {@link fbmField}. */
export interface FbmOptions {
  seed: number;
  /** Lattice spacing of the coarsest octave, in pixels (the largest feature size). */
  largestCellPx: number;
  /** Lattice spacing of the finest octave, in pixels; default 2 (texture down to the pixel). */
  smallestCellPx?: number;
  /** Amplitude ratio between successive octaves (each octave halves the cell); default 0.5. */
  persistence?: number;
  /** Ridged multifractal octaves instead of plain value noise. */
  ridged?: boolean;
}

/**
 * Fractal value noise on a `width x height` pixel grid (row-major Float32Array, owned by the
 * caller), normalised to mean 0 and standard deviation 1 over the grid; deterministic for a seed.
 * Plain fields are a dyadic pyramid: white noise on the coarsest lattice, refined by cubic
 * B-spline subdivision with fresh noise added on each finer lattice (exactly the sum of B-spline
 * octaves on nested lattices), evaluated at the pixels once: about two passes over the grid
 * whatever the octave count. Cubic B-splines are C2-continuous, so slopes of a noise DEM show no
 * lattice artefacts. Ridged fields sum per-octave transformed surfaces (one pass per octave) on a
 * grid reduced so the finest octave spans 2-4 cells, then spline-upsampled.
 */
export function fbmField(width: number, height: number, opts: FbmOptions): Float32Array {
  const smallest = Math.max(1, opts.smallestCellPx ?? 2);
  const largest = Math.max(smallest, opts.largestCellPx);
  const persistence = opts.persistence ?? 0.5;
  if (!opts.ridged) {
    const levels = Math.floor(Math.log2(largest / smallest) + 1e-9) + 1;
    const out = pyramidField(width, height, smallest, levels, persistence, opts.seed);
    normalizeInPlace(out);
    return out;
  }
  const reduce = Math.floor(smallest / 2);
  if (reduce >= 2) {
    const cw = Math.ceil(width / reduce) + 2;
    const ch = Math.ceil(height / reduce) + 2;
    const coarse = fbmField(cw, ch, {
      ...opts,
      largestCellPx: largest / reduce,
      smallestCellPx: smallest / reduce,
    });
    const out = upsampleSpline(coarse, cw, ch, reduce, width, height);
    normalizeInPlace(out);
    return out;
  }
  const out = new Float32Array(width * height);
  let amp = 1;
  let octave = 0;
  for (let cell = largest; cell >= smallest * 0.999; cell /= 2, octave++) {
    const s = subSeed(opts.seed, `octave${octave}`);
    const offX = hash2Unit(octave, 1, s) * 1000;
    const offY = hash2Unit(octave, 2, s) * 1000;
    const row: LatticeRow = (j, i0, n, buf) => {
      for (let k = 0; k < n; k++) buf[k] = 2 * hash2Unit(i0 + k, j, s) - 1;
    };
    addSplineLayer(out, width, height, cell, offX, offY, amp, row, true);
    amp *= persistence;
  }
  normalizeInPlace(out);
  return out;
}

interface LatticeBlock {
  data: Float32Array;
  i0: number;
  j0: number;
  nx: number;
  ny: number;
}

function addLatticeNoise(b: LatticeBlock, amp: number, seed: number): void {
  for (let y = 0; y < b.ny; y++) {
    const o = y * b.nx;
    for (let x = 0; x < b.nx; x++) b.data[o + x] += amp * (2 * hash2Unit(b.i0 + x, b.j0 + y, seed) - 1);
  }
}

/** Cubic B-spline subdivision of `c` onto the finer lattice index ranges of `f` (in place into f). */
function subdivide(c: LatticeBlock, f: LatticeBlock): void {
  const tmp = new Float32Array(c.ny * f.nx);
  for (let y = 0; y < c.ny; y++) {
    const co = y * c.nx;
    const to = y * f.nx;
    for (let x = 0; x < f.nx; x++) {
      const fi = f.i0 + x;
      const ci = (fi >> 1) - c.i0;
      const k = co + ci;
      tmp[to + x] =
        (fi & 1) === 0
          ? (c.data[k - 1] + 6 * c.data[k] + c.data[k + 1]) / 8
          : (c.data[k] + c.data[k + 1]) / 2;
    }
  }
  for (let y = 0; y < f.ny; y++) {
    const fj = f.j0 + y;
    const cj = (fj >> 1) - c.j0;
    const o = y * f.nx;
    const a = (cj - 1) * f.nx;
    const b = cj * f.nx;
    const d = (cj + 1) * f.nx;
    if ((fj & 1) === 0) {
      for (let x = 0; x < f.nx; x++) f.data[o + x] = (tmp[a + x] + 6 * tmp[b + x] + tmp[d + x]) / 8;
    } else {
      for (let x = 0; x < f.nx; x++) f.data[o + x] = (tmp[b + x] + tmp[d + x]) / 2;
    }
  }
}

function pyramidField(
  width: number,
  height: number,
  cell: number,
  levels: number,
  persistence: number,
  seed: number,
): Float32Array {
  const span = cell * 2 ** (levels - 1);
  const ox = hash2Unit(11, 13, seed) * span;
  const oy = hash2Unit(17, 19, seed) * span;
  const ranges: Array<[number, number, number, number]> = new Array(levels);
  let i0 = Math.floor((0.5 - ox) / cell) - 2;
  let i1 = Math.floor((width - 0.5 - ox) / cell) + 3;
  let j0 = Math.floor((0.5 - oy) / cell) - 2;
  let j1 = Math.floor((height - 0.5 - oy) / cell) + 3;
  for (let k = levels - 1; k >= 0; k--) {
    ranges[k] = [i0, i1, j0, j1];
    i0 = Math.floor(i0 / 2) - 1;
    i1 = Math.ceil(i1 / 2) + 1;
    j0 = Math.floor(j0 / 2) - 1;
    j1 = Math.ceil(j1 / 2) + 1;
  }
  const block = (k: number): LatticeBlock => {
    const [a, b, c, d] = ranges[k];
    const nx = b - a + 1;
    const ny = d - c + 1;
    return { data: new Float32Array(nx * ny), i0: a, j0: c, nx, ny };
  };
  let cur = block(0);
  addLatticeNoise(cur, 1, subSeed(seed, 'level0'));
  let amp = 1;
  for (let k = 1; k < levels; k++) {
    const next = block(k);
    subdivide(cur, next);
    amp *= persistence;
    addLatticeNoise(next, amp, subSeed(seed, `level${k}`));
    cur = next;
  }
  const out = new Float32Array(width * height);
  const fin = cur;
  const row: LatticeRow = (j, ia, n, buf) => {
    const o = (j - fin.j0) * fin.nx - fin.i0;
    for (let k = 0; k < n; k++) buf[k] = fin.data[o + ia + k];
  };
  addSplineLayer(out, width, height, cell, -ox / cell, -oy / cell, 1, row, false);
  return out;
}

/**
 * Upsamples `src` (`sw x sh`) by `factor` onto a `width x height` grid with a cubic B-spline
 * (smoothing, never overshooting). Source pixel centres sit at fine coordinate (k + 0.5) * factor.
 */
export function upsampleSpline(
  src: Float32Array,
  sw: number,
  sh: number,
  factor: number,
  width: number,
  height: number,
): Float32Array {
  const out = new Float32Array(width * height);
  const row: LatticeRow = (j, i0, n, buf) => {
    const jj = Math.min(sh - 1, Math.max(0, j)) * sw;
    for (let k = 0; k < n; k++) buf[k] = src[jj + Math.min(sw - 1, Math.max(0, i0 + k))];
  };
  addSplineLayer(out, width, height, factor, -0.5, -0.5, 1, row, false);
  return out;
}

/** Shifts and scales `a` in place to mean 0 and standard deviation 1 (NaN-free input). */
export function normalizeInPlace(a: Float32Array): void {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
  }
  const mean = s / a.length;
  const sd = Math.sqrt(Math.max(1e-20, s2 / a.length - mean * mean));
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) / sd;
}
