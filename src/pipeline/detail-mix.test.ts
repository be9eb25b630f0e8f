import { describe, expect, it } from 'vitest';
import { bicubicMethod } from './baselines/bicubic.ts';
import { weightDetail, weightDetailCore } from './detail-mix.ts';
import type { StageInput } from './method.ts';
import { testGrid, testRaster } from './test-scenes.ts';

/**
 * A tile of `w` x `h` coarse px with gaps (a hole 3x5 px left of the core, whose middle gap filling
 * fills only in its second pass, from 4 px out; one on the core's top edge; NaN rows at the tile's
 * bottom) and SRDA-Net-like output on the core only: bicubic plus
 * detail, sigma that varies, a NaN inside.
 */
function tile(w: number, h: number, core: StageInput['core']) {
  const lst = testRaster(testGrid(w, h, 1000), (c, r) =>
    (c >= core!.col - 3 && c < core!.col && r >= core!.row && r < core!.row + 5) || (r === core!.row && c === core!.col + 5) || r >= h - 2 ? Number.NaN : 290 + 0.7 * c - 0.4 * r + 3 * Math.sin(c * r),
  );
  const input: StageInput = { coarseLst: lst, fineGrid: testGrid(2 * w, 2 * h, 500), fineAux: {}, coarseAux: {}, core };
  return input;
}

async function prediction(input: StageInput) {
  const fw = 2 * input.coarseLst.width;
  const b = await bicubicMethod.runStage(input);
  const c = input.core!;
  const lstK = new Float32Array(b.length).fill(Number.NaN);
  const sigmaK = new Float32Array(b.length).fill(Number.NaN);
  for (let r = 2 * c.row; r < 2 * (c.row + c.height); r++) {
    for (let x = 2 * c.col; x < 2 * (c.col + c.width); x++) {
      const i = r * fw + x;
      lstK[i] = b[i] + Math.cos(3 * i);
      sigmaK[i] = i % 17 === 0 ? Number.NaN : 0.3 + 0.01 * (i % 7);
    }
  }
  return { pred: { lstK, sigmaK }, bicubic: b };
}

describe('weightDetailCore', () => {
  const cases = [
    { name: 'a core inside its halo', w: 30, h: 26, core: { col: 8, row: 6, width: 14, height: 12 } },
    { name: 'a core on the tile edges (a scene corner)', w: 20, h: 18, core: { col: 0, row: 0, width: 14, height: 12 } },
    { name: 'a core one px from the edges', w: 20, h: 18, core: { col: 1, row: 1, width: 18, height: 16 } },
  ];
  for (const { name, w, h, core } of cases) {
    it(`equals weightDetail with the whole tile's bicubic in the core, bit for bit: ${name}`, async () => {
      const input = tile(w, h, core);
      const { pred, bicubic } = await prediction(input);
      for (const alpha of [0, 0.37, 1]) {
        const whole = weightDetail(pred, bicubic, alpha, 2 * w);
        const got = weightDetailCore(pred, input, alpha);
        let inCore = 0;
        for (let i = 0; i < 4 * w * h; i++) {
          const r = Math.floor(i / (2 * w)) >> 1;
          const c = (i % (2 * w)) >> 1;
          if (r >= core.row && r < core.row + core.height && c >= core.col && c < core.col + core.width) {
            inCore++;
            expect(Object.is(got.lstK[i], whole.lstK[i]) && Object.is(got.sigmaK[i], whole.sigmaK[i]) && Object.is(got.carriedVarK2![i], whole.carriedVarK2![i])).toBe(true);
          } else {
            expect(got.lstK[i]).toBeNaN();
            expect(got.sigmaK[i]).toBeNaN();
            expect(got.carriedVarK2![i]).toBe(0);
          }
        }
        expect(inCore).toBe(4 * core.width * core.height);
      }
      // The core has its gap (NaN) and numbers elsewhere.
      const got = weightDetailCore(pred, input, 0.5);
      const nan = got.lstK.filter((v) => v !== v).length;
      expect(nan).toBeGreaterThan(4 * (w * h - core.width * core.height));
      expect(nan).toBeLessThan(4 * w * h - 100);
    });
  }

  it('with reuse writes the same core into the prediction\'s own arrays', async () => {
    const core = { col: 8, row: 6, width: 14, height: 12 };
    const input = tile(30, 26, core);
    const { pred } = await prediction(input);
    const want = weightDetailCore(pred, input, 0.37);
    const own = { lstK: pred.lstK.slice(), sigmaK: pred.sigmaK.slice() };
    const got = weightDetailCore(own, input, 0.37, true);
    expect(got.lstK).toBe(own.lstK);
    expect(got.sigmaK).toBe(own.sigmaK);
    expect(got.lstK.every((v, i) => Object.is(v, want.lstK[i]))).toBe(true);
    expect(got.sigmaK.every((v, i) => Object.is(v, want.sigmaK[i]))).toBe(true);
    expect(got.carriedVarK2!.every((v, i) => Object.is(v, want.carriedVarK2![i]))).toBe(true);
  });

  it('covers the whole tile when it has no core', async () => {
    const input = tile(16, 12, { col: 0, row: 0, width: 16, height: 12 });
    const { pred, bicubic } = await prediction(input);
    const { core: _, ...whole } = input;
    const got = weightDetailCore(pred, whole, 0.6);
    const want = weightDetail(pred, bicubic, 0.6, 32);
    expect(got.lstK.every((v, i) => Object.is(v, want.lstK[i]))).toBe(true);
    expect(got.sigmaK.every((v, i) => Object.is(v, want.sigmaK[i]))).toBe(true);
    expect(got.carriedVarK2!.every((v, i) => Object.is(v, want.carriedVarK2![i]))).toBe(true);
  });
});
