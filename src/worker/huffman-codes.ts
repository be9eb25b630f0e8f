/**
 * Huffman code lengths of `freq` no longer than `maxBits` (frequencies halved until they fit), at
 * least two symbols coded so the code is complete.
 */
export function codeLengths(freq: Uint32Array, maxBits: number): Uint8Array {
  const f = Float64Array.from(freq);
  let used = 0;
  for (const v of f) if (v > 0) used++;
  for (let s = 0; used < 2; s++)
    if (f[s] === 0) {
      f[s] = 1;
      used++;
    }
  for (;;) {
    const lens = huffmanLengths(f);
    let max = 0;
    for (const l of lens) max = Math.max(max, l);
    if (max <= maxBits) return lens;
    for (let s = 0; s < f.length; s++) if (f[s] > 0) f[s] = Math.max(1, Math.floor(f[s] / 2));
  }
}

/** Unlimited Huffman code lengths (two-queue merge over the symbols sorted by frequency). */
function huffmanLengths(f: Float64Array): Uint8Array {
  const leaves: number[] = [];
  for (let s = 0; s < f.length; s++) if (f[s] > 0) leaves.push(s);
  leaves.sort((a, b) => f[a] - f[b] || a - b);
  const m = leaves.length;
  // Nodes 0..m-1 are the leaves in order, m.. the merged ones (created in increasing weight).
  const weight = new Float64Array(2 * m);
  const parent = new Int32Array(2 * m).fill(-1);
  for (let i = 0; i < m; i++) weight[i] = f[leaves[i]];
  let leaf = 0;
  let inner = m;
  let made = m;
  const take = (): number => (leaf < m && (inner >= made || weight[leaf] <= weight[inner]) ? leaf++ : inner++);
  while (made < 2 * m - 1) {
    const a = take();
    const b = take();
    weight[made] = weight[a] + weight[b];
    parent[a] = made;
    parent[b] = made;
    made++;
  }
  const depth = new Uint8Array(2 * m);
  for (let node = 2 * m - 3; node >= 0; node--) depth[node] = depth[parent[node]] + 1;
  const lens = new Uint8Array(f.length);
  for (let i = 0; i < m; i++) lens[leaves[i]] = depth[i];
  return lens;
}

/** Canonical Huffman codes of `lens`, bit-reversed for Deflate's LSB-first stream. */
export function canonicalCodes(lens: Uint8Array): Uint16Array {
  const count = new Uint16Array(16);
  for (const l of lens) if (l) count[l]++;
  const next = new Uint16Array(16);
  let code = 0;
  for (let bits = 1; bits < 16; bits++) {
    code = (code + count[bits - 1]) << 1;
    next[bits] = code;
  }
  const codes = new Uint16Array(lens.length);
  for (let s = 0; s < lens.length; s++) {
    const l = lens[s];
    if (!l) continue;
    let c = next[l]++;
    let r = 0;
    for (let b = 0; b < l; b++) {
      r = (r << 1) | (c & 1);
      c >>>= 1;
    }
    codes[s] = r;
  }
  return codes;
}
