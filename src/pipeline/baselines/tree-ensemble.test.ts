import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/random.ts';
import { fitTreeEnsemble } from './tree-ensemble.ts';

function data(n: number, f: (x: number, z: number) => number) {
  const rand = seededRandom(7);
  const x = new Float32Array(n);
  const z = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rand();
    z[i] = rand();
    y[i] = f(x[i], z[i]);
  }
  return { x, z, y };
}

describe('fitTreeEnsemble', () => {
  it('learns a step in one feature and ignores the other', () => {
    const { x, z, y } = data(4000, (a) => (a > 0.5 ? 10 : 2));
    const model = fitTreeEnsemble([x, z], y, undefined, { nTrees: 4, maxDepth: 3 });
    const p = model.predict([Float32Array.of(0.2, 0.8, 0.3), Float32Array.of(0.9, 0.1, 0.5)], 3);
    expect(p[0]).toBeCloseTo(2, 1);
    expect(p[1]).toBeCloseTo(10, 1);
    expect(p[2]).toBeCloseTo(2, 1);
  });

  it('fits a plane almost exactly with linear leaves, better than constant leaves', () => {
    const { x, z, y } = data(3000, (a, b) => 300 - 15 * a + 4 * b);
    const test = data(500, (a, b) => 300 - 15 * a + 4 * b);
    const err = (leafModel: 'linear' | 'constant') => {
      const p = fitTreeEnsemble([x, z], y, undefined, { nTrees: 4, maxDepth: 3, leafModel }).predict([test.x, test.z], 500);
      return Math.sqrt(p.reduce((s, v, i) => s + (v - test.y[i]) ** 2, 0) / 500);
    };
    expect(err('linear')).toBeLessThan(0.05);
    expect(err('constant')).toBeGreaterThan(0.3);
  });

  it('is deterministic for a seed, skips NaN samples and honours sample weights', () => {
    const { x, z, y } = data(2000, (a, b) => a * 5 + b);
    x[3] = Number.NaN;
    y[5] = Number.NaN;
    const a = fitTreeEnsemble([x, z], y, undefined, { seed: 3 }).predict([x, z], 50);
    const b = fitTreeEnsemble([x, z], y, undefined, { seed: 3 }).predict([x, z], 50);
    expect(Array.from(a)).toEqual(Array.from(b));
    const w = new Float32Array(2000).fill(1);
    const yy = y.map((v, i) => (i % 2 ? v : 1000));
    for (let i = 0; i < 2000; i += 2) w[i] = 0;
    const p = fitTreeEnsemble([x, z], yy, w, { nTrees: 2 }).predict([x, z], 2000);
    expect(Math.max(...p)).toBeLessThan(10);
  });
});
