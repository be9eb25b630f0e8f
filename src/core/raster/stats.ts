/** Summary of the valid (non-NaN) values of a band. All NaN when `count` is 0. */
export interface BandStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by `count`). */
  std: number;
}

/** Count, min, max, mean and std over the non-NaN values (float64 accumulation). */
export function bandStats(data: Float32Array): BandStats {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let s = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) continue;
    n++;
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { count: 0, min: Number.NaN, max: Number.NaN, mean: Number.NaN, std: Number.NaN };
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === v) ss += (v - mean) * (v - mean);
  }
  return { count: n, min, max, mean, std: Math.sqrt(ss / n) };
}

/**
 * Percentiles (0..100) of the non-NaN values, linear interpolation between order statistics
 * (numpy's default). Bands with more than `maxSamples` valid values (default 2^20) are subsampled
 * with a fixed stride first, which is plenty for colour ranges and keeps 4800x4800 bands fast.
 * NaN for an all-NaN band.
 */
export function percentiles(data: Float32Array, ps: readonly number[], maxSamples = 1 << 20): number[] {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === data[i]) n++;
  if (n === 0) return ps.map(() => Number.NaN);
  const stride = Math.max(1, Math.ceil(n / maxSamples));
  const vals = new Float32Array(Math.ceil(n / stride));
  let k = 0;
  let seen = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) continue;
    if (seen++ % stride === 0) vals[k++] = v;
  }
  const sorted = vals.subarray(0, k).sort();
  return ps.map((p) => {
    const pos = (Math.min(100, Math.max(0, p)) / 100) * (k - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(k - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  });
}

/** Histogram of non-NaN values: `counts[b]` covers `[edges[b], edges[b+1])`, the last bin closed. */
export interface Histogram {
  edges: Float64Array;
  counts: Uint32Array;
  /** Valid values outside [min, max] (when a range was given), not counted in any bin. */
  outside: number;
}

/**
 * Histogram with `bins` equal bins over `[min, max]` (defaults: the data's own range).
 * A constant band puts everything in the first bin of a unit-wide range.
 */
export function histogram(data: Float32Array, bins: number, range?: { min: number; max: number }): Histogram {
  let lo = range?.min;
  let hi = range?.max;
  if (lo === undefined || hi === undefined) {
    const s = bandStats(data);
    lo ??= s.count ? s.min : 0;
    hi ??= s.count ? s.max : 1;
  }
  if (!(hi > lo)) hi = lo + 1;
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = lo + ((hi - lo) * b) / bins;
  const counts = new Uint32Array(bins);
  let outside = 0;
  const scale = bins / (hi - lo);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) continue;
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  return { edges, counts, outside };
}

/**
 * The values at 0-based `ranks` of `values` in ascending order (as `values.slice().sort()` would
 * hold them there), without sorting: quickselect, expected linear time, falling back to a sort of
 * the part left should the partitions stay unbalanced. Reorders `values` in place; no NaN allowed.
 */
export function orderStatistics(values: Float32Array, ranks: readonly number[]): number[] {
  const order = ranks.map((r, i) => ({ r, i })).sort((a, b) => a.r - b.r);
  const out = new Array<number>(ranks.length);
  let lo = 0;
  for (const { r, i } of order) {
    if (!(r >= 0 && r < values.length && Number.isInteger(r)))
      throw new RangeError(`orderStatistics: rank ${r} is not in 0..${values.length - 1}.`);
    selectRank(values, lo, values.length - 1, r);
    out[i] = values[r];
    // Everything after rank r is >= values[r]: the next (larger) rank lies in r..end.
    lo = r;
  }
  return out;
}

/** Puts the value of rank `k` (within `lo..hi`, inclusive) at index `k`, smaller ones before it, larger after. */
function selectRank(a: Float32Array, lo: number, hi: number, k: number): void {
  for (let rounds = 0; hi - lo > 16; rounds++) {
    if (rounds > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    // lo..j <= pivot <= i..hi, and j < k < i holds values equal to the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
