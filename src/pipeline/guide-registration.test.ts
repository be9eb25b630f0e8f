import { describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Raster } from '../core/raster/raster.ts';
import { shiftBilinear } from '../core/raster/shift.ts';
import { packRaster } from '../core/raster/pack-raster.ts';
import { estimateGuideShift, estimateShift, guideSample, guideShiftNote, registerGuides, shiftRaster } from './guide-registration.ts';
import { prepareScene, prepareSceneAsync, type AuxPacker } from './prepare.ts';
import { unpackRaster } from '../core/raster/packed.ts';

const F = 4;
const CW = 48;
const FW = CW * F;

/** A vegetation-like field with detail at several scales, deterministic. */
function field(): Float32Array {
  const v = new Float32Array(FW * FW);
  for (let y = 0; y < FW; y++) {
    for (let x = 0; x < FW; x++) v[y * FW + x] = 0.5 + 0.2 * Math.sin(x * 0.31) * Math.cos(y * 0.23) + 0.15 * Math.sin((x + 2 * y) * 0.57) + 0.1 * Math.cos((3 * x - y) * 0.83);
  }
  return v;
}

const grid = (w: number, px: number) => ({ width: w, height: w, transform: [500_000, px, 0, 4_000_000, 0, -px] as [number, number, number, number, number, number], crs: crsFromEpsg(32631) });

/** Coarse LST of a surface that cools with vegetation, the vegetation displaced by (dx, dy) fine px east/south. */
function coarseLstOf(ndvi: Float32Array, dx: number, dy: number): Raster {
  const moved = dx === 0 && dy === 0 ? ndvi : shiftBilinear(ndvi, FW, FW, -dx, -dy);
  const fine: Raster = { ...grid(FW, 250), data: moved.map((v, i) => (v === v ? 310 - 12 * v : 310 - 12 * ndvi[i])) };
  return { ...aggregateMean(fine, F), ...grid(CW, 1000) };
}

describe('guide registration', () => {
  it('recovers a known sub-pixel displacement of the LST against its guide', () => {
    const ndvi = field();
    const e = estimateShift(coarseLstOf(ndvi, 0.75, -0.5).data, CW, CW, ndvi, F);
    expect(Math.abs(e.dxPx - 0.75)).toBeLessThanOrEqual(0.25);
    expect(Math.abs(e.dyPx + 0.5)).toBeLessThanOrEqual(0.25);
    expect(e.corrBest).toBeLessThan(e.corr0); // closer to -1 than without the shift
  });

  it('moves the reflectance guides onto the LST frame and leaves the DEM in place', () => {
    const ndvi = field();
    const dem: Raster = { ...grid(FW, 250), data: ndvi.map((_, i) => 100 + (i % FW)) };
    const r = registerGuides(coarseLstOf(ndvi, 1, 0), { ndvi: { ...grid(FW, 250), data: ndvi }, dem }, F)!;
    expect(r.shift.applied).toBe(true);
    expect(r.shift.moved).toEqual(['ndvi']);
    expect(r.aux.dem).toBe(dem);
    // Moved 1 px east: each pixel now holds its western neighbour's value (away from the edge).
    expect(r.shift.dxPx).toBe(1);
    expect(r.aux.ndvi!.data[10 * FW + 20]).toBeCloseTo(ndvi[10 * FW + 19], 5);
    expect(guideShiftNote(r.shift, 250)).toMatch(/NDVI moved 250 m east and 0 m south/);
    // The app's way to keep the guides by default; a caller's own sentence where it has another.
    expect(guideShiftNote(r.shift, 250)).toMatch(/tick "Keep guides in place" in the run panel\.$/);
    expect(guideShiftNote(r.shift, 250, {}, 'Keep them with option X.')).toMatch(/\) onto the LST's frame, .* Keep them with option X\.$/);
  });

  it('keeps guides that already line up, and says why', () => {
    const ndvi = field();
    const r = registerGuides(coarseLstOf(ndvi, 0, 0), { ndvi: { ...grid(FW, 250), data: ndvi } }, F)!;
    expect(r.shift.applied).toBe(false);
    expect(r.shift.dxPx).toBe(0);
    expect(guideShiftNote(r.shift, 250)).toMatch(/kept in place: it already lines up/);
  });

  it('keeps a guide unrelated to the LST in place', () => {
    const ndvi = field();
    const noise = ndvi.map((_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453));
    const r = registerGuides(coarseLstOf(ndvi, 1, 1), { ndvi: { ...grid(FW, 250), data: noise } }, F)!;
    expect(r.shift.applied).toBe(false);
    expect(r.shift.reason).toMatch(/too weak/);
  });

  it('fills the edge a shift uncovers with the original values', () => {
    const r: Raster = { ...grid(8, 250), data: Float32Array.from({ length: 64 }, (_, i) => i % 8) };
    const s = shiftRaster(r, 1, 0);
    expect(s.data[3]).toBeCloseTo(2, 6); // value from the west neighbour
    expect(s.data[0]).toBe(0); // nothing west of column 0: kept
  });

  it('runs inside prepareScene: the note is given and registerGuides: false turns it off', () => {
    const ndvi = field();
    const lst = coarseLstOf(ndvi, 1, 0);
    const inputs = { lst, aux: { ndvi: { ...grid(FW, 250), data: ndvi } } };
    const on = prepareScene(inputs);
    expect(on.guideShift?.applied).toBe(true);
    expect(on.notes.some((n) => n.startsWith('Guide registration: NDVI moved'))).toBe(true);
    expect(unpackRaster(on.levels[2].aux.ndvi!).data).not.toEqual(ndvi);
    const off = prepareScene(inputs, { registerGuides: false });
    expect(off.guideShift).toBeUndefined();
    expect(Array.from(unpackRaster(off.levels[2].aux.ndvi!).data.slice(0, 50))).toEqual(Array.from(ndvi.slice(0, 50)));
  });

  it('estimates from a copy of the part of the guide it reads (guideSample) the very shift it estimates from the whole guide', () => {
    // Wider than the estimate's window (256 coarse px a side): the sample is a window inside the field.
    const cw = 300;
    const fw = cw * F;
    const v = new Float32Array(fw * fw);
    for (let y = 0; y < fw; y++) for (let x = 0; x < fw; x++) v[y * fw + x] = 0.5 + 0.2 * Math.sin(x * 0.31) * Math.cos(y * 0.23) + 0.15 * Math.sin((x + 2 * y) * 0.57);
    const moved = shiftBilinear(v, fw, fw, -0.75, 0.5);
    const lst = { ...aggregateMean({ ...grid(fw, 250), data: moved.map((m, i) => 310 - 12 * (m === m ? m : v[i])) }, F), ...grid(cw, 1000) };
    const aux = { ndvi: { ...grid(fw, 250), data: v } };
    const whole = estimateGuideShift(lst, aux, F)!;
    expect(whole.applied).toBe(true);
    const sample = guideSample(lst, aux, F)!;
    expect(sample.at.col).toBeGreaterThan(0);
    expect(sample.at.width).toBeLessThan(fw);
    // Nothing outside the sample is read: the field blanked there gives the same estimate from it.
    const blank = new Float32Array(fw * fw).fill(Number.NaN);
    for (let y = 0; y < sample.at.height; y++) blank.set(sample.data.subarray(y * sample.at.width, (y + 1) * sample.at.width), (sample.at.row + y) * fw + sample.at.col);
    const blanked = { ndvi: { ...aux.ndvi, data: blank } };
    expect(estimateGuideShift(lst, blanked, F)).toEqual(whole);
    expect(estimateGuideShift(lst, { ndvi: { ...aux.ndvi, data: new Float32Array(0) } }, F, sample)).toEqual(whole);
    expect(registerGuides(lst, aux, F)!.shift).toEqual(whole);
  });

  it('gives prepareScene\'s scene in prepareSceneAsync with a packer elsewhere, a moved guide made from its field handed back', async () => {
    // NDVI as MODIS stores it (DN x 1e-4), so that it packs, and a DEM: both go to the packer before the registration.
    const ndvi = field().map((x) => Math.round(x * 1e4) * 1e-4);
    const dem = ndvi.map((_, i) => 100 + (i % FW) - Math.floor(i / FW));
    for (const dx of [0.5, 0]) {
      const inputs = () => ({ lst: coarseLstOf(ndvi, dx, 0), aux: { ndvi: { ...grid(FW, 250), data: ndvi.slice() }, dem: { ...grid(FW, 250), data: dem.slice() } } });
      const sent: string[] = [];
      // Elsewhere as a worker is: the field moved away (this side's array detached), answered later.
      const packer: AuxPacker = async (r, name, keep) => {
        const data = structuredClone(r.data, { transfer: [r.data.buffer] });
        sent.push(`${name}${keep ? ' kept' : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const packed = packRaster({ ...r, data });
        return packed ? { packed, ...(keep ? { raster: { ...r, data } } : {}) } : { raster: { ...r, data } };
      };
      const given = inputs();
      const s = await prepareSceneAsync(given, { packer });
      expect(sent).toEqual(['ndvi kept', 'dem']);
      expect(given.aux.ndvi.data.length).toBe(0);
      const here = prepareScene(inputs());
      expect(s.guideShift?.applied).toBe(dx !== 0);
      expect(s).toEqual(here);
      // In place NDVI packs; moved by half a pixel it does not (its codes from the packer were dropped).
      expect('bands' in s.levels[2].aux.ndvi!).toBe(dx === 0);
      expect('bands' in s.levels[2].aux.dem!).toBe(true);
    }
  });

  it('fails prepareSceneAsync with the packer\'s error', async () => {
    const ndvi = field().map((x) => Math.round(x * 1e4) * 1e-4);
    const packer: AuxPacker = async (_r, name) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error(`${name}: the packer stopped`);
    };
    const inputs = { lst: coarseLstOf(ndvi, 1, 0), aux: { ndvi: { ...grid(FW, 250), data: ndvi }, dem: { ...grid(FW, 250), data: ndvi.map(() => 7) } }, names: { dem: 'dem.tif' } };
    await expect(prepareSceneAsync(inputs, { packer })).rejects.toThrow(/ndvi: the packer stopped/);
  });
});
