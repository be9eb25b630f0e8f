import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.ts';
import { conservationError, correctLinearRows, correctResidualsInPlace, correctStageLinear, linearResult, linearSums } from './correct.ts';

const N = Number.NaN;

/** The four passes the one-pass correction replaces, one after the other. */
function fourPasses(fine: Float32Array, sigma: Float32Array, coarse: Float32Array, cw: number, ch: number) {
  const before = conservationError(fine, coarse, cw, ch, 2, 'linear');
  const after = correctResidualsInPlace(fine, coarse, cw, ch, 2, 'linear');
  for (let i = 0; i < sigma.length; i++) if (fine[i] !== fine[i]) sigma[i] = N;
  return { before, after };
}

/** A field with gaps of every kind: NaN coarse pixels, blocks with 1-3 NaN fine pixels, all-NaN blocks. */
function scene(seed: number, cw: number, ch: number) {
  const rnd = seededRandom(seed);
  const coarse = Float32Array.from({ length: cw * ch }, () => (rnd() < 0.08 ? N : 270 + 40 * rnd()));
  const fine = Float32Array.from({ length: 4 * cw * ch }, () => (rnd() < 0.15 ? N : 265 + 50 * rnd()));
  // Some whole blocks without a valid fine pixel.
  for (let k = 0; k < 20; k++) {
    const c = Math.floor(rnd() * cw);
    const r = Math.floor(rnd() * ch);
    const i = 2 * r * 2 * cw + 2 * c;
    fine[i] = fine[i + 1] = fine[i + 2 * cw] = fine[i + 2 * cw + 1] = N;
  }
  const sigma = Float32Array.from({ length: 4 * cw * ch }, () => 0.1 + rnd());
  return { coarse, fine, sigma };
}

describe('one-pass stage correction', () => {
  it('corrects, measures and masks sigma bit for bit as the separate passes', () => {
    for (const [seed, cw, ch] of [
      [1, 37, 23],
      [2, 64, 64],
      [3, 1, 9],
    ]) {
      const a = scene(seed, cw, ch);
      const b = { fine: a.fine.slice(), sigma: a.sigma.slice() };
      const want = fourPasses(a.fine, a.sigma, a.coarse, cw, ch);
      const got = correctStageLinear(b.fine, b.sigma, a.coarse, cw, ch);
      expect(got).toEqual(want);
      expect(Buffer.from(b.fine.buffer).equals(Buffer.from(a.fine.buffer))).toBe(true);
      expect(Buffer.from(b.sigma.buffer).equals(Buffer.from(a.sigma.buffer))).toBe(true);
      expect(want.before.blocks).toBeLessThan(want.after.blocks); // the all-NaN blocks were there
      expect(want.before.maxAbs).toBeGreaterThan(1);
    }
  });

  it('works without sigma and on a hand-worked block', () => {
    const fine = Float32Array.of(300, 302, 1, 2, N, 304, 3, 4);
    const r = correctStageLinear(fine, undefined, Float32Array.of(305, N), 2, 1);
    // Rows of the 4x2 fine grid: [300, 302, 1, 2], [N, 304, 3, 4]. Valid mean 302 -> +3; second block NaN.
    expect(Array.from(fine)).toEqual([303, 305, N, N, N, 307, N, N]);
    expect(r.before).toEqual({ maxAbs: 3, meanAbs: 3, blocks: 1 });
    expect(r.after).toEqual({ maxAbs: 0, meanAbs: 0, blocks: 1 });
  });

  it('gives the same values and sums band by band, the sums carried, as in one pass', () => {
    const cw = 29;
    const ch = 41;
    const a = scene(7, cw, ch);
    const whole = { fine: a.fine.slice(), sigma: a.sigma.slice() };
    const want = correctStageLinear(whole.fine, whole.sigma, a.coarse, cw, ch);
    const sums = linearSums();
    const fw = 2 * cw;
    for (const [r0, r1] of [[0, 5], [5, 6], [6, 6], [6, 32], [32, 41]]) {
      const fine = a.fine.slice(2 * r0 * fw, 2 * r1 * fw);
      const sigma = a.sigma.slice(2 * r0 * fw, 2 * r1 * fw);
      correctLinearRows(fine, sigma, a.coarse, cw, r0, r1, sums);
      expect(Buffer.from(fine.buffer).equals(Buffer.from(whole.fine.buffer, 4 * 2 * r0 * fw, 4 * fine.length))).toBe(true);
      expect(Buffer.from(sigma.buffer).equals(Buffer.from(whole.sigma.buffer, 4 * 2 * r0 * fw, 4 * sigma.length))).toBe(true);
    }
    expect(linearResult(sums)).toEqual(want);
    expect(() => correctLinearRows(new Float32Array(10), undefined, a.coarse, cw, 0, 1, linearSums())).toThrow(/do not match/);
  });
});
