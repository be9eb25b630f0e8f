import { inflateSync } from 'node:zlib';
import { unzlibSync } from 'fflate';
import { expect } from 'vitest';
import { webStreamsCodec } from '../io/deflate-codec.ts';

/** `n` seeded pseudo-random bytes, about `zeroShare` of them 0: noise-like input for the Deflate encoders' tests. */
export function noise(n: number, seed: number, zeroShare = 0.3): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) % 1000 < zeroShare * 1000 ? 0 : s >>> 24;
  }
  return out;
}

/** `z` is a zlib stream (a valid header) that zlib, fflate and DecompressionStream all inflate to `bytes`. */
export async function expectInflatesBack(z: Uint8Array, bytes: Uint8Array): Promise<void> {
  expect(z[0]).toBe(0x78);
  expect(((z[0] << 8) | z[1]) % 31).toBe(0);
  expect(Buffer.from(inflateSync(z)).equals(Buffer.from(bytes))).toBe(true);
  expect(Buffer.from(unzlibSync(z)).equals(Buffer.from(bytes))).toBe(true);
  expect(Buffer.from(await webStreamsCodec.inflate!(z, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
}
