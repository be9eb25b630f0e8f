import { describe, expect, it } from 'vitest';
import { aggregateMean, aggregateMode } from './aggregate.ts';
import { cropPacked, layerBytes, PACKED_NAN, releasePackedRows, unpackRaster, unpackWindow, type DerivedLayer } from './packed.ts';
import { packRaster } from './pack-raster.ts';
import { AppError } from '../errors.ts';
import { gridOf, type Grid, type Raster } from './raster.ts';
import { cropRaster } from './tiling.ts';

const grid = (width: number, height: number): Grid => ({
  width,
  height,
  transform: [500000, 250, 0, 4000000, 0, -250],
  crs: { epsg: 32633, name: 'WGS 84 / UTM zone 33N', isGeographic: false, proj4: '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs' },
});

/** A raster as the readers decode an int16 product: float32(DN * scale), NaN for fill. */
function fromDn(dn: number[], scale: number, width = dn.length, height = 1): Raster {
  const data = new Float32Array(dn.length);
  for (let i = 0; i < dn.length; i++) data[i] = dn[i] === -3000 ? Number.NaN : dn[i] * scale;
  return { ...grid(width, height), data };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('packRaster', () => {
  it('packs MODIS NDVI (DN x 1e-4) into int16 and decodes every pixel to the same float32 bits, fill kept as NaN', () => {
    const dn: number[] = [];
    for (let k = -2000; k <= 10000; k++) dn.push(k);
    dn.push(-3000, 1, -3000);
    const r = fromDn(dn, 1 / 10000);
    const p = packRaster(r)!;
    expect(p.scale).toBe(0.0001);
    expect(layerBytes(p)).toBe(r.data.byteLength / 2);
    expect(p.bands[0]![dn.length - 3]).toBe(PACKED_NAN);
    const back = unpackRaster(p).data;
    expect(bits(back)).toEqual(bits(r.data));
  });

  it('packs integer metres (DEM) at scale 1 over the full int16 range and beyond it with a base', () => {
    const dem = fromDn([-500, 0, 8848, 32767, -32767, 12], 1);
    const p = packRaster(dem)!;
    expect([p.scale, p.base]).toEqual([1, 0]);
    expect(bits(unpackRaster(p).data)).toEqual(bits(dem.data));
    // uint16 DN (0..65534) still fits 65 535 codes, shifted by a base.
    const wide = fromDn([0, 65534, 40000, 1], 1);
    const q = packRaster(wide)!;
    expect(q.base).not.toBe(0);
    expect(bits(unpackRaster(q).data)).toEqual(bits(wide.data));
  });

  it('keeps float data float: a non-integer value, a span over 65 535 codes, or -0', () => {
    expect(packRaster(fromDn([1, 2, 3.3e-5], 1))).toBeUndefined();
    expect(packRaster(fromDn([0, 70000], 1))).toBeUndefined();
    const negZero = fromDn([1, 2, 3], 1);
    negZero.data[1] = -0;
    expect(packRaster(negZero)).toBeUndefined();
    const r = fromDn([1, 2, 3], 1);
    r.data[2] = Math.fround(Math.PI);
    expect(packRaster(r)).toBeUndefined();
  });

  it('packs an all-NaN raster as nothing to pack (undefined)', () => {
    expect(packRaster(fromDn([-3000, -3000], 1))).toBeUndefined();
  });
});

describe('unpackWindow', () => {
  it('decodes a window, NaN outside the raster, exactly as cropRaster crops the float32 layer', () => {
    const dn = Array.from({ length: 7 * 5 }, (_, i) => (i % 9 === 4 ? -3000 : i * 37 - 600));
    const r = fromDn(dn, 0.0001, 7, 5);
    const p = packRaster(r)!;
    for (const w of [
      { col: 0, row: 0, width: 7, height: 5 },
      { col: 2, row: 1, width: 3, height: 3 },
      { col: -2, row: -1, width: 6, height: 8 },
      { col: 5, row: 3, width: 4, height: 4 },
    ]) {
      expect(bits(unpackWindow(p, w))).toEqual(bits(cropRaster(r, w).data));
      expect(bits(unpackWindow(r, w))).toEqual(bits(cropRaster(r, w).data));
    }
  });

  it('returns a float32 layer itself from unpackRaster (no copy)', () => {
    const r = fromDn([1.5, 2], 1);
    expect(unpackRaster(r)).toBe(r);
  });
});

describe('a derived (coarser) level of a packed layer', () => {
  /** Integer DN x 1e-4 with fill, 20 x 136 px (more than one strip of level rows at 2 steps). */
  const fine = fromDn(
    Array.from({ length: 20 * 136 }, (_, i) => (i % 13 === 5 || (i > 600 && i < 700) ? -3000 : ((i * 7919) % 12001) - 2000)),
    0.0001,
    20,
    136,
  );
  const p = packRaster(fine)!;

  it('reads every window (edges and outside included) as the float32 level built block by block, one and two steps down', () => {
    let level = fine;
    for (let steps = 1; steps <= 2; steps++) {
      level = aggregateMean(level, 2);
      const derived: DerivedLayer = { ...gridOf(level), from: p, steps, categorical: false };
      expect(bits(unpackRaster(derived).data)).toEqual(bits(level.data));
      for (const w of [
        { col: 1, row: 2, width: 3, height: 4 },
        { col: -2, row: -3, width: 6, height: level.height + 5 },
      ])
        expect(bits(unpackWindow(derived, w))).toEqual(bits(cropRaster(level, w).data));
    }
  });

  it('takes the block mode of a categorical layer (land cover)', () => {
    const classes = fromDn(Array.from({ length: 8 * 8 }, (_, i) => [11, 21, 41, 82][(i * 5) % 4]), 1, 8, 8);
    const q = packRaster(classes)!;
    const mode = aggregateMode(classes, 2);
    expect(bits(unpackRaster({ ...gridOf(mode), from: q, steps: 1, categorical: true }).data)).toEqual(bits(mode.data));
    expect(bits(unpackRaster({ ...gridOf(mode), from: q, steps: 1, categorical: false }).data)).not.toEqual(bits(mode.data));
  });

  it('takes the mode with fill, ties and two steps down as aggregateMode level by level, windows outside included', () => {
    // Classes with ties (2 + 2 in a block: the smaller wins), blocks with 1 valid pixel (NaN) and 3.
    const dn = Array.from({ length: 12 * 40 }, (_, i) => (i % 7 === 3 || i % 11 === 0 || (i >= 96 && i < 192) ? -3000 : [11, 21, 41, 82, 11, 21][(i * 13 + (i >> 4)) % 6]));
    const classes = fromDn(dn, 1, 12, 40);
    const q = packRaster(classes)!;
    let level = classes;
    for (let steps = 1; steps <= 2; steps++) {
      level = aggregateMode(level, 2);
      const derived: DerivedLayer = { ...gridOf(level), from: q, steps, categorical: true };
      expect(bits(unpackRaster(derived).data)).toEqual(bits(level.data));
      const w = { col: -1, row: 3, width: level.width + 2, height: 4 };
      expect(bits(unpackWindow(derived, w))).toEqual(bits(cropRaster(level, w).data));
    }
    expect(Array.from(level.data).some((v) => Number.isNaN(v))).toBe(true);
  });

  it('derives from a layer packed with a base (uint16 DN) as from the float32 layer', () => {
    const wide = fromDn(Array.from({ length: 8 * 72 }, (_, i) => (i % 5 === 1 ? -3000 : (i * 911) % 65000)), 1, 8, 72);
    const q = packRaster(wide)!;
    expect(q.base).not.toBe(0);
    const level = aggregateMean(aggregateMean(wide, 2), 2);
    expect(bits(unpackRaster({ ...gridOf(level), from: q, steps: 2, categorical: false }).data)).toEqual(bits(level.data));
  });
});

describe('a packed layer held in bands of rows', () => {
  // 2 steps of derived levels need whole 4x4 blocks: 24 x 44 px, fill and a wide-ish range of DN.
  const fine = fromDn(Array.from({ length: 24 * 44 }, (_, i) => (i % 17 === 2 ? -3000 : ((i * 4099) % 14001) - 3000)), 0.0001, 24, 44);
  const whole = packRaster(fine)!;
  const windows = [
    { col: 0, row: 0, width: 24, height: 44 },
    { col: -3, row: 5, width: 9, height: 11 },
    { col: 20, row: 39, width: 7, height: 8 },
  ];

  it('decodes, crops and derives every window to the same float32 bits whatever the band height (odd included)', () => {
    expect(whole.bands).toHaveLength(1);
    for (const rows of [1, 3, 4, 7]) {
      const p = packRaster(fine, rows)!;
      expect(p.bands).toHaveLength(Math.ceil(44 / rows));
      expect(layerBytes(p)).toBe(layerBytes(whole));
      for (const w of windows) {
        expect(bits(unpackWindow(p, w))).toEqual(bits(unpackWindow(whole, w)));
        expect(Array.from(cropPacked(p, w).bands[0]!)).toEqual(Array.from(cropPacked(whole, w).bands[0]!));
      }
      for (let steps = 1; steps <= 2; steps++) {
        const f = 2 ** steps;
        const g = { ...grid(24 / f, 44 / f) };
        const a: DerivedLayer = { ...g, from: p, steps, categorical: false };
        const b: DerivedLayer = { ...g, from: whole, steps, categorical: false };
        expect(bits(unpackRaster(a).data)).toEqual(bits(unpackRaster(b).data));
      }
    }
  });

  it('lets go of the bands above a row: rows below still decode, a released row throws INTERNAL', () => {
    const p = packRaster(fine, 4)!;
    const before = layerBytes(p);
    const released = p.bands.slice(0, 2);
    // Rows 0-7 (two bands) lie above row 10; the band of rows 8-11 stays.
    expect(releasePackedRows(p, 10)).toBe(2 * 4 * 24 * 2);
    expect(layerBytes(p)).toBe(before - 2 * 4 * 24 * 2);
    expect(p.bands.slice(0, 3).map((b) => b === undefined)).toEqual([true, true, false]);
    // Detached where the engine can: the memory went with them.
    if (typeof (new ArrayBuffer(1) as { transfer?: unknown }).transfer === 'function') expect(released.map((b) => b!.buffer.byteLength)).toEqual([0, 0]);
    const below = { col: -1, row: 8, width: 26, height: 36 };
    expect(bits(unpackWindow(p, below))).toEqual(bits(unpackWindow(whole, below)));
    expect(Array.from(cropPacked(p, below).bands[0]!)).toEqual(Array.from(cropPacked(whole, below).bands[0]!));
    for (const w of [{ col: 0, row: 7, width: 4, height: 2 }, { col: 3, row: 0, width: 1, height: 1 }]) {
      expect(() => unpackWindow(p, w)).toThrow(AppError);
      expect(() => cropPacked(p, w)).toThrow(/read after releasePackedRows/);
    }
    expect(() => unpackRaster({ ...grid(12, 22), from: p, steps: 1, categorical: false })).toThrow(AppError);
    // Again, or past the end: nothing more to let go, then every band.
    expect(releasePackedRows(p, 10)).toBe(0);
    expect(releasePackedRows(p, 1000)).toBe(before - 2 * 4 * 24 * 2);
    expect(layerBytes(p)).toBe(0);
  });
});
