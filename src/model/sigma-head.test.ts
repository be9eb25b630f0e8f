import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.ts';
import { sigmaFromRaw, softplus } from './sigma-head.ts';

const exact = (x: number, scale: number, floor: number): number => Math.fround(scale * (softplus(x) + floor));

describe('sigmaFromRaw', () => {
  it('gives the float32 of scale * (softplus + floor) bit for bit over the table and beyond', () => {
    const rnd = seededRandom(17);
    let n = 0;
    for (const scale of [10, 10 * 0.73, 1]) {
      for (let k = 0; k < 400_000; k++) {
        // Mostly where the head's raw outputs lie, some far out (exact path), all as float32 like the network's.
        const x = Math.fround(k % 10 === 0 ? -60 + 120 * rnd() : -9 + 12 * rnd());
        const got = sigmaFromRaw(x, scale, 0.002);
        if (!Object.is(got, exact(x, scale, 0.002))) n++;
      }
    }
    expect(n).toBe(0);
  });

  it('decides values next to a float32 rounding boundary exactly', () => {
    // Every float32 x in a narrow range: some land within the error bound of a boundary.
    let x = Math.fround(-2.25);
    const buf = new Float32Array(1);
    const bits = new Int32Array(buf.buffer);
    for (let k = 0; k < 200_000; k++) {
      expect(sigmaFromRaw(x, 10, 0.002)).toBe(exact(x, 10, 0.002));
      buf[0] = x;
      bits[0]--; // the next float32 towards zero (x < 0): walks upwards
      x = buf[0];
    }
  });

  it('passes NaN and the table edges through the exact form', () => {
    expect(sigmaFromRaw(Number.NaN, 10, 0.002)).toBeNaN();
    for (const x of [-16, 16, Math.fround(15.999999), 20, 21, -16.000002]) expect(sigmaFromRaw(x, 10, 0.002)).toBe(exact(x, 10, 0.002));
  });
});
