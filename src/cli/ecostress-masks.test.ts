import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const DIR = path.resolve(__dirname, '../../../shared/data/ecostress-l2lste-losangeles-2023-workshop');
const file = (layer: string) => path.join(DIR, `ECO_L2_LSTE.002_${layer}_doy2023217182715_aid0001.tif`);

describe.skipIf(!existsSync(DIR))('--qc and --water-mask with an ECOSTRESS LST (Los Angeles 2023-08-05)', () => {
  const printed = capturePrinted();
  it('decodes --qc by the ECOSTRESS bits (before: read as a MOD11 QC, it masked every pixel) and masks --water-mask water, each share in the report', async () => {
    const argv = ['evaluate', '--lst', file('LST'), '--qc', file('QC'), '--water-mask', file('water_mask'), '--methods', 'bicubic', '--json', '-q'];
    expect(await main(argv), printed.err).toBe(0);
    const doc = JSON.parse(printed.out) as { scene: { qcMaskedShare: number; waterMaskedShare: number; notes: string[]; inputs: Record<string, { role: string }> } };
    expect(doc.scene.inputs.qc.role).toBe('lst-qc');
    expect(doc.scene.inputs['water-mask'].role).toBe('water-mask');
    // The product marks none of the scene bad; the README counts 17.3 % water.
    expect(doc.scene.qcMaskedShare).toBe(0);
    expect(doc.scene.waterMaskedShare).toBeCloseTo(0.173, 3);
    expect(doc.scene.notes).toContain(`The QC ${path.basename(file('QC'))} masks none of the 1970396 valid LST pixels (cloud or poor quality).`);
    expect(doc.scene.notes.filter((n) => n.startsWith(`The water mask ${path.basename(file('water_mask'))} masks 17 % of the valid LST pixels`))).toHaveLength(1);
  }, 120_000);
});
