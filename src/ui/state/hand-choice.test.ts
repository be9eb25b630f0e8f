import { describe, expect, it } from 'vitest';
import type { InputInfo, RoleId } from '../../worker/protocol.ts';
import { carryRoleOverrides } from './role-overrides.ts';
import { effectiveRole, unusedReason } from './store.ts';

// Rows as the worker gives them for Dhaka's MOD11A2 and MOD13Q1 files (ids as the worker makes them: never integer-like).
const row = (id: string, fileName: string, role: RoleId, date?: string): InputInfo => ({ id, fileName, role, sizeBytes: 1, band: 0, ...(date ? { date } : {}) });
const lst = row('in1', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif', 'lst', '2024-04-06');
const lst2 = row('in2', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0002.tif', 'lst', '2024-04-06');
const qcAsLst = row('in3', 'MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif', 'lst-qc', '2024-04-06');
const lstLater = row('in4', 'MOD11A2.061_LST_Day_1km_doy2024105000000_aid0001.tif', 'lst', '2024-04-14');
const ndvi = row('in5', 'MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif', 'ndvi', '2024-04-06');
const ndviOther = row('in6', 'ndvi_undated.tif', 'unknown');
const inputs = [lst, lst2, qcAsLst, lstLater, ndvi, ndviOther];
const roles = (roleOverrides: Record<string, RoleId>) => inputs.map((i) => effectiveRole({ inputs, roleOverrides }, i));

describe('the role a user sets by hand wins', () => {
  it('leaves the detector roles as read when nothing was set by hand (two LST of one date: the scene picks one and says so)', () => {
    expect(roles({})).toEqual(['lst', 'lst', 'lst-qc', 'lst', 'ndvi', 'unknown']);
  });

  it('gives an LST set by hand its date over the LST the detector found, saying which file took it; other dates keep theirs', () => {
    const s = { inputs, roleOverrides: { in3: 'lst' as const } };
    // Before, both stayed lst and the assembly's tie rule kept aid0001 (the LST_Day file).
    expect(roles(s.roleOverrides)).toEqual(['unknown', 'unknown', 'lst', 'lst', 'ndvi', 'unknown']);
    expect(unusedReason(s, lst)).toBe(
      `not used: ${qcAsLst.fileName} was set to lst by hand and takes that role instead of this row (set this row's role to lst to use it)`,
    );
    expect(unusedReason(s, lstLater)).toBeUndefined();
  });

  it('of two rows set by hand to one role, the later choice wins and the other says which file took it', () => {
    const s = { inputs, roleOverrides: { in2: 'lst' as const, in1: 'lst' as const } };
    expect(roles(s.roleOverrides)).toEqual(['lst', 'unknown', 'lst-qc', 'lst', 'ndvi', 'unknown']);
    expect(unusedReason(s, lst2)).toBe(
      `not used: ${lst.fileName} was set to lst by hand after this row and takes that role instead (set this row's role to lst again to use it)`,
    );
    // The same two choices made the other way round.
    expect(roles({ in1: 'lst', in2: 'lst' })).toEqual(['unknown', 'lst', 'lst-qc', 'lst', 'ndvi', 'unknown']);
  });

  it('gives an undated guide set by hand its role over the dated one (the assembly preferred the dated one), and frees it again when set back to unknown', () => {
    expect(roles({ in6: 'ndvi' })).toEqual(['lst', 'lst', 'lst-qc', 'lst', 'unknown', 'ndvi']);
    // The dated one set by hand after it takes its own date only: the undated one stays for 2024-04-14.
    expect(roles({ in6: 'ndvi', in5: 'ndvi' })).toEqual(['lst', 'lst', 'lst-qc', 'lst', 'ndvi', 'ndvi']);
    expect(roles({ in6: 'unknown' })).toEqual(['lst', 'lst', 'lst-qc', 'lst', 'ndvi', 'unknown']);
  });

  it('keeps an undated guide in use beside a dated one set by hand: the hand-set row wins its own date, the undated one the dates no other row covers', () => {
    const undated = row('in10', 'ndvi_mean.tif', 'ndvi');
    const rows = [lst, lstLater, ndvi, undated];
    const s = { inputs: rows, roleOverrides: { in5: 'ndvi' as const } };
    // Before: the undated NDVI went unused for every date ('… takes that role instead of this row'), and 2024-04-14 ran without an NDVI.
    expect(rows.map((i) => effectiveRole(s, i))).toEqual(['lst', 'lst', 'ndvi', 'ndvi']);
    expect(unusedReason(s, undated)).toBeUndefined();
  });

  it('names in each message the row that is in use, whatever the order of three choices made by hand', () => {
    const d1 = row('in11', 'ndvi_doy2024097.tif', 'unknown', '2024-04-06');
    const u = row('in12', 'ndvi_undated_a.tif', 'unknown');
    const d2 = row('in13', 'ndvi_doy2024105.tif', 'unknown', '2024-04-14');
    const u2 = row('in14', 'ndvi_undated_b.tif', 'unknown');
    const rows = [lst, lstLater, d1, u, d2, u2];
    const orders = [
      ['in11', 'in12', 'in13'],
      ['in13', 'in12', 'in11'],
      ['in12', 'in11', 'in14'],
      ['in11', 'in14', 'in12'],
      ['in12', 'in13', 'in11', 'in14'],
    ];
    for (const order of orders) {
      const s = { inputs: rows, roleOverrides: Object.fromEntries(order.map((id) => [id, 'ndvi' as const])) };
      for (const r of rows) {
        const named = rows.find((j) => j !== r && unusedReason(s, r)?.includes(j.fileName));
        if (named) expect(effectiveRole(s, named), `${order.join(' ')}: ${r.fileName} names ${named.fileName}`).toBe('ndvi');
      }
    }
    // A dated row, then an undated one, then another dated one: before, the first named the undated row, itself unused.
    const s = { inputs: rows, roleOverrides: { in11: 'ndvi' as const, in12: 'ndvi' as const, in13: 'ndvi' as const } };
    expect(rows.map((i) => effectiveRole(s, i))).toEqual(['lst', 'lst', 'unknown', 'ndvi', 'ndvi', 'unknown']);
    expect(unusedReason(s, d1)).toBe(`not used: ${u.fileName} was set to ndvi by hand after this row and takes that role instead (set this row's role to ndvi again to use it)`);
  });

  it('takes nothing from rows of another MODIS tile', () => {
    const a = row('in7', 'MOD11A1.A2019305.h14v09.061.tif', 'lst', '2019-11-01');
    const b = row('in8', 'MOD11A1.A2019305.h14v10.061.tif', 'unknown', '2019-11-01');
    expect([a, b].map((i) => effectiveRole({ inputs: [a, b], roleOverrides: { in8: 'lst' } }, i))).toEqual(['lst', 'lst']);
  });

  it('keeps the order of the choices when a row is read again (its sidecar arrived)', () => {
    const again = row('in9', lst2.fileName, 'lst', '2024-04-06');
    const carried = carryRoleOverrides({ in2: 'lst', in1: 'lst' }, inputs, ['in2'], [again]);
    expect(Object.keys(carried)).toEqual(['in9', 'in1']);
  });
});
