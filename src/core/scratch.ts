// Arrays a repeated computation keeps from one call to the next (a tile worker's per-tile arrays).

type Ctor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/**
 * A pool of work arrays by role, one buffer per role grown to the largest size asked for, so a loop
 * over tiles of similar sizes allocates (almost) nothing after its first calls. Each array handed
 * out is zero-filled, like a new one, and stays valid until the same role is asked for again: a
 * role is one array at a time, and whatever its holder returns must not outlive the next call that
 * takes it. Not for arrays that leave the computation (results, transferred buffers).
 */
export class Scratch {
  private readonly kept = new Map<string, ArrayBuffer>();

  f32(role: string, length: number): Float32Array {
    return this.take(role, length, Float32Array);
  }

  f64(role: string, length: number): Float64Array {
    return this.take(role, length, Float64Array);
  }

  u8(role: string, length: number): Uint8Array {
    return this.take(role, length, Uint8Array);
  }

  /** Bytes held across all roles. */
  get bytes(): number {
    let n = 0;
    for (const b of this.kept.values()) n += b.byteLength;
    return n;
  }

  private take<T extends { fill(v: number): T }>(role: string, length: number, ctor: Ctor<T>): T {
    const bytes = length * ctor.BYTES_PER_ELEMENT;
    let buf = this.kept.get(role);
    if (!buf || buf.byteLength < bytes) {
      // A new one is zeroed already.
      buf = new ArrayBuffer(bytes);
      this.kept.set(role, buf);
      return new ctor(buf, 0, length);
    }
    return new ctor(buf, 0, length).fill(0);
  }
}

/** `scratch`'s array for `role`, or a new one without a pool. Zero-filled either way. */
export function f32Of(scratch: Scratch | undefined, role: string, length: number): Float32Array {
  return scratch ? scratch.f32(role, length) : new Float32Array(length);
}

/** As `f32Of`, float64. */
export function f64Of(scratch: Scratch | undefined, role: string, length: number): Float64Array {
  return scratch ? scratch.f64(role, length) : new Float64Array(length);
}

/** As `f32Of`, bytes. */
export function u8Of(scratch: Scratch | undefined, role: string, length: number): Uint8Array {
  return scratch ? scratch.u8(role, length) : new Uint8Array(length);
}
