import { describe, expect, it } from 'vitest';
import { cropPacked, unpackRaster, unpackWindow } from '../core/raster/packed.ts';
import { packRaster } from '../core/raster/pack-raster.ts';
import { testGrid, testRaster } from './test-scenes.ts';
import { packedBuffers, withFineAuxDecoded } from './packed-input.ts';
import type { StageInput } from './method.ts';

/** NDVI-like codes x 1e-4 with a gap, 10 x 7. */
const ndvi = testRaster(testGrid(10, 7, 250), (c, r) => (c === 3 && r === 2 ? Number.NaN : Math.fround((c * 731 - r * 457) * 1e-4)));

describe('packed tile windows', () => {
  it('decode to the very values the window of the packed layer decodes to, inside, across and outside its edges', () => {
    const packed = packRaster(ndvi)!;
    expect(packed).toBeDefined();
    for (const w of [
      { col: 1, row: 1, width: 6, height: 4 },
      { col: -2, row: -1, width: 5, height: 4 },
      { col: 7, row: 5, width: 6, height: 5 },
      { col: 12, row: 0, width: 3, height: 2 },
    ]) {
      const crop = cropPacked(packed, w);
      expect([crop.width, crop.height, crop.bands[0]!.length]).toEqual([w.width, w.height, w.width * w.height]);
      expect(crop.transform[0]).toBe(packed.transform[0] + w.col * 250);
      const want = unpackWindow(packed, w);
      const got = unpackRaster(crop).data;
      // Object.is: NaN where the window leaves the raster or the layer has a gap, equal bits elsewhere.
      expect(Array.from(got).every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
  });

  it('are moved into fineAux, other layers kept, and their buffers listed for transfer', () => {
    const packed = cropPacked(packRaster(ndvi)!, { col: 0, row: 0, width: 4, height: 4 });
    const dem = testRaster(testGrid(4, 4, 250), (c, r) => 100.25 + c + r);
    const lst = testRaster(testGrid(2, 2, 500), () => 300);
    const input: StageInput = { coarseLst: lst, fineGrid: testGrid(4, 4, 250), fineAux: { dem }, coarseAux: {}, packedFineAux: { ndvi: packed } };
    expect(packedBuffers(input)).toEqual([packed.bands[0]!.buffer]);
    const out = withFineAuxDecoded(input);
    expect(out.packedFineAux).toBeUndefined();
    expect(out.fineAux.dem).toBe(dem);
    expect(out.fineAux.ndvi!.data).toEqual(unpackWindow(packRaster(ndvi)!, { col: 0, row: 0, width: 4, height: 4 }));
    const plain = { ...input, packedFineAux: undefined };
    delete plain.packedFineAux;
    expect(withFineAuxDecoded(plain)).toBe(plain);
    expect(packedBuffers(plain)).toEqual([]);
  });
});
