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

  it('decodes large 8- and 16-bit bands through a table to exactly the values sample by sample gives', () => {
    const n = (1 << 18) + 7;
    const i16 = new Int16Array(n).map((_, i) => ((i * 7919) % 65536) - 32768);
    const u16 = new Uint16Array(n).map((_, i) => (i * 104729) % 65536);
    const u8 = new Uint8Array(n).map((_, i) => (i * 31) % 256);
    const cases: Array<[ArrayLike<number>, Parameters<typeof decodeSamples>[1]]> = [
      [i16, { scale: 0.0001, offset: 0, nodata: -3000, validRange: [-2000, 10000] }],
      [u16, { scale: 0.02, offset: 0, nodata: 0, validRange: [7500, 65535] }],
      [u8, { scale: 0.5, offset: -3, nodata: null, fill: 255 }],
      [i16, { scale: 1, offset: 0, nodata: 0.5 }],
    ];
    for (const [raw, s] of cases) {
      // The same samples as a plain array: decoded one by one.
      const one = decodeSamples(Array.from(raw), s);
      const table = decodeSamples(raw, s);
      const [x, y] = [new Uint32Array(table.buffer), new Uint32Array(one.buffer)];
      expect(x.length).toBe(n);
      expect(x.filter((v, i) => v !== y[i]).length).toBe(0);
      expect(table.some((v) => v === v)).toBe(true);
    }
  });

  it('decodes float32 samples on their own loop to the bits the shared loop gives the same values as float64', () => {
    const n = 4096;
    const f32 = new Float32Array(n).map((_, i) =>
      i % 97 === 0 ? -9999 : i % 89 === 0 ? NaN : Math.sin(i) * 400 - 50,
    );
    f32[5] = Number.POSITIVE_INFINITY;
    f32[6] = -0;
    const f64 = Float64Array.from(f32);
    const cases: Array<Parameters<typeof decodeSamples>[1]> = [
      { scale: 1, offset: 0, nodata: -9999 },
      { scale: 0.02, offset: 273.15, nodata: null, fill: f32[10], validRange: [-300, 300] },
      { scale: 1 / 3, offset: -1e-3, nodata: f32[20] },
    ];
    for (const s of cases) {
      const [a, b] = [decodeSamples(f32, s), decodeSamples(f64, s)];
      const [x, y] = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
      expect(x.filter((v, i) => v !== y[i]).length).toBe(0);
      expect(a.filter((v) => v !== v).length).toBeGreaterThan(n / 100);
    }
  });

  it('decodes float32 samples in place to the bits a new array gets (-0 to +0, NaN payloads to NaN)', () => {
    const bits = new Uint32Array([
      0x80000000, 0x7fc00001, 0xff800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xc61c3c00, 0x00000001,
    ]);
    const raw = new Float32Array(bits.buffer);
    const cases: Array<Parameters<typeof decodeSamples>[1]> = [
      { scale: 1, offset: 0, nodata: -9999 },
      { scale: 1, offset: 0, nodata: -3.40282346638529e38 },
      { scale: 0.5, offset: 273.15, nodata: null, fill: 1, validRange: [-1e30, 1e30] },
    ];
    for (const s of cases) {
      const fresh = decodeSamples(raw, s);
      const own = raw.slice();
      const back = decodeSamples(own, s, own);
      expect(back).toBe(own);
      expect(Array.from(new Uint32Array(back.buffer))).toEqual(Array.from(new Uint32Array(fresh.buffer)));
    }
    // The cases above do change samples: -0 becomes +0, -9999 and the float32 minimum NaN.
    const own = raw.slice();
    decodeSamples(own, cases[1], own);
    expect(Object.is(own[0], 0)).toBe(true);
    expect(Number.isNaN(own[4])).toBe(true);
  });
});
