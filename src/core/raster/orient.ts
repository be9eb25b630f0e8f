/**
 * The eight orientations of a grid (the dihedral group of the square): identity, the flips, the
 * rotations and the transposes. Orientation `k` (0-7) is bit 0 = mirror columns (east-west),
 * bit 1 = mirror rows (north-south), bit 2 = transpose (after the mirrors); 0 is the identity.
 * Used to augment training patches: a block mean, a box mean and a bicubic upsample commute with
 * every orientation, so an oriented closed-loop pair is the pair of the oriented scene.
 */
export const ORIENTATIONS = 8;

/** Width and height of a `w` x `h` grid after orientation `k`. */
export function orientedSize(w: number, h: number, k: number): { w: number; h: number } {
  return k & 4 ? { w: h, h: w } : { w, h };
}

/**
 * `data` (row-major `w` x `h`, any typed array) in orientation `k`: a new array of the same type
 * and length whose grid is `orientedSize(w, h, k)`, or `into` (as long as `data`, not `data`
 * itself) filled and returned.
 */
export function orientArray<A extends Float32Array | Uint8Array>(data: A, w: number, h: number, k: number, into?: A): A {
  if (data.length !== w * h) throw new RangeError(`orientArray: ${data.length} values for a ${w} x ${h} grid`);
  if (into && (into.length !== data.length || into === data)) throw new RangeError('orientArray: `into` must be another array of the same length');
  const out = into ?? new (data.constructor as { new (n: number): A })(data.length);
  const mx = (k & 1) !== 0;
  const my = (k & 2) !== 0;
  const tr = (k & 4) !== 0;
  const ow = tr ? h : w;
  for (let y = 0; y < h; y++) {
    const sy = my ? h - 1 - y : y;
    for (let x = 0; x < w; x++) {
      const sx = mx ? w - 1 - x : x;
      out[tr ? sx * ow + sy : sy * ow + sx] = data[y * w + x];
    }
  }
  return out;
}

/** The orientation that undoes `k` (mirrors are their own inverse; a transpose swaps which axis was mirrored). */
export function inverseOrientation(k: number): number {
  return k & 4 ? 4 | ((k & 1) << 1) | ((k & 2) >> 1) : k;
}
