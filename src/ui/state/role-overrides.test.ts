import { describe, expect, it } from 'vitest';
import type { InputInfo } from '../../worker/protocol.ts';
import { carryRoleOverrides } from './role-overrides.ts';

const row = (id: string, fileName: string): InputInfo => ({ id, fileName, role: 'unknown' }) as InputInfo;

describe('carryRoleOverrides', () => {
  it('moves a role picked for a row read again (sidecar arrived) to its new row, band by band', () => {
    const before = [row('1', 'stack.tif [band 1]'), row('2', 'stack.tif [band 2]'), row('3', 'dem.tif')];
    const after = [row('4', 'stack.tif [band 1]'), row('5', 'stack.tif [band 2]')];
    const got = carryRoleOverrides({ '1': 'lst', '2': 'ndvi', '3': 'dem' }, before, ['1', '2'], after);
    expect(got).toEqual({ '4': 'lst', '5': 'ndvi', '3': 'dem' });
  });

  it('keeps the choices as they are when nothing was read again, and drops a choice whose file did not come back', () => {
    const before = [row('1', 'a.tif'), row('2', 'b.tif')];
    expect(carryRoleOverrides({ '1': 'lst' }, before, [], [row('3', 'c.tif')])).toEqual({ '1': 'lst' });
    expect(carryRoleOverrides({ '1': 'lst', '2': 'dem' }, before, ['1'], [row('3', 'c.tif')])).toEqual({ '2': 'dem' });
  });
});
