/**
 * The eight orientations of a grid (the dihedral group of the square): identity, the flips, the
 * rotations and the transposes. Orientation `k` (0-7) is bit 0 = mirror columns (east-west),
 * bit 1 = mirror rows (north-south), bit 2 = transpose (after the mirrors); 0 is the identity.
 * Used to augment training patches: a block mean, a box mean and a bicubic upsample commute with
 * every orientation, so an oriented closed-loop pair is the pair of the oriented scene.
 */
export const ORIENTATIONS = 8;

/** The numbers of orientations SRDA-Net's self-ensemble can average over (network passes per prediction). */
export const ORIENTATION_COUNTS = [1, 2, 8] as const;

/** ORIENTATION_COUNTS in words ('1, 2 or 8'), for the messages that refuse another count. */
export const ORIENTATION_COUNTS_TEXT = `${ORIENTATION_COUNTS.slice(0, -1).join(', ')} or ${ORIENTATION_COUNTS[ORIENTATION_COUNTS.length - 1]}`;

/** A number of orientations SRDA-Net's self-ensemble averages over. */
export type OrientationCount = (typeof ORIENTATION_COUNTS)[number];

/** Which orientations an ensemble of `n` (2 or 8) turns its input to, in words (`orientationSet`), for the user. */
export function orientationWords(n: number): string {
  return n === 2 ? 'as it is and rotated 180 degrees' : 'mirrored, rotated, transposed';
}

/**
 * The orientations a user's SRDA-Net run averages over unless they choose (CLI `--orientations`,
 * the app's choice): one pass. Two passes are more accurate (model card) but cost a second network
 * run per tile, past the +30 % per-tile bound over v1 in the browser (bench).
 */
export const DEFAULT_ORIENTATIONS: OrientationCount = 1;

/**
 * The orientations (0-7, identity first) of an ensemble of `n`: 1 -> the identity, 2 -> the
 * identity and the 180-degree rotation (3: both mirrors), 8 -> all eight.
 */
export function orientationSet(n: OrientationCount): readonly number[] {
  return n === 1 ? [0] : n === 2 ? [0, 3] : [0, 1, 2, 3, 4, 5, 6, 7];
}

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

/** A window of coarse pixels (column, row, width, height); it may stick out of its grid. */
export interface OrientWindow {
  col: number;
  row: number;
  width: number;
  height: number;
}

/** `window` of a `w` x `h` grid in orientation `k`: the same pixels, in the oriented grid (also for windows that stick out). */
export function orientWindow<W extends OrientWindow>(window: W, w: number, h: number, k: number): OrientWindow {
  const col = k & 1 ? w - window.col - window.width : window.col;
  const row = k & 2 ? h - window.row - window.height : window.row;
  return k & 4 ? { col: row, row: col, width: window.height, height: window.width } : { col, row, width: window.width, height: window.height };
}

let composeTable: number[][] | undefined;

/** The orientation that is `first` followed by `then` (orientArray(orientArray(x, first), then) = orientArray(x, result)). */
export function composeOrientations(first: number, then: number): number {
  if (!composeTable) {
    // An asymmetric 3 x 2 grid tells the eight orientations apart.
    const probe = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const image = (k: number, a = probe, w = 3, h = 2) => orientArray(a, w, h, k);
    const key = (a: Float32Array) => a.join(',');
    const byKey = new Map<string, number>();
    for (let k = 0; k < ORIENTATIONS; k++) byKey.set(key(image(k)), k);
    composeTable = [];
    for (let a = 0; a < ORIENTATIONS; a++) {
      composeTable.push([]);
      const sa = orientedSize(3, 2, a);
      for (let b = 0; b < ORIENTATIONS; b++) composeTable[a].push(byKey.get(key(image(b, image(a), sa.w, sa.h)))!);
    }
  }
  return composeTable[first][then];
}
