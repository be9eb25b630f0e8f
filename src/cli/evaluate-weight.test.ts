import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { fitDetailWeight } from '../pipeline/detail-weight.ts';
import { closedLoopScene } from '../pipeline/evaluate.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { loadInputs, resolveMethod } from './inputs.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const FAYOUM = path.resolve(__dirname, '../../../shared/data/fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-eval-weight-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!existsSync(FAYOUM))("evaluate --stages 2 scores SRDA-Net with the detail weight downscale fits for a run from the loop's coarse input (Fayoum LST and NDVI)", () => {
  const printed = capturePrinted();
  it("fits it on that input's own one-stage loop, the weight downscale writes for the same input (before: on the scene's, one octave finer)", async () => {
    const [lst, ndvi] = [path.join(FAYOUM, 'LST_20190704.tif'), path.join(FAYOUM, 'NDVI_20190704.tif')];
    expect(await main(['evaluate', '--lst', lst, '--ndvi', ndvi, '--stages', '2', '--methods', 'srda,bicubic', '--backend', 'wasm', '--json', '-q']), printed.err).toBe(0);
    const doc = JSON.parse(printed.out) as { closedLoop: { coarsePixelM: number; methods: { method: string; detailWeight?: number; detailWeightNote?: string }[] } };
    const srda = doc.closedLoop.methods.find((m) => m.method === 'srda')!;

    // The run the 2-stage loop stands for: downscale given the loop's coarse LST (the LST block-averaged by 4) and the same NDVI.
    const scene = prepareScene((await loadInputs({ lst, ndvi })).inputs, { allowZeroStages: true });
    const coarse = path.join(tmp, 'fayoum_lst_by4.tif');
    writeFileSync(coarse, writeGeoTiff([{ raster: closedLoopScene(scene, 2).loop.lst, units: 'K' }]));
    const dir = path.join(tmp, 'run');
    // Without guide registration: the loop's guides are the scene's as they are.
    expect(await main(['downscale', '--lst', coarse, '--ndvi', ndvi, '--method', 'srda', '--backend', 'wasm', '--no-guide-registration', '--out', dir, '-q']), printed.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { stageCount: number; closedLoopCheck: { detailWeight: number } };
    expect(report.stageCount).toBe(2);

    // Before: the weight fitted on the scene's own one-stage loop.
    const { method } = await resolveMethod('srda', { backend: 'wasm', orientations: 1 });
    const before = (await fitDetailWeight(scene, method))!.alpha;
    await (method as { close?: () => Promise<void> }).close?.();
    console.log(`Fayoum evaluate --stages 2 detail weight: before ${before.toFixed(4)} (the scene's loop), after ${srda.detailWeight} (downscale from the coarse input: ${report.closedLoopCheck.detailWeight})`);
    expect(srda.detailWeight).toBeCloseTo(report.closedLoopCheck.detailWeight, 4);
    expect(Math.abs(before - report.closedLoopCheck.detailWeight)).toBeGreaterThan(0.01);
    expect(srda.detailWeightNote).toMatch(/the one-stage loop of this loop's coarse input/);
  }, 600_000);
});
