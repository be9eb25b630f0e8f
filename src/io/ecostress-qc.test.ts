import { describe, expect, it } from 'vitest';
import { decodeEcostressQc, decodeEcostressQcValue, isEcostressProduct } from './ecostress-qc.ts';

describe('ECOSTRESS L2 LSTE QC', () => {
  // 0b10_00_10_10_11_00_00_00: best quality, good L1B data, LST accuracy 1-1.5 K (the LA 2023-08-05 scene's commonest word).
  const best = 35520;

  it('decodes the mandatory QA, data quality and LST accuracy fields', () => {
    expect(decodeEcostressQcValue(best)).toEqual({ mandatory: 'best', dataQuality: 0, lstErrorMaxK: 1.5 });
    // 0b01_00_10_10_11_00_01_01: nominal quality (a filled stripe pixel), LST accuracy 1.5-2 K.
    expect(decodeEcostressQcValue(19141)).toEqual({ mandatory: 'nominal', dataQuality: 1, lstErrorMaxK: 2 });
    expect(decodeEcostressQcValue(0b11_00_0000_0000_00_10)).toEqual({ mandatory: 'cloud', dataQuality: 0, lstErrorMaxK: 1 });
    expect(decodeEcostressQcValue(0b00_00_0000_0000_11_11).lstErrorMaxK).toBe(Number.POSITIVE_INFINITY);
  });

  it('masks what the product marks bad: cloud, not produced, bad L1B data, LST accuracy worse than 2 K', () => {
    const words = [
      best,
      19141, // nominal, filled stripe: kept as MOD11 "other quality" is
      best | 2, // cloud detected
      best | 3, // not produced
      best | (3 << 2), // missing or bad L1B data
      best & 0x3fff, // LST accuracy > 2 K (poor)
      -99999, // the layer's nodata: no QC known, the LST decides
      Number.NaN,
      70000, // no 16-bit QC word
    ];
    expect(Array.from(decodeEcostressQc(Float32Array.from(words)))).toEqual([1, 1, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('knows the ECOSTRESS LST products by their short names', () => {
    expect(['ECO_L2_LSTE', 'ECO_L2T_LSTE', 'eco_l2_lste'].map(isEcostressProduct)).toEqual([true, true, true]);
    expect([undefined, 'MOD11A1', 'LANDSAT_8'].map(isEcostressProduct)).toEqual([false, false, false]);
  });
});
