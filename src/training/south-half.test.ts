import { describe, expect, it } from 'vitest';
import { unpackRaster } from '../core/raster/packed.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { testGrid, testRaster } from '../pipeline/test-scenes.ts';
import { northOfEvaluation, southOfTraining } from './south-half.ts';

describe('southOfTraining', () => {
  // Values = row index, so the first kept row says where the cut is.
  const g = testGrid(40, 70, 30);
  const lst = testRaster(g, (_c, r) => 280 + r);
  const ndvi = testRaster(g, (_c, r) => r / 100);
  const scene = prepareScene({ lst, aux: { ndvi } }, { allowZeroStages: true, registerGuides: false });

  it('starts below the northern half of the coarse loop grid at every reference factor, LST and guides alike', () => {
    // f = 4: 18 truth rows, 9 coarse, 4 trained -> native rows 0..31; f = 8: 9, 4, 2 -> 0..31.
    const s = southOfTraining(scene, [4, 8]);
    expect(s.lst.height).toBe(70 - 32);
    expect(s.lst.data[0]).toBe(280 + 32);
    expect(s.lst.transform[3]).toBe(g.transform[3] - 32 * 30);
    const n = unpackRaster(s.levels[0].aux.ndvi!);
    expect([n.width, n.height]).toEqual([40, 38]);
    expect(n.data[0]).toBeCloseTo(0.32, 3);
    expect(s.levels[0].grid.height).toBe(38);
  });

  it('takes the deepest cut of several factors', () => {
    // f = 2: 35 truth rows, 17 coarse, 8 trained -> 32 native rows; f = 1: 70, 35, 17 -> 34 rows.
    expect(southOfTraining(scene, [2]).lst.data[0]).toBe(280 + 32);
    expect(southOfTraining(scene, [1, 2]).lst.data[0]).toBe(280 + 34);
  });

  it('leaves the rows north of the cut to northOfEvaluation, LST and guides alike, and nothing both get', () => {
    const n = northOfEvaluation(scene, [4, 8]);
    const s = southOfTraining(scene, [4, 8]);
    expect(n.lst.height + s.lst.height).toBe(70);
    expect(n.lst.data[0]).toBe(280);
    expect(n.lst.data[n.lst.data.length - 1]).toBe(280 + 31);
    expect(n.lst.transform[3]).toBe(g.transform[3]);
    expect(unpackRaster(n.levels[0].aux.ndvi!).height).toBe(32);
    expect(n.levels[0].grid.height).toBe(32);
  });
});
