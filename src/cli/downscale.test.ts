import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { detailShareWords } from '../core/detail-share.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { fitDetailWeight, withDetailWeight } from '../pipeline/detail-weight.ts';
import { evaluateSampledLoop } from '../pipeline/loop-sample.ts';
import { prepareSceneAsync } from '../pipeline/prepare.ts';
import { loadInputs, resolveMethod } from './inputs.ts';
import { loadDataset } from './load.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';
import { DHAKA_097, DHAKA_DIR, PARA_DIR, SHARED_DATA } from '../test-support/data.ts';

const DATA = SHARED_DATA;
const DHAKA = DHAKA_DIR;
const LST = DHAKA_097.lst;
const QC_OTHER_DATE = path.join(DHAKA, 'MOD11A2.061/MOD11A2.061_QC_Day_doy2024161000000_aid0001.tif');
const NDVI_LATE = path.join(DHAKA, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024145000000_aid0001.tif');
const NDVI = DHAKA_097.ndvi;
const LISBON = path.join(DATA, 'landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff');
const PARA = PARA_DIR;
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-downscale-'));
const hasGdal = (() => {
  try {
    execFileSync('gdalinfo', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const printed = capturePrinted();
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface GdalInfo {
  size: number[];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  bands: { type: string; noDataValue: number; minimum: number; maximum: number }[];
}

function gdalJson(file: string): GdalInfo {
  return JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', file], { env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } }).toString());
}

describe.skipIf(!existsSync(DHAKA))('srda-lst downscale on Dhaka DOY 097', () => {
  it.skipIf(!hasGdal)('writes two GeoTIFFs GDAL reads on the NDVI CRS and lattice, and a report with energy error < 0.01 K', async () => {
    const dir = path.join(tmp, 'tsharp');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'tsharp', '--out', dir])).toBe(0);
    const ndvi = gdalJson(NDVI);
    const [s1, s2] = ['lst_stage1.tif', 'lst_stage2.tif'].map((f) => gdalJson(path.join(dir, f)));
    expect(s2.size).toEqual([192, 192]);
    expect(s1.size).toEqual([96, 96]);
    expect(s2.coordinateSystem.wkt).toContain('ID["EPSG",4326]');
    expect(s2.geoTransform[1]).toBeCloseTo(ndvi.geoTransform[1], 12);
    expect(s1.geoTransform[1]).toBeCloseTo(2 * ndvi.geoTransform[1], 12);
    // Same lattice as the NDVI, one row in (the LST's top row lies outside the NDVI grid).
    expect(s2.geoTransform[0]).toBeCloseTo(ndvi.geoTransform[0], 10);
    expect(s2.geoTransform[3]).toBeCloseTo(ndvi.geoTransform[3] + ndvi.geoTransform[5], 10);
    const b = s2.bands[0];
    expect(b.type).toBe('Float32');
    expect(b.noDataValue).toBe(-9999);
    expect(b.minimum).toBeGreaterThan(290);
    expect(b.maximum).toBeLessThan(325);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.method).toBe('tsharp');
    expect(report.stages).toHaveLength(2);
    for (const s of report.stages) {
      expect(s.energyConservation.maxAbsK).toBeLessThan(0.01);
      expect(s.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(report.inputs.lst.file).toBe(LST);
    expect(report.notes.join(' ')).toMatch(/cropped/);
    expect(printed.err).toMatch(/stage 2: 192x192/);
    // The guide-registration notice tells a command-line user the option, not the app's run panel (it did).
    expect(printed.err).toMatch(/notice: Guide registration: NDVI moved .* To keep them where they are, run again with --no-guide-registration\./);
    expect(printed.err).not.toContain('run panel');
    expect(report.notes.join(' ')).not.toContain('run panel');
  });

  // Before, only an SRDA-Net run wrote closedLoopCheck: TsHARP, DMS and bicubic runs had none.
  it.each([
    ['tsharp', 'warning', 'The method written here, TsHARP, is worse than bicubic there'],
    ['bicubic', 'check', 'No method beat it'],
  ])('with --method %s writes the closed-loop verdict batch writes for the date, and says it (%s)', async (method, prefix, words) => {
    const dir = path.join(tmp, `check-${method}`);
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', method, '--stages', '1', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const check = report.closedLoopCheck;
    expect(check).toMatchObject({ recommendedMethod: 'bicubic', writtenMethod: method, writtenWorse: method !== 'bicubic', pixels: 2304 });
    // What the check scored: this small scene whole (a large one: the windows, as the app's and evaluate's).
    expect(report.closedLoopScored).toEqual({ scope: 'whole scene', windows: 1, pixels: 2304, coveredPixels: 2304, text: 'the whole scene: 48x48 px, 2,304 valid px scored' });
    expect(check.message).toContain(path.basename(LST));
    expect(check.message).toContain(words);
    expect(printed.err).toContain(`${prefix}: ${check.message}`);
    // The same function as batch's, on the same date (2024-04-06 is DOY 097, with the NDVI of that date).
    const batchDir = path.join(tmp, `check-${method}-batch`);
    expect(await main(['batch', DHAKA, '--out', batchDir, '--method', method, '--jobs', '1', '--index', '1', '--quiet'])).toBe(0);
    const batchReport = JSON.parse(readFileSync(path.join(batchDir, '2024-04-06', 'report.json'), 'utf8'));
    expect(batchReport.closedLoopCheck).toEqual(check);
    expect(batchReport.closedLoopScored).toEqual(report.closedLoopScored);
  }, 120_000);

  it('prints closed-loop metrics for every baseline as JSON', async () => {
    expect(await main(['evaluate', '--lst', LST, '--ndvi', NDVI, '--json', '-q'])).toBe(0);
    const doc = JSON.parse(printed.out);
    expect(doc.closedLoop.methods.map((m: { method: string }) => m.method)).toEqual(expect.arrayContaining(['bicubic', 'tsharp', 'dms']));
    const bicubic = doc.closedLoop.methods.find((m: { method: string }) => m.method === 'bicubic');
    expect(bicubic.corrected.rmseK).toBeCloseTo(0.542, 2);
    expect(Object.keys(bicubic.corrected)).toEqual(['rmseK', 'maeK', 'biasK', 'r2', 'r', 'ssim', 'n']);
    // Which method to use, by the rule of the app and downscale: SRDA-Net alone is 2.5 % below bicubic here, TsHARP and DMS above it.
    expect(doc.closedLoopCheck).toMatchObject({ pixels: 2304, recommendedMethod: 'srda' });
    expect(doc.closedLoopCheck.message).toContain('MOD11A2.061_LST_Day_1km_doy2024097');
  });

  it('falls back to a baseline with a notice when SRDA-Net is the default but unavailable, or runs it', async () => {
    const dir = path.join(tmp, 'default');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--stages', '1', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.stages).toHaveLength(1);
    if (report.method !== 'srda') expect(report.methodNotice).toMatch(/SRDA-Net/);
  });

  it.skipIf(!hasGdal)('with SRDA-Net writes lst_stageN_sigma.tif on the stage grid and a closed-loop verdict against bicubic', async () => {
    const dir = path.join(tmp, 'srda');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.stages.map((s: { sigmaFile: string }) => s.sigmaFile)).toEqual(['lst_stage1_sigma.tif', 'lst_stage2_sigma.tif']);
    for (const st of [1, 2]) {
      const lst = gdalJson(path.join(dir, `lst_stage${st}.tif`));
      const sigma = gdalJson(path.join(dir, `lst_stage${st}_sigma.tif`));
      expect(sigma.size).toEqual(lst.size);
      expect(sigma.geoTransform).toEqual(lst.geoTransform);
      expect(sigma.bands[0].minimum).toBeGreaterThan(0);
      expect(sigma.bands[0].maximum).toBeLessThan(20);
    }
    // By default the output keeps the share of SRDA-Net's detail that the scene's closed loop supports.
    const check = report.closedLoopCheck;
    expect(check.detailWeight).toBeGreaterThanOrEqual(0);
    expect(check.detailWeight).toBeLessThanOrEqual(1);
    expect(check.weightedRmseK).toBeLessThanOrEqual(Math.min(check.srdaRmseK, check.bicubicRmseK) + 1e-6);
    // The app's rule (core/recommend.ts): the weighted output is 3.5 % below bicubic here (1 % needed).
    expect((check.bicubicRmseK - check.weightedRmseK) / check.bicubicRmseK).toBeGreaterThan(0.01);
    expect(check.recommendedMethod).toBe('srda');
    expect(report.methodLabel).toContain(`${Math.round(100 * check.detailWeight)} % of its detail`);
    expect(check.message).toContain(path.basename(LST));
    expect(printed.err).toContain(check.message);
  });

  it('with --full-detail keeps all of SRDA-Net\'s detail and gives the plain closed-loop verdict', async () => {
    const dir = path.join(tmp, 'srda-full');
    const weighted = JSON.parse(readFileSync(path.join(tmp, 'srda', 'report.json'), 'utf8')).closedLoopCheck;
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--full-detail', '--stages', '1', '--out', dir, '-q'])).toBe(0);
    const check = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).closedLoopCheck;
    expect(check.detailWeight).toBeUndefined();
    expect(check.recommendedMethod).toBe('srda');
    // The same loop, scored the same way, without and with the weight.
    expect(check.srdaRmseK).toBeCloseTo(weighted.srdaRmseK, 3);
    expect(check.bicubicRmseK).toBeCloseTo(weighted.bicubicRmseK, 3);
  });

  it('with --full-detail --residual-mode radiance scores its closed loop in radiance mode, as evaluate does', async () => {
    const check = async (mode: string) => {
      const dir = path.join(tmp, `srda-full-${mode}`);
      expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--full-detail', '--residual-mode', mode, '--stages', '1', '--out', dir, '-q'])).toBe(0);
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
      expect(report.residualMode).toBe(mode);
      return report.closedLoopCheck;
    };
    const scored = async (mode: string) => {
      expect(await main(['evaluate', '--lst', LST, '--ndvi', NDVI, '--methods', 'srda,bicubic', '--backend', 'wasm', '--full-detail', '--residual-mode', mode, '--json', '-q'])).toBe(0);
      const methods: { method: string; corrected: { rmseK: number } }[] = JSON.parse(printed.out).closedLoop.methods;
      return Object.fromEntries(methods.map((m) => [m.method, m.corrected.rmseK]));
    };
    // First: printed.out holds this test's output, and evaluate's JSON is all of it.
    const loop = await scored('radiance');
    const [radiance, linear] = [await check('radiance'), await check('linear')];
    // evaluate --json rounds to 0.1 mK.
    expect(radiance.srdaRmseK).toBeCloseTo(loop.srda, 4);
    expect(radiance.bicubicRmseK).toBeCloseTo(loop.bicubic, 4);
    // Another correction, other scores (0.52973 / 0.54243 K against 0.52971 / 0.54237 K in linear mode).
    expect(radiance.bicubicRmseK).not.toBe(linear.bicubicRmseK);
    expect(radiance.srdaRmseK).not.toBe(linear.srdaRmseK);
    expect(radiance.recommendedMethod).toBe(linear.recommendedMethod);
  }, 120_000);

  it('with --full-detail on a date where SRDA-Net is under 1 % better than bicubic (Dhaka 2024-04-30) recommends bicubic, as the app does', async () => {
    const dir = path.join(tmp, 'srda-near');
    const at = (f: string) => path.join(DHAKA, f);
    const argv = ['downscale', '--lst', at('MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024121000000_aid0001.tif'), '--qc', at('MOD11A2.061/MOD11A2.061_QC_Day_doy2024121000000_aid0001.tif')];
    // The 16-day NDVI composite of DOY 113-128.
    expect(await main([...argv, '--ndvi', at('MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024113000000_aid0001.tif'), '--method', 'srda', '--backend', 'wasm', '--full-detail', '--stages', '1', '--out', dir])).toBe(0);
    const check = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).closedLoopCheck;
    // SRDA-Net 0.4 % below bicubic with the step-97000 weights (2024-05-24 was the case, 0.7 %, with earlier ones): the CLI
    // recommended 'srda' on such a date before (any gain), the app's trust panel bicubic.
    const gain = (check.bicubicRmseK - check.srdaRmseK) / check.bicubicRmseK;
    expect(gain).toBeGreaterThan(0);
    expect(gain).toBeLessThan(0.01);
    expect(check.srdaWorse).toBe(false);
    expect(check.recommendedMethod).toBe('bicubic');
    expect(check.message).toContain('less than the 1 % a method must gain to be recommended: use the bicubic method for this scene');
    expect(printed.err).toContain(`warning: ${check.message}`);
  });

  it('prints the --full-detail verdict with the file name made safe for a terminal line', async () => {
    const dir = path.join(tmp, 'srda-odd-name');
    const odd = path.join(tmp, 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001\x1b[31m\nwarning: forged.tif');
    copyFileSync(LST, odd);
    expect(await main(['downscale', '--lst', odd, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--full-detail', '--stages', '1', '--out', dir])).toBe(0);
    // No escape sequence and no second line forged by the name: the verdict is one 'check:' line naming it escaped.
    expect(printed.err).not.toContain('\x1b');
    expect(printed.err.split('\n').filter((l) => l.startsWith('warning: forged'))).toEqual([]);
    expect(printed.err).toMatch(/^check: .*aid0001\\x1b\[31m\\nwarning: forged\.tif/m);
  });

  it('on a date whose closed loop has under 64 valid pixels (Dhaka 2024-06-17, 4 % valid) recommends no method, with the count', async () => {
    const dir = path.join(tmp, 'srda-cloudy');
    const cloudy = (f: string) => path.join(DHAKA, f);
    const argv = ['downscale', '--lst', cloudy('MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024169000000_aid0001.tif'), '--qc', cloudy('MOD11A2.061/MOD11A2.061_QC_Day_doy2024169000000_aid0001.tif')];
    expect(await main([...argv, '--ndvi', cloudy('MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024161000000_aid0001.tif'), '--method', 'srda', '--backend', 'wasm', '--out', dir])).toBe(0);
    const check = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).closedLoopCheck;
    // It said 'recommendedMethod: bicubic' and 'use the bicubic method for this scene' on 56 pixels before.
    expect(check.pixels).toBeLessThan(64);
    expect(check.recommendedMethod).toBeUndefined();
    expect(check.message).toContain(`no method is recommended: this scene's own closed loop (1698 m -> 849 m) has ${check.pixels} valid pixels, fewer than 64`);
    expect(printed.err).toContain(`notice: ${check.message}`);
  });

  // The workers end after the run and its closed-loop check, before the files are written.
  it.each([[[]], [['--full-detail']], [['--orientations', '8', '--stages', '1']]])('writes the same files with --jobs 2 as with --jobs 1 (extra %j)', async (extra) => {
    const files = ['lst_stage1.tif', 'lst_stage1_sigma.tif', ...(extra.includes('--stages') ? [] : ['lst_stage2.tif', 'lst_stage2_sigma.tif'])];
    const runs: Float32Array[][] = [];
    for (const jobs of ['1', '2']) {
      const dir = path.join(tmp, `jobs${jobs}${extra.join('')}`);
      expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--jobs', jobs, '--tile', '16', ...extra, '--out', dir, '-q'])).toBe(0);
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
      expect(report.closedLoopCheck.srdaRmseK).toBeGreaterThan(0);
      // The workers, not the tiles in flight (two per worker).
      if (jobs === '2') expect(report.inferenceWorkers).toBe(2);
      runs.push(await Promise.all(files.map(async (f) => (await loadDataset(path.join(dir, f))).bands[0].raster.data)));
    }
    for (let i = 0; i < files.length; i++) expect(Buffer.from(runs[1][i].buffer).equals(Buffer.from(runs[0][i].buffer))).toBe(true);
  });

  it('with --orientations 8 averages SRDA-Net over the eight orientations: report.json and a notice say so, another output than one pass', async () => {
    const dir = path.join(tmp, 'srda-orient');
    const argv = ['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--jobs', '1', '--tile', '16', '--stages', '1'];
    expect(await main([...argv, '--orientations', '8', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.orientations).toBe(8);
    expect(report.notices.join(' ')).toMatch(/mean over 8 orientations/);
    expect(printed.err).toMatch(/notice: SRDA-Net's prediction is the mean over 8 orientations/);
    // One pass, otherwise the same run: its report says 1, no notice, its output differs.
    const single = path.join(tmp, 'srda-one-orientation');
    expect(await main([...argv, '--orientations', '1', '--out', single, '-q'])).toBe(0);
    const singleReport = JSON.parse(readFileSync(path.join(single, 'report.json'), 'utf8'));
    expect(singleReport.orientations).toBe(1);
    expect((singleReport.notices ?? []).join(' ')).not.toMatch(/orientations/);
    const a = (await loadDataset(path.join(dir, 'lst_stage1.tif'))).bands[0].raster.data;
    const b = (await loadDataset(path.join(single, 'lst_stage1.tif'))).bands[0].raster.data;
    expect(a.length).toBe(b.length);
    expect(a.some((v, i) => Math.abs(v - b[i]) > 1e-3)).toBe(true);
    expect(report.closedLoopCheck.srdaRmseK).toBeGreaterThan(0);
  });

  it('with --orientations 2 averages SRDA-Net over 2 orientations (as it is and rotated 180 degrees): report.json and a notice say so, another output than the default one pass', async () => {
    const argv = ['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'srda', '--backend', 'wasm', '--jobs', '1', '--tile', '16', '--stages', '1'];
    const dir = path.join(tmp, 'srda-default-orientations');
    expect(await main([...argv, '--orientations', '2', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const notice = "SRDA-Net's prediction is the mean over 2 orientations of its input (as it is and rotated 180 degrees), which lowers its error at the cost of 2 network passes (about 2x one pass's time).";
    expect(report.orientations).toBe(2);
    expect(report.notices).toContain(notice);
    expect(printed.err).toContain(`notice: ${notice}`);
    // Without the flag: the default, one pass, and nothing said about orientations.
    const single = path.join(tmp, 'srda-default-vs-one');
    printed.err = '';
    expect(await main([...argv, '--out', single])).toBe(0);
    const singleReport = JSON.parse(readFileSync(path.join(single, 'report.json'), 'utf8'));
    expect(singleReport.orientations).toBe(1);
    expect((singleReport.notices ?? []).join(' ')).not.toMatch(/orientations/);
    expect(printed.err).not.toMatch(/orientations/);
    const a = (await loadDataset(path.join(dir, 'lst_stage1.tif'))).bands[0].raster.data;
    const b = (await loadDataset(path.join(single, 'lst_stage1.tif'))).bands[0].raster.data;
    expect(a.some((v, i) => Math.abs(v - b[i]) > 1e-3)).toBe(true);
    // Another method without the flag: nothing about orientations.
    const bicubic = path.join(tmp, 'bicubic-default-orientations');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'bicubic', '--stages', '1', '--out', bicubic, '-q'])).toBe(0);
    expect((JSON.parse(readFileSync(path.join(bicubic, 'report.json'), 'utf8')).notices ?? []).join(' ')).not.toMatch(/orientations/);
  });

  it('evaluate --orientations 8 scores SRDA-Net averaged over the eight orientations: JSON orientations, a notice, another SRDA-Net score, the same bicubic score', async () => {
    const argv = ['evaluate', '--lst', LST, '--ndvi', NDVI, '--methods', 'srda,bicubic', '--backend', 'wasm', '--json', '-q'];
    const score = (doc: { closedLoop: { methods: { method: string; corrected: { rmseK: number } }[] } }, id: string): number =>
      doc.closedLoop.methods.find((m) => m.method === id)!.corrected.rmseK;
    expect(await main([...argv, '--orientations', '1'])).toBe(0);
    const one = JSON.parse(printed.out);
    printed.out = '';
    expect(await main([...argv, '--orientations', '8'])).toBe(0);
    const eight = JSON.parse(printed.out);
    printed.out = '';
    // Without the flag: the default, one pass.
    expect(await main(argv)).toBe(0);
    const byDefault = JSON.parse(printed.out);
    printed.out = '';
    expect(byDefault.orientations).toBe(1);
    expect(score(byDefault, 'srda')).toBe(score(one, 'srda'));
    expect(await main([...argv, '--orientations', '2'])).toBe(0);
    const two = JSON.parse(printed.out);
    expect(two.orientations).toBe(2);
    expect(two.notices.join(' ')).toMatch(/SRDA-Net's prediction is the mean over 2 orientations of its input \(as it is and rotated 180 degrees\)/);
    expect(score(two, 'bicubic')).toBe(score(one, 'bicubic'));
    expect(score(two, 'srda')).not.toBe(score(one, 'srda'));
    expect(one.orientations).toBe(1);
    expect(eight.orientations).toBe(8);
    expect(one.notices.join(' ')).not.toMatch(/orientations/);
    expect(eight.notices.join(' ')).toMatch(/SRDA-Net's prediction is the mean over 8 orientations/);
    expect(score(eight, 'bicubic')).toBe(score(one, 'bicubic'));
    expect(score(eight, 'srda')).not.toBe(score(one, 'srda'));
    expect(score(eight, 'srda')).toBeGreaterThan(0);
  });

  it('says, and does not fail, when --orientations 8 meets a method other than SRDA-Net (downscale, evaluate)', async () => {
    const dir = path.join(tmp, 'bicubic-orient');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'bicubic', '--orientations', '8', '--stages', '1', '--out', dir])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const ignored = '--orientations 8 has no effect with bicubic: only SRDA-Net averages its prediction over orientations.';
    expect(report.orientations).toBeUndefined();
    expect(report.notices).toContain(ignored);
    expect(printed.err).toContain(`notice: ${ignored}`);
    printed.out = '';
    expect(await main(['evaluate', '--lst', LST, '--ndvi', NDVI, '--methods', 'bicubic,tsharp', '--orientations', '8'])).toBe(0);
    expect(printed.out).toContain('notice: --orientations 8 has no effect with bicubic, tsharp: only SRDA-Net averages its prediction over orientations.');
  });

  it.each([
    ['no LST', ['downscale', '--ndvi', NDVI, '--out', tmp], /MISSING_BAND.*--lst/],
    ['no auxiliary layer for TsHARP', ['downscale', '--lst', LST, '--method', 'tsharp', '--out', tmp], /MISSING_BAND.*tsharp needs an auxiliary layer/],
    ['red without NIR', ['downscale', '--lst', LST, '--red', NDVI, '--out', tmp], /MISSING_BAND.*--nir/],
    ['a missing file', ['downscale', '--lst', path.join(tmp, 'nope.tif'), '--ndvi', NDVI, '--out', tmp], /BAD_ARGUMENT.*nope\.tif/],
    ['a QC of another date', ['downscale', '--lst', LST, '--qc', QC_OTHER_DATE, '--ndvi', NDVI, '--out', tmp], /DATE_MISMATCH.*QC_Day_doy2024161.*2024-06-09.*2024-04-06/],
    ['an NDVI 41 days from the LST', ['downscale', '--lst', LST, '--ndvi', NDVI_LATE, '--out', tmp], /DATE_MISMATCH.*NDVI_doy2024145.*41 days.*--max-date-gap 41/],
    ['an unknown method', ['downscale', '--lst', LST, '--ndvi', NDVI, '--method', 'magic', '--out', tmp], /BAD_ARGUMENT.*magic/],
    ['--orientations 4', ['downscale', '--lst', LST, '--ndvi', NDVI, '--orientations', '4', '--out', tmp], /BAD_ARGUMENT.*--orientations must be 1, 2 or 8, got '4'/],
    ['evaluate --orientations 3', ['evaluate', '--lst', LST, '--ndvi', NDVI, '--orientations', '3'], /BAD_ARGUMENT.*--orientations must be 1, 2 or 8, got '3'/],
    ['an unknown option', ['downscale', '--lst', LST, '--ndvi', NDVI, '--frobnicate', '--out', tmp], /BAD_ARGUMENT/],
  ])('exits non-zero with one line for %s', async (_name, argv, pattern) => {
    expect(await main(argv)).not.toBe(0);
    expect(printed.err.trim().split('\n')).toHaveLength(1);
    expect(printed.err).toMatch(pattern);
  });

  it('accepts a guide further away in time when --max-date-gap allows it', async () => {
    const dir = path.join(tmp, 'gap');
    expect(await main(['downscale', '--lst', LST, '--ndvi', NDVI_LATE, '--max-date-gap', '41', '--method', 'bicubic', '--out', dir, '-q'])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.inputs.ndvi.date).toBe('2024-05-24');
  });

  it.skipIf(!existsSync(LISBON))('rejects grids that do not overlap, naming both', async () => {
    expect(await main(['downscale', '--lst', LST, '--red', `${LISBON}:B4`, '--nir', `${LISBON}:B5`, '--max-date-gap', '9999', '--out', tmp])).not.toBe(0);
    expect(printed.err).toMatch(/NO_OVERLAP.*MOD11A2.*LC08_cube/);
  });
});

const FAYOUM = path.join(DATA, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');
const H14 = path.join(DATA, 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028');

describe.skipIf(!existsSync(`${H14}.LST_Day_1km.tif`))('a full MODIS tile (h14v09, 1200 x 1200 px: its closed loop runs on a sample of windows)', () => {
  // Before, the app scored its loop on the whole tile (weighted SRDA-Net 0.5987 K on 308,312 px) and
  // downscale on the windows the weight is fitted on (0.5546 K on 25,192 px).
  it("gives SRDA-Net's weighted closed-loop score the app's core path shows (worker/run.ts) the same as downscale's report", async () => {
    const [lst, qc] = [`${H14}.LST_Day_1km.tif`, `${H14}.QC_Day.tif`];
    const dir = path.join(tmp, 'h14v09');
    expect(await main(['downscale', '--lst', lst, '--qc', qc, '--method', 'srda', '--backend', 'wasm', '--stages', '1', '--out', dir, '-q'])).toBe(0);
    const check = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).closedLoopCheck;
    // The app's steps: the detail weight, then the closed-loop check over the weighted SRDA-Net and bicubic.
    const scene = await prepareSceneAsync((await loadInputs({ lst, qc })).inputs, { stages: 1 });
    // The run's default: one pass, and the weight fitted with it (2 orientations fit another weight).
    const { method } = await resolveMethod('srda', { backend: 'wasm', jobs: 1 });
    const { method: onePass } = await resolveMethod('srda', { backend: 'wasm', jobs: 1, orientations: 2 });
    try {
      expect((method as { orientations?: number }).orientations ?? 1).toBe(1);
      const weight = await fitDetailWeight(scene, method, 'linear');
      expect(weight!.alpha).toBe(check.detailWeight);
      expect((await fitDetailWeight(scene, onePass, 'linear'))!.alpha).not.toBe(check.detailWeight);
      const loop = await evaluateSampledLoop(scene, [withDetailWeight(method, weight!.alpha), 'bicubic'], { samplePairs: 4000 });
      const [srda, bicubic] = loop.methods.map((m) => m.corrected);
      expect(srda.rmseK).toBeCloseTo(check.weightedRmseK, 5);
      expect(bicubic.rmseK).toBeCloseTo(check.bicubicRmseK, 6);
      expect(srda.n).toBe(check.pixels);
      expect(loop.sampledPixels).toBeLessThan(1200 * 1200);
    } finally {
      await (method as { close?: () => Promise<void> }).close?.();
      await (onePass as { close?: () => Promise<void> }).close?.();
    }
  }, 300_000);

  // Before, evaluate scored SRDA-Net alone (0.5798 K) where the app and downscale showed it weighted (0.5546 K).
  it("evaluate scores SRDA-Net weighted as downscale's report does, in the app's words; --full-detail scores it alone", async () => {
    const [lst, qc] = [`${H14}.LST_Day_1km.tif`, `${H14}.QC_Day.tif`];
    const check = JSON.parse(readFileSync(path.join(tmp, 'h14v09', 'report.json'), 'utf8')).closedLoopCheck;
    const scored = async (...more: string[]) => {
      expect(await main(['evaluate', '--lst', lst, '--qc', qc, '--methods', 'srda,bicubic', '--backend', 'wasm', ...more, '--json', '-q'])).toBe(0);
      const doc = JSON.parse(printed.out);
      printed.out = '';
      return doc as { closedLoop: { methods: { method: string; detailWeight?: number; detailWeightNote?: string; corrected: { rmseK: number; n: number } }[] }; closedLoopCheck: { recommendedMethod: string } };
    };
    printed.out = '';
    const weighted = await scored();
    const [srda, bicubic] = weighted.closedLoop.methods;
    // evaluate --json rounds to 0.1 mK.
    expect(srda.corrected.rmseK).toBeCloseTo(check.weightedRmseK, 4);
    expect(bicubic.corrected.rmseK).toBeCloseTo(check.bicubicRmseK, 4);
    expect(srda.corrected.n).toBe(check.pixels);
    expect(srda.detailWeight).toBe(check.detailWeight);
    expect(srda.detailWeightNote).toBe(detailShareWords(check.detailWeight));
    expect(srda.detailWeightNote).toMatch(/optimistic/);
    expect(weighted.closedLoopCheck.recommendedMethod).toBe(check.recommendedMethod);
    const alone = (await scored('--full-detail')).closedLoop.methods[0];
    expect(alone.detailWeight).toBeUndefined();
    expect(alone.corrected.rmseK).toBeCloseTo(check.srdaRmseK, 4);
    expect(alone.corrected.rmseK).not.toBeCloseTo(srda.corrected.rmseK, 3);
  }, 300_000);
});

describe.skipIf(!existsSync(FAYOUM))('inputs already on one grid (Fayoum: LST, NDVI, albedo, DEM on one 0.002 deg grid)', () => {
  const argv = ['downscale', '--lst', `${FAYOUM}/LST_20190704.tif`, '--ndvi', `${FAYOUM}/NDVI_20190704.tif`, '--dem', `${FAYOUM}/DEM.tif`, '--method', 'bicubic'];
  it('says the LST is not coarser than the guides and points to a reference factor', async () => {
    expect(await main([...argv, '--out', path.join(tmp, 'fay0')])).not.toBe(0);
    expect(printed.err).toMatch(/NOT_COARSER.*LST_20190704\.tif.*not coarser than.*reference factor/);
  });
  it('with --reference-factor 4 downscales the LST averaged by 4 back onto the guide grid, in the words the app uses', async () => {
    const dir = path.join(tmp, 'fay4');
    expect(await main([...argv, '--reference-factor', '4', '--out', dir])).toBe(0);
    expect(printed.err).toMatch(/notice: Reference factor 4: the LST was block-averaged by 4 \(to \d+ m\) and downscaled back to \d+ m/);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.stageCount).toBe(2);
    expect(report.notes.join(' ')).toMatch(/Reference factor 4/);
  });
});

describe.skipIf(!existsSync(LISBON))('band picking from a multi-band stack', () => {
  it('evaluates the Lisbon cube with FILE:BAND inputs (Landsat band names and 1-based indices)', async () => {
    const argv = ['evaluate', '--lst', `${LISBON}:B10`, '--red', `${LISBON}:B4`, '--nir', `${LISBON}:4`, '--methods', 'bicubic', '--stages', '2', '--reference-factor', '2', '--json', '-q'];
    expect(await main(argv)).toBe(0);
    const doc = JSON.parse(printed.out);
    expect(doc.scene.inputs.lst.band).toMatch(/Band10/);
    expect(doc.scene.inputs.nir.band).toMatch(/Band5/);
    expect(doc.closedLoop.methods[0].corrected.rmseK).toBeCloseTo(0.768, 2);
  });
});

describe.skipIf(!existsSync(`${PARA}_B6.TIF`))('evaluate --truth', () => {
  it('scores each method\'s real downscaled output against an independent fine LST', async () => {
    // Coarse input: the Para thermal band block-averaged to 120 m; truth: the same band at 30 m.
    const bt = (await loadDataset(`${PARA}_B6.TIF`)).bands[0].raster;
    const coarse = path.join(tmp, 'para_bt_120m.tif');
    writeFileSync(coarse, writeGeoTiff([{ raster: aggregateMean(bt, 4, { maxInvalidFraction: 0 }), units: 'K' }]));
    const argv = ['evaluate', '--lst', coarse, '--red', `${PARA}_B3.TIF`, '--nir', `${PARA}_B4.TIF`, '--truth', `${PARA}_B6.TIF`, '--methods', 'bicubic,tsharp', '--json', '-q'];
    expect(await main(argv)).toBe(0);
    const doc = JSON.parse(printed.out);
    expect(doc.scene.stageCount).toBe(2);
    expect(doc.truth.methods.map((m: { method: string }) => m.method)).toEqual(['bicubic', 'tsharp']);
    for (const m of doc.truth.methods) {
      expect(m.pixelSizeM).toBeCloseTo(30, 6);
      expect(m.scores.n).toBeGreaterThan(50000);
      // 120 m -> 30 m on a thermal band that is itself 120 m native: a few tenths of a K at most.
      expect(m.scores.rmseK).toBeGreaterThan(0.01);
      expect(m.scores.rmseK).toBeLessThan(0.5);
      // The same grid as the truth: resampled; one sensor, so almost no mean difference; the detail
      // within each 120 m input pixel is all the error there is (the block means are the truth's).
      expect(m.truthOnOutput).toBe('resampled');
      expect(Math.abs(m.detail.biasK)).toBeLessThan(0.01);
      expect(m.detail.offsetFreeRmseK).toBeCloseTo(m.scores.rmseK, 2);
      expect(m.detail.detailPixels).toBeGreaterThan(50000);
      expect(m.detail.detailRmseK).toBeCloseTo(m.scores.rmseK, 1);
      expect(m.detail.truthDetailSdK).toBeGreaterThan(0.05);
    }
    // Bicubic adds smooth detail only; TsHARP's follows the NDVI: their detail correlations differ.
    expect(doc.truth.methods[0].detail.detailCorr).not.toBe(doc.truth.methods[1].detail.detailCorr);
    console.log('Para 120 m -> 30 m against the 30 m band:', doc.truth.methods.map((m: { method: string; scores: { rmseK: number } }) => `${m.method} ${m.scores.rmseK} K`).join(', '));
  });
});

const MENDOZA = path.join(DATA, 'landsat8_mendoza_water/LC82320832016040LGN00');
describe.skipIf(!existsSync(`${MENDOZA}.xml`))('a band named on the command line is used as named (Mendoza ESPA folder)', () => {
  it('takes the L1 band 4 given as --red although the folder lists it unused beside sr_band4', async () => {
    const run = async (red: string) => {
      expect(await main(['evaluate', '--lst', `${MENDOZA}_band10.tif`, '--red', `${MENDOZA}${red}`, '--nir', `${MENDOZA}_sr_band5.tif`, '--reference-factor', '2', '--methods', 'bicubic,tsharp', '--json', '-q'])).toBe(0);
      const doc = JSON.parse(printed.out);
      printed.out = '';
      return doc;
    };
    const l1 = await run('_band4.tif');
    expect(l1.scene.inputs.red).toMatchObject({ file: `${MENDOZA}_band4.tif`, role: 'red' });
    const sr = await run('_sr_band4.tif');
    expect(sr.scene.inputs.red).toMatchObject({ file: `${MENDOZA}_sr_band4.tif`, role: 'red' });
    // Another red, another NDVI for TsHARP: the named band was read, not its surface reflectance twin.
    expect(l1.closedLoop.methods[1].corrected.rmseK).not.toBe(sr.closedLoop.methods[1].corrected.rmseK);
  });
});

describe.skipIf(!existsSync(LST))('--lst is used as given beside another LST of the same date (Dhaka, DOY 097)', () => {
  it('reads the file --lst names, not the other LST of that date in its folder (the app decides by the hand choice; the CLI by the option)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'two-lst-'));
    const first = path.join(dir, 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
    const second = path.join(dir, 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0002.tif');
    copyFileSync(LST, first);
    // The second: the same LST with its contrast doubled about its mean (float K), so a closed loop on it scores otherwise.
    const lst = (await loadDataset(LST)).bands[0].raster;
    let [sum, n] = [0, 0];
    for (const v of lst.data) if (v === v) [sum, n] = [sum + v, n + 1];
    const mean = sum / n;
    writeFileSync(second, writeGeoTiff([{ raster: { ...lst, data: lst.data.map((v) => 2 * v - mean) }, units: 'K' }]));
    const run = async (file: string) => {
      expect(await main(['evaluate', '--lst', file, '--ndvi', NDVI, '--methods', 'bicubic', '--json', '-q'])).toBe(0);
      const doc = JSON.parse(printed.out);
      printed.out = '';
      return doc;
    };
    const a = await run(first);
    const b = await run(second);
    expect([a.scene.inputs.lst.file, a.scene.inputs.lst.role, a.scene.inputs.lst.date]).toEqual([first, 'lst', '2024-04-06']);
    expect([b.scene.inputs.lst.file, b.scene.inputs.lst.role, b.scene.inputs.lst.date]).toEqual([second, 'lst', '2024-04-06']);
    // Twice the contrast, twice the closed-loop error: the named file's values were read.
    expect(b.closedLoop.methods[0].corrected.rmseK / a.closedLoop.methods[0].corrected.rmseK).toBeCloseTo(2, 1);
  });
});

const CHIAPAS_2002 = path.join(DATA, 'landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif');
describe.skipIf(!existsSync(CHIAPAS_2002))('--cloud-mask masks the LST where the mask is not 0 (Chiapas 2002, band 8 = Fmask per its README)', () => {
  it('leaves the cloudy and shadowed pixels (27 %) out of the closed loop; before, the option did not exist and the cold clouds were scored', async () => {
    const run = async (...more: string[]) => {
      expect(await main(['evaluate', '--lst', `${CHIAPAS_2002}:7`, '--red', `${CHIAPAS_2002}:3`, '--nir', `${CHIAPAS_2002}:4`, ...more, '--reference-factor', '4', '--methods', 'bicubic,tsharp', '--json', '-q'])).toBe(0);
      const doc = JSON.parse(printed.out);
      printed.out = '';
      return doc;
    };
    const plain = await run();
    const masked = await run('--cloud-mask', `${CHIAPAS_2002}:8`);
    expect(masked.scene.inputs['cloud-mask']).toMatchObject({ file: `${CHIAPAS_2002}`, band: 'Band 8', date: '2002-04-16' });
    // README: 20 % cloud + 7 % shadow.
    expect(plain.scene.cloudMaskedShare).toBeUndefined();
    expect(masked.scene.cloudMaskedShare).toBeCloseTo(0.27, 2);
    expect(masked.scene.notes).toContain('The cloud mask LE70220492002106EDC00_stack.gtif masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).');
    const [n0, n1] = [plain.closedLoop.methods[1].corrected.n, masked.closedLoop.methods[1].corrected.n];
    // 240 m closed loop on a 250 x 250 30 m stack: fewer scored pixels once clouds and shadows are out, and a smaller error without the cold cloud edges.
    expect(n1 / n0).toBeGreaterThan(0.6);
    expect(n1 / n0).toBeLessThan(0.8);
    expect(masked.closedLoop.methods[1].corrected.rmseK).toBeLessThan(plain.closedLoop.methods[1].corrected.rmseK);
  });
});

describe.skipIf(!existsSync(CHIAPAS_2002))('plain downscale prints what assembling and preparing the scene did (Chiapas 2002 with its Fmask band)', () => {
  it('prints each scene note once on stderr: the cloud-masked share, the NDVI from red and NIR, the cropping, the reference factor', async () => {
    // Before, only the reference-factor and guide-registration notes were printed; the rest went to report.json alone.
    const dir = path.join(tmp, 'chiapas-notices');
    printed.err = '';
    expect(await main(['downscale', '--lst', `${CHIAPAS_2002}:7`, '--red', `${CHIAPAS_2002}:3`, '--nir', `${CHIAPAS_2002}:4`, '--cloud-mask', `${CHIAPAS_2002}:8`, '--reference-factor', '4', '--method', 'bicubic', '--out', dir])).toBe(0);
    const notices = printed.err.split('\n').filter((l) => l.startsWith('notice: ')).map((l) => l.slice('notice: '.length));
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { notes: string[] };
    for (const n of report.notes) expect(notices.filter((p) => p === n)).toHaveLength(1);
    // One note for one fact: before, also 'The cloud mask removed 16804 of the 62500 valid LST pixels.' (GDAL: 16804 Fmask != 0).
    expect(notices.filter((n) => n.includes('valid LST pixels'))).toEqual(['The cloud mask LE70220492002106EDC00_stack.gtif masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).']);
    expect(report.notes.filter((n) => n.includes('valid LST pixels'))).toHaveLength(1);
    expect(notices).toContain('NDVI computed from red and NIR.');
    // One note for the one crop of the one grid: before, 'LST cropped … that the auxiliary grid covers whole.' (it covers all 250) and 'Auxiliary grid cropped from 250x250 to 248x248 …'.
    expect(notices.filter((n) => n.includes('cropped'))).toEqual(['LST and guides (one grid) cropped from 250x250 to 248x248 (from col 0, row 0): the coarsest level takes whole blocks of 4x4 pixels.']);
    expect(notices.filter((n) => n.startsWith('Reference factor 4'))).toHaveLength(1);
  });

  it('plain evaluate prints the same scene notes, each once on stderr', async () => {
    // Before, evaluate printed none of them (they were in --json's scene.notes alone).
    printed.err = '';
    printed.out = '';
    const argv = ['--lst', `${CHIAPAS_2002}:7`, '--red', `${CHIAPAS_2002}:3`, '--nir', `${CHIAPAS_2002}:4`, '--cloud-mask', `${CHIAPAS_2002}:8`, '--reference-factor', '4'];
    expect(await main(['evaluate', ...argv, '--methods', 'bicubic,tsharp', '--json'])).toBe(0);
    const notices = printed.err.split('\n').filter((l) => l.startsWith('notice: ')).map((l) => l.slice('notice: '.length));
    const notes = (JSON.parse(printed.out) as { scene: { notes: string[] } }).scene.notes;
    // The cloud mask note and the NDVI note (before, a third that repeated the cloud mask's count).
    expect(notes).toHaveLength(2);
    for (const n of notes) expect(notices.filter((p) => p === n)).toHaveLength(1);
    expect(notices.filter((n) => n.includes('valid LST pixels'))).toEqual(['The cloud mask LE70220492002106EDC00_stack.gtif masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).']);
    expect(notices).toContain('NDVI computed from red and NIR.');
    printed.err = '';
    printed.out = '';
    // -q: none.
    expect(await main(['evaluate', ...argv, '--methods', 'bicubic', '-q'])).toBe(0);
    expect(printed.err).toBe('');
  });
});

describe.skipIf(!existsSync(CHIAPAS_2002))('--cloud-mask repeated: several masks of the LST date (Chiapas 2002 Fmask split into a cloud file and a shadow file)', () => {
  it('applies both, as the app and batch do, and names both in the notes and report.json; before, only the last one given was applied (7 %)', async () => {
    const dir = mkdtempSync(path.join(tmp, 'two-masks-'));
    const fmask = (await loadDataset(`${CHIAPAS_2002}`)).bands[7].raster;
    const part = (cls: number, name: string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, writeGeoTiff([{ raster: { ...fmask, data: fmask.data.map((v) => (v === cls ? 1 : 0)) } }]));
      return file;
    };
    const [cloud, shadow] = [part(4, 'LE70220492002106EDC00_cloud.tif'), part(2, 'LE70220492002106EDC00_shadow.tif')];
    const out = path.join(dir, 'out');
    const argv = ['--lst', `${CHIAPAS_2002}:7`, '--red', `${CHIAPAS_2002}:3`, '--nir', `${CHIAPAS_2002}:4`, '--cloud-mask', cloud, '--cloud-mask', shadow, '--reference-factor', '4'];
    expect(await main(['downscale', ...argv, '--method', 'bicubic', '--out', out, '-q'])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    // GDAL: 12663 cloud (4) and 4141 shadow (2) of 62500; together 16804, as the stack's band 8 alone.
    expect(report.cloudMaskedShare).toBeCloseTo(16804 / 62500, 3);
    expect([report.inputs['cloud-mask'].file, report.inputs['cloud-mask-2'].file]).toEqual([cloud, shadow]);
    expect(report.notes).toContain(
      'The cloud masks LE70220492002106EDC00_cloud.tif and LE70220492002106EDC00_shadow.tif mask 27 % of the valid LST pixels together: an LST pixel is masked where any of them says it is not clear. LE70220492002106EDC00_cloud.tif alone 20 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow); LE70220492002106EDC00_shadow.tif alone 7 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).',
    );
    printed.out = '';
    expect(await main(['evaluate', ...argv, '--methods', 'bicubic', '--json', '-q'])).toBe(0);
    const doc = JSON.parse(printed.out);
    printed.out = '';
    expect(doc.scene.cloudMaskedShare).toBe(report.cloudMaskedShare);
    expect(doc.scene.notes).toEqual(expect.arrayContaining(report.notes.filter((n: string) => n.startsWith('The cloud masks'))));
  });
});

describe('downscale output layout', () => {
  /** A 100x100 LST at 1 km and a 400x400 NDVI at 250 m (UTM 29N), smooth and deterministic. */
  function writeScene(): { lst: string; ndvi: string } {
    const lst = new Float32Array(100 * 100).map((_, i) => 300 + 4 * Math.sin(i / 170) + 3 * Math.cos((i % 100) / 9));
    const ndvi = new Float32Array(400 * 400).map((_, i) => 0.4 + 0.3 * Math.sin(i / 613) * Math.cos((i % 400) / 23));
    const crs = crsFromEpsg(32629);
    const files = { lst: path.join(tmp, 'layout_lst.tif'), ndvi: path.join(tmp, 'layout_ndvi.tif') };
    writeFileSync(files.lst, writeGeoTiff([{ raster: { width: 100, height: 100, transform: [400000, 1000, 0, 4300000, 0, -1000], crs, data: lst }, units: 'K' }]));
    writeFileSync(files.ndvi, writeGeoTiff([{ raster: { width: 400, height: 400, transform: [400000, 250, 0, 4300000, 0, -250], crs, data: ndvi }, name: 'NDVI' }]));
    return files;
  }
  const python = ['/usr/bin/python3', 'python3'].find((py) => {
    try {
      execFileSync(py, ['-c', 'import osgeo_utils.samples.validate_cloud_optimized_geotiff'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });

  it.skipIf(!python || !hasGdal)('writes cloud-optimised GeoTIFFs by default and plain ones with --no-cog, with the same values', async () => {
    const { lst, ndvi } = writeScene();
    const cogDir = path.join(tmp, 'layout-cog');
    const plainDir = path.join(tmp, 'layout-plain');
    expect(await main(['downscale', '--lst', lst, '--ndvi', ndvi, '--method', 'bicubic', '--out', cogDir, '-q'])).toBe(0);
    expect(await main(['downscale', '--lst', lst, '--ndvi', ndvi, '--method', 'bicubic', '--no-cog', '--out', plainDir, '-q'])).toBe(0);
    const cogFile = path.join(cogDir, 'lst_stage2.tif');
    const plainFile = path.join(plainDir, 'lst_stage2.tif');
    const validate = (f: string): string => execFileSync(python!, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', f], { encoding: 'utf8' });
    expect(validate(cogFile)).toContain('is a valid cloud optimized GeoTIFF');
    const gdal = (f: string): string => execFileSync('gdalinfo', ['-checksum', f], { encoding: 'utf8', env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } });
    const [cogInfo, plainInfo] = [gdal(cogFile), gdal(plainFile)];
    expect(cogInfo).toMatch(/Overviews: 200x200/);
    expect(plainInfo).not.toMatch(/Overviews/);
    const checksum = (s: string): string | undefined => /Checksum=(\d+)/.exec(s)?.[1];
    expect(checksum(cogInfo)).toBeDefined();
    expect(checksum(cogInfo)).toBe(checksum(plainInfo));
    expect(JSON.parse(readFileSync(path.join(cogDir, 'report.json'), 'utf8')).layout).toBe('cloud-optimised GeoTIFF');
  });
});
