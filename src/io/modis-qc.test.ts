import { describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { applyMod11Qc, decodeMod11Qc, decodeMod11QcValue } from './modis-qc.ts';

describe('MOD11 QC', () => {
  it('decodes the bit fields of real QC values', () => {
    expect(decodeMod11QcValue(0)).toEqual({
      mandatory: 'good',
      dataQuality: 0,
      emisErrorMax: 0.01,
      lstErrorMaxK: 1,
    });
    // 17 = 0b00_01_00_01: other quality, emissivity error <= 0.02, LST error <= 1 K.
    expect(decodeMod11QcValue(17)).toEqual({
      mandatory: 'other',
      dataQuality: 0,
      emisErrorMax: 0.02,
      lstErrorMaxK: 1,
    });
    // 145 = 0b10_01_00_01: LST error <= 3 K.
    expect(decodeMod11QcValue(145).lstErrorMaxK).toBe(3);
    expect(decodeMod11QcValue(2).mandatory).toBe('cloud');
    expect(decodeMod11QcValue(3).mandatory).toBe('not-produced');
  });
  it('keeps good and other quality with LST error <= 2 K by default', () => {
    const qc = new Float32Array([0, 17, 65, 81, 145, 2, 3, 209, Number.NaN]);
    expect(Array.from(decodeMod11Qc(qc))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1]);
  });
  it('follows a stricter policy', () => {
    const qc = new Float32Array([0, 17, 65, 81]);
    expect(Array.from(decodeMod11Qc(qc, { accept: ['good'], maxLstErrorK: 1 }))).toEqual([1, 0, 0, 0]);
    expect(
      Array.from(decodeMod11Qc(qc, { accept: ['good', 'other'], maxLstErrorK: 3, maxEmisError: 0.01 })),
    ).toEqual([1, 0, 1, 0]);
  });
  it('sets rejected LST pixels to NaN and counts them', () => {
    const grid = { width: 2, height: 2, transform: [0, 1, 0, 2, 0, -1] as const, crs: crsFromEpsg(4326) };
    const lst = { ...grid, data: new Float32Array([300, 301, Number.NaN, 303]) };
    const qc = { ...grid, data: new Float32Array([0, 145, 2, 65]) };
    const { raster, rejected } = applyMod11Qc(lst, qc);
    expect(Array.from(raster.data)).toEqual([300, Number.NaN, Number.NaN, 303]);
    expect(rejected).toBe(1);
    expect(lst.data[1]).toBe(301);
  });
});
