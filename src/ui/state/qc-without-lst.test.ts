import { describe, expect, it } from 'vitest';
import type { InputInfo } from '../../worker/protocol.ts';
import { qcWithoutLst } from './store.ts';

// Rows as the worker gives them for Dhaka's MOD11A2 folder, which holds QC files of 2024-06-09 and
// 2024-06-25 but no LST of those dates (worker/inputs.test.ts reads the real files).
const lst = (id: string, date: string) => ({ id, fileName: `lst-${date}.tif`, role: 'lst', date }) as InputInfo;
const qc = (id: string, date: string) => ({ id, fileName: `qc-${date}.tif`, role: 'lst-qc', date }) as InputInfo;

describe('a QC row with no LST of its date says it is not used', () => {
  const inputs = [lst('1', '2024-04-06'), qc('2', '2024-04-06'), qc('3', '2024-06-09')];

  it('names the date and what to do for the QC without its LST; nothing for the QC beside its LST or for the LST', () => {
    const s = { inputs, roleOverrides: {} };
    expect(qcWithoutLst(s, inputs[2])).toBe('not used: QC of 2024-06-09 with no LST of that date among the files (add its LST to use it)');
    expect(qcWithoutLst(s, inputs[1])).toBeUndefined();
    expect(qcWithoutLst(s, inputs[0])).toBeUndefined();
  });

  it('follows the roles as edited: an LST set to unknown leaves its QC alone; a QC set to another role is no QC', () => {
    expect(qcWithoutLst({ inputs, roleOverrides: { '1': 'unknown' } }, inputs[1])).toContain('QC of 2024-04-06 with no LST');
    expect(qcWithoutLst({ inputs, roleOverrides: { '3': 'unknown' } }, inputs[2])).toBeUndefined();
  });

  it('says nothing for an undated QC or one whose file could not be read', () => {
    const undated = { id: '4', fileName: 'qc.tif', role: 'lst-qc' } as InputInfo;
    const broken = { ...qc('5', '2024-07-01'), problem: { code: 'CORRUPT_TIFF', message: 'truncated' } } as InputInfo;
    const s = { inputs: [...inputs, undated, broken], roleOverrides: {} };
    expect(qcWithoutLst(s, undated)).toBeUndefined();
    expect(qcWithoutLst(s, broken)).toBeUndefined();
  });
});
