import { describe, expect, it } from 'vitest';
import type { InputInfo } from '../../worker/protocol.ts';
import { effectiveRole, unusedReason } from './store.ts';

// The rows the worker gives for Mendoza's ESPA folder (worker/inputs.test.ts reads them from the real files).
const SCENE = 'LC82320832016040LGN00';
const srRed = { id: '1', fileName: `${SCENE}_sr_band4.tif`, role: 'red' } as InputInfo;
const l1Red = {
  id: '2',
  fileName: `${SCENE}_band4.tif`,
  role: 'unknown',
  unused: `unused: ${SCENE}_sr_band4.tif is the red band (surface reflectance, picked over L1 digital numbers so that red, NIR and SWIR come from one atmosphere-corrected set)`,
  unusedBeside: `${SCENE.toLowerCase()}_sr_band4`,
} as InputInfo;
const srNir = { id: '3', fileName: `${SCENE}_sr_band5.tif`, role: 'nir' } as InputInfo;
const inputs = [srRed, l1Red, srNir];

describe('a band set back to a role by hand wins over the surface reflectance band picked for it', () => {
  it('leaves the surface reflectance band in use while the L1 band is unused, as read', () => {
    const s = { inputs, roleOverrides: {} };
    expect(inputs.map((i) => effectiveRole(s, i))).toEqual(['red', 'unknown', 'nir']);
    expect(unusedReason(s, l1Red)).toBe(l1Red.unused);
    expect(unusedReason(s, srRed)).toBeUndefined();
  });

  it('makes the L1 band red and its surface reflectance twin unused, saying why; before, both were red and the tie rule kept sr_band4', () => {
    const s = { inputs, roleOverrides: { '2': 'red' as const } };
    expect(inputs.map((i) => effectiveRole(s, i))).toEqual(['unknown', 'red', 'nir']);
    expect(unusedReason(s, srRed)).toBe(`not used: ${SCENE}_band4.tif was set to red by hand and takes that role instead of this row (set this row's role to red to use it)`);
  });

  it('gives a role set by hand to the row it was set on; of the twins both set to red by hand, the later choice wins', () => {
    // The L1 band 4 given NIR by hand: sr_band4 stays red, sr_band5 (of the same scene) goes unused.
    expect(inputs.map((i) => effectiveRole({ inputs, roleOverrides: { '2': 'nir' } }, i))).toEqual(['red', 'nir', 'unknown']);
    // Before, both were red and the assembly's tie rule kept sr_band4 whatever the order of the choices (ids as the worker makes them: `in1`).
    const rows = inputs.map((i) => ({ ...i, id: `in${i.id}` }));
    expect(rows.map((i) => effectiveRole({ inputs: rows, roleOverrides: { in1: 'red', in2: 'red' } }, i))).toEqual(['unknown', 'red', 'nir']);
    expect(rows.map((i) => effectiveRole({ inputs: rows, roleOverrides: { in2: 'red', in1: 'red' } }, i))).toEqual(['red', 'unknown', 'nir']);
  });
});

describe('two cloud masks of one date set by hand', () => {
  it('are both in use, as the scene applies every cloud mask of its date; before, the later choice left the first unused', () => {
    const stack = { id: 'in1', fileName: 'LE70220492002106EDC00_stack.gtif [band 8: Band 8]', role: 'unknown', date: '2002-04-16' } as InputInfo;
    const west = { id: 'in2', fileName: 'LE70220492002106EDC00_west_cloud_mask.tif', role: 'unknown', date: '2002-04-16' } as InputInfo;
    const s = { inputs: [stack, west], roleOverrides: { in1: 'cloud-mask' as const, in2: 'cloud-mask' as const } };
    expect(s.inputs.map((i) => effectiveRole(s, i))).toEqual(['cloud-mask', 'cloud-mask']);
    expect(unusedReason(s, stack)).toBeUndefined();
  });
});
