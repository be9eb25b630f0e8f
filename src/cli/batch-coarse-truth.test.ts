import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { loadDataset } from './load.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const PARA = path.resolve(import.meta.dirname, '../../../shared/data/landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-batch-coarse-truth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A band of the Para scene block-averaged by `f` (shifted `shiftCols` 30 m columns first), written to `name` in `dir`. */
async function paraBand(dir: string, name: string, band: string, f: number, shiftCols = 0): Promise<void> {
  const r = (await loadDataset(`${PARA}_${band}.TIF`)).bands[0].raster;
  const shifted = cropRaster(r, { col: shiftCols, row: 0, width: r.width - shiftCols, height: r.height });
  writeFileSync(path.join(dir, name), writeGeoTiff([{ raster: aggregateMean(shifted, f, { maxInvalidFraction: 0 }), units: 'K' }]));
}

/** A manifest of the Para thermal band at 240 m, red and NIR at 60 m, and `truth` (the thermal band at 120 m) as a second LST. */
async function paraManifest(name: string, shiftCols = 0): Promise<string> {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  await paraBand(dir, 'para_bt_240m.tif', 'B6', 8);
  await paraBand(dir, 'para_red_60m.tif', 'B3', 2);
  await paraBand(dir, 'para_nir_60m.tif', 'B4', 2);
  await paraBand(dir, 'para_bt_120m.tif', 'B6', 4, shiftCols);
  const manifest = path.join(dir, 'manifest.txt');
  writeFileSync(manifest, ['--lst para_bt_240m.tif', '--red para_red_60m.tif', '--nir para_nir_60m.tif', '--lst para_bt_120m.tif'].join('\n') + '\n');
  return manifest;
}

describe.skipIf(!existsSync(`${PARA}_B6.TIF`))('srda-lst batch against an independent LST coarser than the finest output (Para 240 m -> 60 m, the LST at 120 m)', () => {
  const printed = capturePrinted();
  const report = (out: string) => {
    const [id] = readdirSync(out).filter((n) => !n.startsWith('.') && n !== 'summary.csv');
    return JSON.parse(readFileSync(path.join(out, id, 'report.json'), 'utf8'));
  };

  it("keeps the 60 m outputs' numbers in report.json, and report.json, the notice and the summary line say they repeat the 120 m outputs' scores and why", async () => {
    const out = path.join(tmp, 'out-aligned');
    expect(await main(['batch', await paraManifest('aligned'), '--out', out, '--method', 'tsharp', '--jobs', '1']), printed.err).toBe(0);
    const t = report(out).independentLst;
    expect(t.name).toBe('para_bt_120m.tif');
    expect(t.finerStages).toEqual([]);
    expect(t.rows.map((r: { method: string; stage: number; how: string; scoredPixelSizeM?: number; repeatsStage?: number }) => `${r.method} ${r.stage} ${r.how} ${r.scoredPixelSizeM ?? '-'} ${r.repeatsStage ?? '-'}`)).toEqual([
      'tsharp 1 resampled - -',
      'bicubic 1 resampled - -',
      'tsharp 2 output-block-averaged 120 1',
      'bicubic 2 output-block-averaged 120 1',
    ]);
    const scoredAt =
      "The 60 m outputs average back exactly to the 120 m outputs (residual correction keeps each block's mean), so against para_bt_120m.tif they score as the 120 m rows; para_bt_120m.tif cannot score detail finer than 120 m.";
    expect(t.scoredAt).toBe(scoredAt);
    expect(t.notScored).toBeUndefined();
    expect(t.message).toMatch(/^At 120 m, TsHARP's detail within each input pixel is \d+ % (closer to|farther from) para_bt_120m\.tif's than bicubic's/);
    expect(printed.err).toMatch(new RegExp(`notice: [^\\n]*: ${scoredAt.replace(/[.()]/g, '\\$&')}\\n`));
    // The finest scored output is the 120 m one: the summary line no longer says a finer one was scored at the LST's resolution.
    expect(printed.err).toMatch(/Against the independent finer LSTs of 1 item: TsHARP's finest detail is closer than bicubic's on [01] \(median detail RMSE [-+\d.]+ %; summary\.csv has each\)\.\n/);
    const last = JSON.parse(printed.out.trim().split('\n').pop()!);
    expect(last.independentLst.atLstResolution).toBeUndefined();
    const final = (m: string) => t.rows.find((r: { method: string; stage: number }) => r.method === m && r.stage === 2);
    console.log(`batch Para 60 m at 120 m: tsharp RMSE ${final('tsharp').rmseK.toFixed(4)} K detail ${final('tsharp').detailRmseK.toFixed(4)} K; bicubic RMSE ${final('bicubic').rmseK.toFixed(4)} K detail ${final('bicubic').detailRmseK.toFixed(4)} K`);
  }, 120_000);

  it('scores the 60 m outputs at the LST\'s 120 m resolution as rows of their own with --no-residual-correction, and says so', async () => {
    const out = path.join(tmp, 'out-uncorrected');
    expect(await main(['batch', await paraManifest('uncorrected'), '--out', out, '--method', 'tsharp', '--jobs', '1', '--no-residual-correction']), printed.err).toBe(0);
    const t = report(out).independentLst;
    expect(t.rows.map((r: { method: string; stage: number; repeatsStage?: number }) => `${r.method} ${r.stage} ${r.repeatsStage ?? '-'}`)).toEqual(['tsharp 1 -', 'bicubic 1 -', 'tsharp 2 -', 'bicubic 2 -']);
    expect(t.scoredAt).toBe('The 60 m output is finer than para_bt_120m.tif, so it is scored at its 120 m resolution: block-averaged 2 x 2 onto its grid.');
    expect(t.message).toMatch(/^At 120 m \(the 60 m outputs block-averaged onto para_bt_120m\.tif's grid\), TsHARP's detail/);
    expect(JSON.parse(printed.out.trim().split('\n').pop()!).independentLst.atLstResolution).toBe(1);
  }, 120_000);

  it('leaves the 60 m outputs unscored against an LST shifted 30 m off their blocks, and says why and what the item needs', async () => {
    const out = path.join(tmp, 'out-shifted');
    expect(await main(['batch', await paraManifest('shifted', 1), '--out', out, '--method', 'tsharp', '--jobs', '1']), printed.err).toBe(0);
    const t = report(out).independentLst;
    expect(t.finerStages).toEqual([2]);
    expect(t.scoredAt).toBeUndefined();
    const notScored =
      "The 60 m output is finer than para_bt_120m.tif and was not scored against it: its pixel corners are not on those of the output's 2 x 2 blocks (30 m across, 0 m down from them). To score it, give the item (a --lst line of the manifest, or a file in the folder) an LST of the date as fine as the 60 m output, or one whose pixels are whole blocks of the output's on its grid.";
    expect(t.notScored).toBe(notScored);
    expect(printed.err).toContain(notScored);
  }, 120_000);
});
