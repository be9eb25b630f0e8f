import { describe, expect, it } from 'vitest';
import { decodeSamples, metaRange, resolveScaling } from './band-decode.ts';

describe('resolveScaling', () => {
  it('treats a MOD13 scale_factor of 10000 as a divisor', () => {
    const s = resolveScaling({
      role: 'ndvi',
      product: 'MOD13A2',
      isFloat: false,
      hints: { scaleFactor: 10000 },
    });
    expect([s.scale, s.source]).toEqual([1e-4, 'metadata']);
    expect(s.notes.join()).toMatch(/divisor/);
  });
  it('prefers GDAL band scale/offset, keeping the MOD11 view-angle offset', () => {
    const s = resolveScaling({
      role: 'view-angle',
      product: 'MOD11A1',
      isFloat: false,
      hints: { bandScale: 1, bandOffset: -65, addOffset: -65 },
    });
    expect([s.scale, s.offset, s.source]).toEqual([1, -65, 'metadata']);
  });
  it('falls back to the product naming, and to identity for unknown products', () => {
    expect(resolveScaling({ role: 'lst', product: 'MYD11A2', isFloat: false, hints: {} })).toMatchObject({
      scale: 0.02,
      source: 'product',
      validRange: [7500, 65535],
    });
    expect(resolveScaling({ role: 'red', product: 'MOD09GA', isFloat: false, hints: {} })).toMatchObject({
      scale: 1e-4,
      source: 'product',
    });
    expect(resolveScaling({ role: 'dem', isFloat: false, hints: {} })).toMatchObject({
      scale: 1,
      offset: 0,
      source: 'none',
    });
  });
  it('leaves float data and categorical bands unscaled', () => {
    expect(
      resolveScaling({ role: 'lst', product: 'MOD11A1', isFloat: true, hints: { scaleFactor: 0.02 } }),
    ).toMatchObject({ scale: 1, source: 'none' });
    expect(
      resolveScaling({
        role: 'cloud-mask',
        product: 'ECO_L2_LSTE',
        isFloat: false,
        hints: { bandScale: 0.0001 },
      }),
    ).toMatchObject({ scale: 1, source: 'none' });
  });
});

describe('decodeSamples', () => {
  it('turns nodata, fill, out-of-range and non-finite samples into NaN and scales the rest', () => {
    const raw = new Float64Array([0, 7499, 7500, 15000, 65535, Number.NaN, Number.POSITIVE_INFINITY]);
    const out = decodeSamples(raw, { scale: 0.02, offset: 0, nodata: 0, validRange: [7500, 65535] });
    expect(Array.from(out)).toEqual([NaN, NaN, 150, 300, Math.fround(65535 * 0.02), NaN, NaN]);
  });
  it('matches float32 nodata tags written with double precision', () => {
    const raw = new Float32Array([-3.4028234663852886e38, 1.5]);
    expect(Array.from(decodeSamples(raw, { scale: 1, offset: 0, nodata: -3.40282346638529e38 }))).toEqual([
      NaN,
      1.5,
    ]);
  });
  it('parses valid_range metadata', () => {
    expect(metaRange('7500, 65535')).toEqual([7500, 65535]);
    expect(metaRange('bogus')).toBeUndefined();
  });
});
