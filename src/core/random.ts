/** The output function of mulberry32 for a state already advanced by 0x6d2b79f5: a float in [0, 1). */
function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * A deterministic 32-bit generator (mulberry32) started from the raw `seed`, uniform in [0, 1): the
 * same sequence for a seed on every engine, for sampling in the baselines and seeded test fixtures.
 * `new Rng(seed)` is the same generator with a mixed seed and helpers (synthetic scenes, training).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    return mulberry32Output(a);
  };
}

/** 32-bit finaliser (murmur3 fmix32): a well-mixed unsigned 32-bit value from any int. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of two lattice integers and a seed to an unsigned 32-bit value (order-sensitive). */
export function hash2(i: number, j: number, seed: number): number {
  return mix32(Math.imul(i | 0, 0x27d4eb2d) ^ mix32(Math.imul(j | 0, 0x165667b1) ^ (seed | 0)));
}

/** Hash of two lattice integers and a seed to a float in [0, 1). */
export function hash2Unit(i: number, j: number, seed: number): number {
  return hash2(i, j, seed) / 4294967296;
}

/** Derives an independent 32-bit sub-seed for the named purpose (FNV-1a of the name, mixed with the seed). */
export function subSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 0x01000193);
  return mix32(h ^ mix32(seed | 0));
}

/**
 * A seeded generator (mulberry32): `next()` returns floats in [0, 1). Integer-only arithmetic
 * (Math.imul, shifts), like the hashes here, so every engine on every machine gives the same
 * sequence.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = mix32((seed | 0) ^ 0x9e3779b9);
  }

  /** Next float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    return mulberry32Output(this.state);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
