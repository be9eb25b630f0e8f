import { describe, expect, it } from 'vitest';
import type { InputInfo, RoleId, ScenePreview } from '../../worker/protocol.ts';
import { undatedPairing } from './undated-pairing.ts';

// Rows as the worker gives them for Dhaka's MOD11A2 and MOD13Q1 files; the scenes as its preview assembles them (worker/preview.test.ts).
const row = (id: string, fileName: string, role: RoleId, date?: string): InputInfo => ({ id, fileName, role, sizeBytes: 1, band: 0, ...(date ? { date } : {}) });
const lst1 = row('in1', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif', 'lst', '2024-04-06');
const lst2 = row('in2', 'MOD11A2.061_LST_Day_1km_doy2024113000000_aid0001.tif', 'lst', '2024-04-22');
const ndvi1 = row('in3', 'MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif', 'ndvi', '2024-04-06');
const ndvi2 = row('in4', 'MOD13Q1.061__250m_16_days_NDVI_doy2024113000000_aid0001.tif', 'ndvi', '2024-04-22');
const undated = row('in5', 'ndvi_mean.tif', 'ndvi');
const dem = row('in6', 'srtm.tif', 'dem');
const preview = (ndviOf: [string, string][]): ScenePreview => ({
  scenes: ndviOf.map(([date, ndvi], k) => ({ id: date, date, lstNames: [[lst1, lst2][k].fileName], inputIds: { lst: [[lst1, lst2][k].id], ndvi: [ndvi], dem: [dem.id] } })),
  used: {},
  dateGaps: [],
  isSameGrid: false,
  isLstOnly: false,
  notices: [],
  warnings: [],
});

describe('the drop list says which date an undated file goes with', () => {
  it('beside a dated file of its role, names the dates it is used with and the file each other date takes (before: nothing was said)', () => {
    const s = { inputs: [lst1, lst2, ndvi1, undated, dem], roleOverrides: {}, preview: preview([['2024-04-06', ndvi1.id], ['2024-04-22', undated.id]]) };
    expect(undatedPairing(s, undated)).toBe(`undated: used with the LST of 2024-04-22 (2024-04-06 takes ${ndvi1.fileName})`);
    // Dated rows, and roles every date takes whole (a DEM), say nothing of it.
    expect([undatedPairing(s, ndvi1), undatedPairing(s, dem), undatedPairing(s, lst1)]).toEqual([undefined, undefined, undefined]);
  });

  it('set aside by every date, names the file each date takes instead and what to do in the app to use it', () => {
    const s = { inputs: [lst1, lst2, ndvi1, ndvi2, undated], roleOverrides: {}, preview: preview([['2024-04-06', ndvi1.id], ['2024-04-22', ndvi2.id]]) };
    expect(undatedPairing(s, undated)).toBe(
      `not used: undated, and every date takes another ndvi file (2024-04-06 takes ${ndvi1.fileName}; 2024-04-22 takes ${ndvi2.fileName}); set the roles of ${ndvi1.fileName} and ${ndvi2.fileName} to unknown to use this row`,
    );
    const one = { ...s, inputs: [lst1, ndvi1, undated], preview: preview([['2024-04-06', ndvi1.id]]) };
    expect(undatedPairing(one, undated)).toBe(`not used: undated, and every date takes another ndvi file (2024-04-06 takes ${ndvi1.fileName}); set the role of ${ndvi1.fileName} to unknown to use this row`);
  });

  it('says nothing of an undated file with no dated one of its role beside it, nor before the preview has dated scenes', () => {
    const alone = { inputs: [lst1, lst2, undated], roleOverrides: {}, preview: preview([['2024-04-06', undated.id], ['2024-04-22', undated.id]]) };
    expect(undatedPairing(alone, undated)).toBeUndefined();
    expect(undatedPairing({ ...alone, preview: undefined }, undated)).toBeUndefined();
    // Its role set back to unknown by hand: no longer a guide of any date.
    const unset = { inputs: [lst1, lst2, ndvi1, undated], roleOverrides: { in5: 'unknown' as const }, preview: preview([['2024-04-06', ndvi1.id], ['2024-04-22', ndvi1.id]]) };
    expect(undatedPairing(unset, undated)).toBeUndefined();
  });
});

describe('an undated cloud mask beside one of the date (Los Angeles ECOSTRESS, worker/preview.test.ts)', () => {
  it('is not said to be unused: the date applies both; before, "not used: undated, and every date takes another cloud-mask file"', () => {
    const lst = row('in1', 'ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif', 'lst', '2023-08-05');
    const dated = row('in2', 'ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif', 'cloud-mask', '2023-08-05');
    const coast = row('in3', 'coast_cloud_mask.tif', 'cloud-mask');
    const p: ScenePreview = {
      scenes: [{ id: '2023-08-05', date: '2023-08-05', lstNames: [lst.fileName], inputIds: { lst: [lst.id], 'cloud-mask': [dated.id, coast.id] } }],
      used: { lst: lst.fileName, 'cloud-mask': `${dated.fileName} + ${coast.fileName}` },
      dateGaps: [],
      isSameGrid: false,
      isLstOnly: false,
      notices: [],
      warnings: [],
    };
    expect(undatedPairing({ inputs: [lst, dated, coast], roleOverrides: {}, preview: p }, coast)).toBeUndefined();
  });
});

describe('an undated water mask beside one of the date (Los Angeles ECOSTRESS)', () => {
  it('is said to be unused, with what to do to use it: the date applies its own water mask only (before: nothing was said)', () => {
    const lst = row('in1', 'ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif', 'lst', '2023-08-05');
    const dated = row('in2', 'ECO_L2_LSTE.002_water_mask_doy2023217182715_aid0001.tif', 'water-mask', '2023-08-05');
    const mine = row('in3', 'undated_water_mask.tif', 'water-mask');
    const p: ScenePreview = {
      scenes: [{ id: '2023-08-05', date: '2023-08-05', lstNames: [lst.fileName], inputIds: { lst: [lst.id], 'water-mask': [dated.id] } }],
      used: { lst: lst.fileName, 'water-mask': dated.fileName },
      dateGaps: [],
      isSameGrid: false,
      isLstOnly: false,
      notices: [],
      warnings: [],
    };
    expect(undatedPairing({ inputs: [mine, lst, dated], roleOverrides: {}, preview: p }, mine)).toBe(
      `not used: undated, and every date takes another water-mask file (2023-08-05 takes ${dated.fileName}); set the role of ${dated.fileName} to unknown to use this row`,
    );
  });
});
