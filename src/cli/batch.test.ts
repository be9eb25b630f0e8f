import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { recommendMethod } from '../core/recommend.ts';
import { maskedShareWords } from '../pipeline/mask-report.ts';
import type { Dataset } from '../io/dataset.ts';
import type { LabelledBand } from '../pipeline/scene-assembly.ts';
import { independentTally, itemIndexFrom } from './batch.ts';
import { batchOtherLstHint } from './batch-item.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { loadFileDatasets } from './load.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';
import { hasGdal } from '../test-support/gdal.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const DHAKA = path.resolve(repo, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const BIN = path.join(repo, 'bin/srda-lst.js');
const env = { ...process.env, GDAL_PAM_ENABLED: 'NO' };
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-batch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface GdalJson {
  size: [number, number];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  bands: {
    type: string;
    noDataValue: number;
    minimum?: number;
    maximum?: number;
    metadata: Record<string, Record<string, string>>;
  }[];
}
function gdalinfo(file: string): GdalJson {
  return JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', file], { env }).toString()) as GdalJson;
}

/**
 * Runs `srda-lst batch SOURCE --out TMP/NAME ...args` in this process, which must exit 0 (`printed.err`,
 * when given, says why not), and reads the report.json of its item `id`.
 */
async function batchReport(source: string, name: string, args: string[], id: string, printed?: { err: string }) {
  const dir = path.join(tmp, name);
  expect(await main(['batch', source, '--out', dir, ...args]), printed?.err).toBe(0);
  return { dir, report: JSON.parse(readFileSync(path.join(dir, id, 'report.json'), 'utf8')) };
}

/** Every finished item folder compared byte for byte (GeoTIFFs) and by content without timings (reports). */
function sameOutputs(a: string, b: string): void {
  const dirs = readdirSync(a).filter((n) => !n.startsWith('.') && n !== 'summary.csv');
  expect(
    readdirSync(b)
      .filter((n) => !n.startsWith('.') && n !== 'summary.csv')
      .sort(),
  ).toEqual(dirs.sort());
  for (const d of dirs) {
    for (const f of readdirSync(path.join(a, d))) {
      const x = readFileSync(path.join(a, d, f));
      const y = readFileSync(path.join(b, d, f));
      if (f.endsWith('.tif')) expect(x.equals(y), `${d}/${f} differs`).toBe(true);
      else {
        const strip = (j: { summary: { seconds?: number } }) => ({
          ...j,
          summary: { ...j.summary, seconds: 0 },
        });
        expect(strip(JSON.parse(x.toString()))).toEqual(strip(JSON.parse(y.toString())));
      }
    }
  }
}

describe('batchOtherLstHint: the command-line way to another of several LST layers of an item', () => {
  const band = (fileName: string, bands: { name: string; role: string }[], i: number, date?: string): LabelledBand => {
    const dataset = { fileName, bands, ...(date ? { date } : {}) } as unknown as Dataset;
    const file = path.basename(fileName);
    return { key: `${fileName}:${i + 1}`, name: bands.length > 1 ? `${file} [band ${i + 1}: ${bands[i].name}]` : file, role: 'lst', dataset, band: bands[i] } as LabelledBand;
  };

  it('says to take the chosen LST file out of the batch when the other LST is in another file', () => {
    const modis = band('/data/pairs/7/MOD21A1D_LST_1km.tif', [{ name: 'LST', role: 'lst' }], 0);
    const aster = band('/data/pairs/7/ASTER_LST_250m.tif', [{ name: 'LST', role: 'lst' }], 0);
    expect(batchOtherLstHint(modis, [aster])).toBe(
      'To use ASTER_LST_250m.tif instead, move MOD21A1D_LST_1km.tif out of /data/pairs/7 (or, with a manifest, leave it out) and run this item again with --force.',
    );
  });

  it('gives the downscale command with the band for an LST in the chosen one\'s own file (an HDF with day and night), by name, or by number where the name reads as one', () => {
    const hdf = [{ name: 'LST_Day_1km', role: 'lst' }, { name: 'LST_Night_1km', role: 'lst' }];
    const day = band('/data/MOD11A1.A2024097.h26v06.061.hdf', hdf, 0, '2024-04-06');
    const night = band('/data/MOD11A1.A2024097.h26v06.061.hdf', hdf, 1, '2024-04-06');
    expect(batchOtherLstHint(day, [night])).toBe(
      "To use MOD11A1.A2024097.h26v06.061.hdf [band 2: LST_Night_1km], downscale it on its own: srda-lst downscale --lst /data/MOD11A1.A2024097.h26v06.061.hdf:LST_Night_1km --date 2024-04-06 with this item's guides (--ndvi FILE ...).",
    );
    const stack = [{ name: 'B6', role: 'lst' }, { name: 'band 10', role: 'lst' }];
    const b6 = band('/data/my stack.tif', stack, 0);
    expect(batchOtherLstHint(b6, [band('/data/my stack.tif', stack, 1)])).toContain("srda-lst downscale --lst '/data/my stack.tif:2' with");
  });
});

describe('itemIndexFrom', () => {
  it('takes --index first, then the Kubernetes and AWS Batch array variables', () => {
    expect(itemIndexFrom('3', { JOB_COMPLETION_INDEX: '5' })).toBe(3);
    expect(itemIndexFrom(undefined, { JOB_COMPLETION_INDEX: '5' })).toBe(5);
    expect(itemIndexFrom(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '7' })).toBe(7);
    expect(itemIndexFrom(undefined, {})).toBeUndefined();
    expect(() => itemIndexFrom('-1', {})).toThrow(/not a non-negative integer/);
  });
});

describe('srda-lst batch options', () => {
  const printed = capturePrinted();

  // Checked before the source is read: --list with a bad value fails instead of listing.
  it.each([
    ['--orientations', '4', /BAD_ARGUMENT.*--orientations must be 1, 2 or 8, got '4'/],
    ['--residual-mode', 'cubic', /BAD_ARGUMENT.*residual-mode/],
    ['--jobs', '0', /BAD_ARGUMENT.*jobs/],
  ])('rejects %s %s in one line, with --list too, before listing', async (flag, value, pattern) => {
    const source = existsSync(DHAKA) ? DHAKA : tmp;
    expect(await main(['batch', source, '--list', flag, value])).not.toBe(0);
    expect(printed.out).toBe('');
    expect(printed.err.trim().split('\n')).toHaveLength(1);
    expect(printed.err).toMatch(pattern);
  });

  // Before, the QC files of 2024-06-09 and 2024-06-25 (no LST of those dates in the folder) were left out without a word.
  it.skipIf(!existsSync(DHAKA))('names on stderr each QC file with no LST of its date, and why it is not an item, keeping --list stdout one line per item', async () => {
    expect(await main(['batch', DHAKA, '--list'])).toBe(0);
    const lines = printed.out.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.some((l) => /QC_Day_doy2024(161|177)/.test(l))).toBe(false);
    const notRun = printed.err.trim().split('\n');
    expect(notRun).toEqual([
      expect.stringMatching(/^not run: \S*MOD11A2\.061_QC_Day_doy2024161000000_aid0001\.tif: QC of 2024-06-09 with no LST of that date among the files: not an item/),
      expect.stringMatching(/^not run: \S*MOD11A2\.061_QC_Day_doy2024177000000_aid0001\.tif: QC of 2024-06-25 with no LST of that date among the files: not an item/),
    ]);
  });

  // With --jobs N the items run in child processes: a bad method must fail once, in the parent, as with --jobs 1.
  it.skipIf(!existsSync(DHAKA)).each([
    ['--method', 'foo'],
    ['--closed-loop', 'bicubic,foo'],
  ])('rejects %s %s in one line before any item runs, the same line and exit status with --jobs 2 as with --jobs 1', (flag, value) => {
    const runWith = (jobs: string) => {
      const dir = path.join(tmp, `bad-method-jobs${jobs}`);
      const r = spawnSync(process.execPath, [BIN, 'batch', DHAKA, '--out', dir, '--jobs', jobs, flag, value], { env, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, wroteOut: existsSync(dir) };
    };
    const one = runWith('1');
    expect(one.stderr).toBe("srda-lst batch: BAD_ARGUMENT: Unknown method 'foo'. Use one of: srda, bicubic, tsharp, dms.\n");
    expect(one.status).toBe(1);
    const two = runWith('2');
    expect(two).toEqual({ ...one, wroteOut: false });
    expect(two.stdout).toBe('');
  }, 120_000);

  /** A manifest of two Dhaka dates (2024-04-06, 2024-04-14), their LSTs from `lstDir` (default: the real ones). */
  const twoDates = (name: string, lstDir = path.join(DHAKA, 'MOD11A2.061')): string => {
    const manifest = path.join(tmp, `${name}.txt`);
    const lsts = readdirSync(path.join(DHAKA, 'MOD11A2.061')).filter((n) => /LST_Day.*doy2024(097|105)/.test(n));
    writeFileSync(manifest, [...lsts.map((n) => path.join(lstDir, n)), path.join(DHAKA, 'MOD13Q1.061')].join('\n') + '\n');
    return manifest;
  };
  const batchWith = (jobs: string, manifest: string, out: string, args: string[]) => {
    const dir = path.join(tmp, `${out}-jobs${jobs}`);
    const r = spawnSync(process.execPath, [BIN, 'batch', manifest, '--out', dir, '--jobs', jobs, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
  };

  // With --jobs N each child loaded SRDA-Net's weights itself: bad weights failed once per item, after the children started.
  it.skipIf(!existsSync(DHAKA)).each([
    ['missing', 'a folder that does not exist', /MODEL_LOAD_FAILED: \S*missing\/model\.json: Cannot read SRDA-Net weights: no such file\./],
    ['corrupt-json', 'a model.json that is not JSON', /MODEL_LOAD_FAILED: \S*corrupt-json\/model\.json: Cannot read SRDA-Net weights: not JSON/],
    ['short-bin', 'a weights.bin shorter than model.json says', /MODEL_LOAD_FAILED: \S*short-bin\/model\.json: .*weight data does not match model\.json \(100 bytes\)/],
  ])('refuses SRDA-Net weights in %s (%s) in one line before any item runs, the same line and exit status with --jobs 2 as with --jobs 1', (name, _what, pattern) => {
    const weights = path.join(tmp, 'weights', name);
    if (name !== 'missing') mkdirSync(weights, { recursive: true });
    if (name === 'corrupt-json') writeFileSync(path.join(weights, 'model.json'), '{not json');
    if (name === 'short-bin') {
      copyFileSync(path.join(repo, 'models/srda-net/model.json'), path.join(weights, 'model.json'));
      writeFileSync(path.join(weights, 'weights.bin'), Buffer.alloc(100));
    }
    const manifest = twoDates('weights-dates');
    for (const args of [
      ['--method', 'srda'],
      ['--method', 'bicubic', '--closed-loop', 'bicubic,srda'],
    ]) {
      const one = batchWith('1', manifest, `weights-${name}`, [...args, '--weights', weights]);
      expect(one.stderr.split('\n')).toHaveLength(2);
      expect(one.stderr).toMatch(new RegExp(`^srda-lst batch: ${pattern.source}`));
      expect(one.stderr).toMatch(/ Give a folder holding SRDA-Net's model\.json and weights\.bin .*, or restore models\/srda-net\/\.\n$/);
      expect(one.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(one.status).toBe(1);
      const two = batchWith('2', manifest, `weights-${name}`, [...args, '--weights', weights]);
      expect({ ...two, dir: '' }).toEqual({ ...one, dir: '' });
      expect(two.stdout).toBe('');
      expect(existsSync(two.dir)).toBe(false);
    }
  }, 120_000);

  it.skipIf(!existsSync(DHAKA))('says once on stderr, with --jobs 2 as with --jobs 1, that the default method fell back to bicubic, and runs every item', () => {
    const manifest = twoDates('fallback-dates');
    const weights = path.join(tmp, 'weights', 'absent-for-fallback');
    for (const jobs of ['1', '2']) {
      const r = batchWith(jobs, manifest, 'fallback', ['--weights', weights]);
      // The run's notices: each date's scene notes come prefixed with its date.
      const notices = r.stderr.split('\n').filter((l) => l.startsWith('notice: ') && !/^notice: \d{4}-\d{2}-\d{2}: /.test(l));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^notice: SRDA-Net unavailable \(\S*absent-for-fallback\/model\.json.*\); using bicubic\.$/);
      expect(JSON.parse(r.stdout)).toMatchObject({ items: 2, processed: 2, failed: 0 });
      expect(r.status).toBe(0);
    }
  }, 120_000);

  it.skipIf(!existsSync(DHAKA))('leaves --weights alone when no method needs SRDA-Net: with --jobs 2 as with --jobs 1, each item runs and its own failure is its line, exit 1', () => {
    // The LSTs are cut short, so each item fails on its own file (in a child with --jobs 2), whatever --weights says.
    const cut = path.join(tmp, 'cut-lst');
    mkdirSync(cut, { recursive: true });
    for (const n of readdirSync(path.join(DHAKA, 'MOD11A2.061')).filter((n) => /LST_Day.*doy2024(097|105)/.test(n)))
      writeFileSync(path.join(cut, n), readFileSync(path.join(DHAKA, 'MOD11A2.061', n)).subarray(0, 3000));
    const manifest = twoDates('cut-dates', cut);
    const failures = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('srda-lst batch: ')).sort();
    const one = batchWith('1', manifest, 'cut', ['--method', 'bicubic', '--weights', path.join(tmp, 'no-weights'), '--quiet']);
    const two = batchWith('2', manifest, 'cut', ['--method', 'bicubic', '--weights', path.join(tmp, 'no-weights'), '--quiet']);
    for (const r of [one, two]) {
      expect(r.stderr).not.toMatch(/internal error|\n\s+at |weights/);
      expect(failures(r.stderr)).toHaveLength(2);
      for (const l of failures(r.stderr)) expect(l).toMatch(/^srda-lst batch: 2024-04-(06|14): CORRUPT_TIFF: \S*cut-lst\/MOD11A2\.061_LST_Day_1km_doy2024(097|105)\S*\.tif is truncated/);
      expect(JSON.parse(r.stdout)).toMatchObject({ items: 2, processed: 0, failed: 2, finished: 0 });
      expect(r.status).toBe(1);
      expect(readFileSync(path.join(r.dir, 'summary.csv'), 'utf8')).toBe('index,id,date,tile,method,valid_fraction,energy_max_abs_k,seconds\n');
    }
    expect(failures(two.stderr)).toEqual(failures(one.stderr));
  }, 120_000);
});

describe.skipIf(!existsSync(DHAKA) || !hasGdal())('srda-lst batch on the Dhaka folder', () => {
  const printed = capturePrinted();

  it('downscales every LST date, each output valid for GDAL, with a summary row per date, and a rerun skips them all', async () => {
    const dir = path.join(tmp, 'all');
    expect(await main(['batch', DHAKA, '--out', dir, '--method', 'bicubic', '--jobs', '1'])).toBe(0);
    const lstDates = readdirSync(path.join(DHAKA, 'MOD11A2.061')).filter((n) => n.includes('LST_Day')).length;
    expect(lstDates).toBe(10);
    const csv = readFileSync(path.join(dir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'index,id,date,tile,method,valid_fraction,energy_max_abs_k,seconds,closed_loop_rmse_bicubic_k',
    );
    expect(csv).toHaveLength(1 + lstDates);
    for (const line of csv.slice(1)) {
      const [, id, date, , method, valid, energy, , rmse] = line.split(',');
      expect(id).toBe(date);
      expect(method).toBe('bicubic');
      expect(Number(valid)).toBeGreaterThan(0);
      expect(Number(energy)).toBeLessThan(1e-3);
      expect(Number(rmse)).toBeGreaterThan(0.05);
      expect(Number(rmse)).toBeLessThan(2);
      // Each date's 250 m output read by GDAL: NDVI lattice (193 px at 0.00208 deg), WGS 84, float32, K.
      const g = gdalinfo(path.join(dir, id, 'lst_stage2.tif'));
      expect(g.size).toEqual([192, 192]);
      expect(g.geoTransform[1]).toBeCloseTo(0.0020833, 6);
      expect(g.coordinateSystem.wkt).toMatch(/WGS 84/);
      expect(g.bands[0].type).toBe('Float32');
      expect(g.bands[0].noDataValue).toBe(-9999);
      const st = g.bands[0].metadata[''];
      expect(Number(st.STATISTICS_MINIMUM)).toBeGreaterThan(270);
      expect(Number(st.STATISTICS_MAXIMUM)).toBeLessThan(340);
      expect(Number(st.STATISTICS_VALID_PERCENT)).toBeCloseTo(Number(valid) * 100, -1);
    }
    const mtime = statSync(path.join(dir, '2024-04-06', 'lst_stage2.tif')).mtimeMs;
    expect(await main(['batch', DHAKA, '--out', dir, '--method', 'bicubic', '--jobs', '1'])).toBe(0);
    expect(printed.err).toMatch(/10 finished item\(s\) skipped/);
    expect(statSync(path.join(dir, '2024-04-06', 'lst_stage2.tif')).mtimeMs).toBe(mtime);
    expect(JSON.parse(printed.out.trim().split('\n').pop()!)).toMatchObject({
      items: 10,
      processed: 0,
      finished: 10,
    });
  }, 300_000);

  it('runs the items as parallel processes by JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX, survives a killed item and matches a one-process run', async () => {
    const manifest = path.join(tmp, 'manifest.txt');
    const files = readdirSync(path.join(DHAKA, 'MOD11A2.061'))
      .filter((n) => /doy2024(097|105|113|121)/.test(n))
      .map((n) => path.join(DHAKA, 'MOD11A2.061', n));
    writeFileSync(
      manifest,
      ['# four dates of Dhaka', ...files, path.join(DHAKA, 'MOD13Q1.061')].join('\n') + '\n',
    );
    const list = execFileSync(process.execPath, [BIN, 'batch', manifest, '--list'])
      .toString()
      .trim()
      .split('\n');
    expect(list.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual([
      '0 2024-04-06',
      '1 2024-04-14',
      '2 2024-04-22',
      '3 2024-04-30',
    ]);
    const args = [
      'batch',
      manifest,
      '--out',
      path.join(tmp, 'indexed'),
      '--method',
      'bicubic',
      '--closed-loop',
      'bicubic,dms',
    ];
    const start = (i: number): ChildProcess =>
      spawn(process.execPath, [BIN, ...args], {
        env: {
          ...env,
          ...(i === 3 ? { AWS_BATCH_JOB_ARRAY_INDEX: String(i) } : { JOB_COMPLETION_INDEX: String(i) }),
        },
        stdio: 'ignore',
      });
    const exit = (c: ChildProcess): Promise<number | null> =>
      new Promise((r) => c.on('close', (code) => r(code)));

    // First round: item 2 is killed while it runs (its partial folder exists).
    const round1 = [0, 1, 2, 3].map(start);
    const outDir = path.join(tmp, 'indexed');
    for (let t = 0; t < 3000; t++) {
      if (existsSync(outDir) && readdirSync(outDir).some((n) => n.startsWith('.2024-04-22.partial-'))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    round1[2].kill('SIGKILL');
    const codes1 = await Promise.all(round1.map(exit));
    expect(codes1[2]).toBeNull();
    expect([codes1[0], codes1[1], codes1[3]]).toEqual([0, 0, 0]);
    expect(existsSync(path.join(outDir, '2024-04-22'))).toBe(false);
    expect(readdirSync(outDir).some((n) => n.startsWith('.2024-04-22.partial-'))).toBe(true);

    // Second round: finished items are no-ops, the killed one is redone and its partial folder cleared.
    const before = statSync(path.join(outDir, '2024-04-06', 'report.json')).mtimeMs;
    expect(await Promise.all([0, 1, 2, 3].map(start).map(exit))).toEqual([0, 0, 0, 0]);
    expect(statSync(path.join(outDir, '2024-04-06', 'report.json')).mtimeMs).toBe(before);
    expect(readdirSync(outDir).filter((n) => n.startsWith('.'))).toEqual([]);

    const single = path.join(tmp, 'single');
    execFileSync(process.execPath, [
      BIN,
      'batch',
      manifest,
      '--out',
      single,
      '--method',
      'bicubic',
      '--closed-loop',
      'bicubic,dms',
      '--jobs',
      '1',
      '--quiet',
    ]);
    sameOutputs(single, outDir);
    for (const d of ['2024-04-06', '2024-04-14', '2024-04-22', '2024-04-30'])
      for (const f of ['lst_stage1.tif', 'lst_stage2.tif'])
        expect(gdalinfo(path.join(outDir, d, f)).bands[0].type).toBe('Float32');
    const summary = readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary[0]).toMatch(/closed_loop_rmse_bicubic_k,closed_loop_rmse_dms_k$/);
    expect(summary).toHaveLength(5);
  }, 600_000);

  it("with SRDA-Net keeps the share of its detail each date's closed loop supports, and says so in report.json", async () => {
    const { report } = await batchReport(DHAKA, 'srda', ['--method', 'srda', '--backend', 'wasm', '--jobs', '1', '--index', '1'], '2024-04-06', printed);
    const w = report.detailWeight;
    expect(w.alpha).toBeGreaterThanOrEqual(0);
    expect(w.alpha).toBeLessThanOrEqual(1);
    expect(w.blendedRmseK).toBeLessThanOrEqual(Math.min(w.srdaRmseK, w.bicubicRmseK) + 1e-6);
    expect(w.message).toMatch(/^On MOD11A2\.061_LST_Day_1km_doy2024097.*SRDA-Net alone is/);
    // The method to use on this date by the app's rule (core/recommend.ts), judged on the weighted output it writes.
    expect(report.closedLoopCheck).toMatchObject({ pixels: 2304, recommendedMethod: 'srda', detailWeight: w.alpha, weightedRmseK: w.blendedRmseK });
    expect(report.closedLoopCheck.message).toBe(w.message);
  }, 300_000);

  // Before, batch scored SRDA-Net alone while it wrote the weighted output: bicubic on both dates, downscale SRDA-Net.
  it.skipIf(!existsSync(DHAKA))("gives each date downscale's closed-loop verdict on the weighted output it writes (Dhaka 2024-03-29, 2024-06-01)", async () => {
    const dir = path.join(tmp, 'verdict-as-downscale');
    const manifest = path.join(tmp, 'verdict-dates.txt');
    const modis = (doy: string) => ['LST_Day_1km', 'QC_Day'].map((p) => path.join(DHAKA, 'MOD11A2.061', `MOD11A2.061_${p}_doy2024${doy}000000_aid0001.tif`));
    writeFileSync(manifest, [...modis('089'), ...modis('153'), path.join(DHAKA, 'MOD13Q1.061')].join('\n') + '\n');
    expect(await main(['batch', manifest, '--out', dir, '--backend', 'wasm', '--orientations', '1', '--jobs', '1', '--quiet']), printed.err).toBe(0);
    for (const date of ['2024-03-29', '2024-06-01']) {
      const report = JSON.parse(readFileSync(path.join(dir, date, 'report.json'), 'utf8'));
      const file = (name: string) => report.inputs.map((i: { file: string }) => i.file).find((f: string) => f.includes(name));
      const at = (f: string) => path.join(DHAKA, f.startsWith('MOD13Q1') ? 'MOD13Q1.061' : 'MOD11A2.061', f);
      const out = path.join(tmp, `verdict-downscale-${date}`);
      expect(await main(['downscale', '--lst', at(file('LST_Day')), '--qc', at(file('QC_Day')), '--ndvi', at(file('NDVI')), '--backend', 'wasm', '--orientations', '1', '--out', out, '--quiet']), printed.err).toBe(0);
      const single = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).closedLoopCheck;
      // In one pass (--orientations 1, both runs) the weighted output is below bicubic there and SRDA-Net alone above it;
      // with 2 orientations SRDA-Net alone is no longer worse (srdaWorse false), so this case pins one pass.
      expect(single).toMatchObject({ recommendedMethod: 'srda', srdaWorse: true });
      expect(single.detailWeight).toBe(report.detailWeight.alpha);
      expect(report.closedLoopCheck).toEqual(single);
    }
  }, 300_000);

  it('scores SRDA-Net in the closed loop of a bicubic run (--closed-loop bicubic,srda) with the shipped weights', async () => {
    const { report } = await batchReport(DHAKA, 'bicubic-loop-srda', ['--method', 'bicubic', '--closed-loop', 'bicubic,srda', '--jobs', '1', '--index', '1', '--quiet'], '2024-04-06', printed);
    expect(report.method).toBe('bicubic');
    expect(report.closedLoop.map((m: { method: string }) => m.method)).toEqual(['bicubic', 'srda']);
    for (const m of report.closedLoop) expect(m.rmseK).toBeGreaterThan(0.05);
    expect(report.closedLoop[1].rmseK).not.toBe(report.closedLoop[0].rmseK);
    // Recommended by the closed loop it scored, whatever method ran: SRDA-Net 2.5 % below bicubic.
    expect(report.closedLoopCheck.recommendedMethod).toBe('srda');
  }, 300_000);

  // Before, an SRDA-Net date's verdict judged its output against bicubic only, whatever else the loop scored.
  it('judges an SRDA-Net date among every method --closed-loop scored, by the one rule', async () => {
    const { report } = await batchReport(DHAKA, 'srda-loop-all', ['--method', 'srda', '--closed-loop', 'srda,bicubic,tsharp,dms', '--backend', 'wasm', '--jobs', '1', '--index', '1', '--quiet'], '2024-04-06', printed);
    expect(report.closedLoop.map((m: { method: string }) => m.method)).toEqual(['srda', 'bicubic', 'tsharp', 'dms']);
    const check = report.closedLoopCheck;
    const scores = [
      { method: 'srda', rmseK: check.weightedRmseK, pixels: check.pixels },
      ...report.closedLoop.filter((m: { method: string }) => m.method !== 'srda').map((m: { method: string; rmseK: number }) => ({ method: m.method, rmseK: m.rmseK, pixels: check.pixels })),
    ];
    expect(check.recommendedMethod).toBe(recommendMethod(scores)!.recommendedMethod);
    expect(check.bicubicRmseK).toBeCloseTo(report.closedLoop[1].rmseK, 6);
  }, 300_000);

  it('says in report.json that --orientations 8 has no effect with a method other than SRDA-Net', async () => {
    const { report } = await batchReport(DHAKA, 'bicubic-orient', ['--method', 'bicubic', '--orientations', '8', '--jobs', '1', '--index', '1', '--quiet'], '2024-04-06', printed);
    expect(report.method).toBe('bicubic');
    expect(report.orientations).toBeUndefined();
    expect(report.notices).toContain('--orientations 8 has no effect with bicubic: only SRDA-Net averages its prediction over orientations.');
  }, 300_000);
});

const GEZIRA = path.resolve(repo, '../shared/data/landsat8_gezira_sudan_pysebal');
describe.skipIf(!existsSync(GEZIRA) || !hasGdal())('srda-lst batch on a Landsat folder (Gezira 2014-03-10: LST, reflectance and BQA on one 30 m grid)', () => {
  const printed = capturePrinted();
  it('with --reference-factor 4 downscales the LST averaged to 120 m back onto the 30 m guides, masking by the BQA; before, the option was refused and the folder could not run', async () => {
    await expect(main(['batch', GEZIRA, '--out', path.join(tmp, 'gezira'), '--method', 'bicubic', '--jobs', '1', '--quiet'])).resolves.toBe(1);
    expect(printed.err).toMatch(/2014-03-10: NOT_COARSER: .*_B10\.TIF .* is not coarser than/);
    const { dir, report } = await batchReport(GEZIRA, 'gezira', ['--method', 'bicubic', '--jobs', '1', '--quiet', '--reference-factor', '4', '--force'], '2014-03-10', printed);
    expect(report.cloudMask).toMatch(/_BQA\.TIF$/);
    expect(report.cloudMaskedShare).toBeGreaterThan(0);
    expect(report.notices).toContain(
      'Reference factor 4: the LST was block-averaged by 4 (to 120 m) and downscaled back to 30 m. With inputs already on one grid this shows how well each method recovers the LST; it adds no detail finer than the input LST.',
    );
    // The 30 m output on the guides' UTM grid, cut to whole 4 x 4 blocks (198 -> 196 columns), read by GDAL.
    const g = gdalinfo(path.join(dir, '2014-03-10', 'lst_stage2.tif'));
    expect(g.size).toEqual([196, 188]);
    expect(g.geoTransform.slice(0, 4)).toEqual([494790, 30, 0, 1693080]);
    expect(g.coordinateSystem.wkt).toMatch(/UTM zone 36N/);
    const st = g.bands[0].metadata[''];
    expect(Number(st.STATISTICS_MINIMUM)).toBeGreaterThan(290);
    expect(Number(st.STATISTICS_MAXIMUM)).toBeLessThan(315);
  }, 120_000);
});

const CHIAPAS = path.resolve(repo, '../shared/data/landsat7_chiapas_opengeotutorial');
describe.skipIf(!existsSync(CHIAPAS))("srda-lst batch told a band's role by its manifest (Chiapas: Landsat 7 stacks whose band 8 is Fmask)", () => {
  const printed = capturePrinted();
  it('masks the Fmask clouds and shadows of 2002-04-16 for --cloud-mask STACK:8 in the manifest as downscale --cloud-mask STACK:8 does: same masked share, same GeoTIFFs; before, batch could not take band 8 as a cloud mask', async () => {
    const [s1999, s2002] = ['LE70220491999322EDC01_stack.gtif', 'LE70220492002106EDC00_stack.gtif'].map((n) => path.join(CHIAPAS, n));
    const manifest = path.join(tmp, 'chiapas-roles.txt');
    writeFileSync(manifest, [s1999, `--cloud-mask ${s1999}:8`, `--cloud-mask ${s2002}:8`].join('\n') + '\n');
    const args = ['--method', 'bicubic', '--reference-factor', '4', '--index', '1', '--jobs', '1', '--quiet'];
    const plain = (await batchReport(CHIAPAS, 'chiapas-plain', args, '2002-04-16', printed)).report;
    const { dir, report } = await batchReport(manifest, 'chiapas-roles', args, '2002-04-16', printed);
    const out = path.join(tmp, 'chiapas-downscale');
    expect(await main(['downscale', '--lst', `${s2002}:7`, '--red', `${s2002}:3`, '--nir', `${s2002}:4`, '--swir', `${s2002}:5`, '--cloud-mask', `${s2002}:8`, '--reference-factor', '4', '--method', 'bicubic', '--out', out, '-q']), printed.err).toBe(0);
    const downscaled = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(plain).toMatchObject({ cloudMask: null, inputs: [{ file: 'LE70220492002106EDC00_stack.gtif' }] });
    expect(plain.cloudMaskedShare).toBeUndefined();
    expect(report).toMatchObject({
      cloudMask: 'LE70220492002106EDC00_stack.gtif [band 8: Band 8]',
      inputs: [{ file: 'LE70220492002106EDC00_stack.gtif', roles: [{ role: 'cloud-mask', band: '8' }] }],
    });
    // README: Fmask 20 % cloud + 7 % shadow; downscale's count of the same band.
    expect(report.cloudMaskedShare).toBeCloseTo(0.27, 2);
    expect(report.cloudMaskedShare).toBe(downscaled.cloudMaskedShare);
    expect(report.summary.validFraction / plain.summary.validFraction).toBeCloseTo(1 - report.cloudMaskedShare, 2);
    expect(report.notices).toContain('The cloud mask LE70220492002106EDC00_stack.gtif [band 8: Band 8] masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).');
    for (const f of ['lst_stage1.tif', 'lst_stage2.tif']) expect(readFileSync(path.join(dir, '2002-04-16', f)).equals(readFileSync(path.join(out, f))), f).toBe(true);
  }, 120_000);

  it("applies an undated cloud mask (band 8 of the 2002 stack written to fmask.tif, no date in its name or metadata) to the dated LST, as the app and downscale --cloud-mask do: the masked share of downscale --cloud-mask STACK:8; before, no item read it", async () => {
    const s2002 = path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif');
    const fmask = path.join(tmp, 'fmask.tif');
    writeFileSync(fmask, writeGeoTiff([{ raster: (await loadFileDatasets(s2002))[0].bands[7].raster }]));
    const manifest = path.join(tmp, 'chiapas-undated.txt');
    writeFileSync(manifest, `${s2002}\n--cloud-mask ${fmask}\n`);
    const { dir, report } = await batchReport(manifest, 'chiapas-undated', ['--method', 'bicubic', '--reference-factor', '4', '--jobs', '1', '--quiet'], '2002-04-16', printed);
    expect(report).toMatchObject({ cloudMask: 'fmask.tif', inputs: [{ file: 'LE70220492002106EDC00_stack.gtif' }, { file: 'fmask.tif', roles: [{ role: 'cloud-mask' }] }] });
    // downscale --cloud-mask STACK:8's share (the test above); its GeoTIFFs were byte-identical when this was written.
    expect(report.cloudMaskedShare).toBeCloseTo(0.2689, 4);
    expect(report.notices).toContain('The cloud mask fmask.tif masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).');
    expect(readdirSync(dir).filter((n) => !n.startsWith('.'))).toEqual(['2002-04-16', 'summary.csv']);
  }, 120_000);
});

const PAIRS = path.resolve(repo, '../shared/data/modis-aster-h18v04-sifcnnsr');
describe.skipIf(!existsSync(PAIRS) || !hasGdal())('srda-lst batch on the MODIS-ASTER pairs (a folder per pair: MODIS 1 km LST, ASTER 232 m LST, 250 m NDVI, all undated)', () => {
  const printed = capturePrinted();
  it('runs a pair as its own item, downscaling the MODIS LST (the coarsest) and not the ASTER LST; before, every pair was one item that took an ASTER LST and failed NOT_COARSER', async () => {
    const { dir, report } = await batchReport(PAIRS, 'pairs', ['--method', 'bicubic', '--jobs', '1', '--index', '0'], '0', printed);
    expect(report.lst).toBe('MOD21A1D_LST_1km.tif');
    expect(report.aux).toEqual({ ndvi: 'MOD09GQ_NDVI_250m.tif' });
    // No way offered to downscale the ASTER LST instead: it is on the NDVI's pixel size, nothing finer to go to (before:
    // 'To use ASTER_LST_250m.tif instead, move MOD21A1D_LST_1km.tif out of ...', a run that then stopped NOT_COARSER).
    expect(report.notices).toContain(
      'Several LST layers for undated: using MOD21A1D_LST_1km.tif, the coarsest (about 927 m; ASTER_LST_250m.tif: 232 m). ASTER_LST_250m.tif is not downscaled: it is the independent truth each output is scored against.',
    );
    // The 250 m output on the NDVI's sinusoidal lattice, read by GDAL.
    const g = gdalinfo(path.join(dir, '0', 'lst_stage2.tif'));
    expect(g.geoTransform[1]).toBeCloseTo(231.656, 2);
    expect(g.coordinateSystem.wkt).toMatch(/Sinusoidal/i);
    expect(printed.err).not.toMatch(/FAILED/);
  }, 120_000);

  it("scores the pair's outputs and bicubic's against its ASTER LST (report.json independentLst, summary.csv), as `evaluate --truth` does", async () => {
    const { dir, report } = await batchReport(PAIRS, 'pairs-truth', ['--method', 'tsharp', '--jobs', '1', '--index', '0'], '0', printed);
    const t = report.independentLst;
    expect(t.name).toBe('ASTER_LST_250m.tif');
    expect(t.rows.map((r: { method: string; stage: number; how: string }) => `${r.method} ${r.stage} ${r.how}`)).toEqual(['tsharp 1 block-averaged', 'bicubic 1 block-averaged', 'tsharp 2 resampled', 'bicubic 2 resampled']);
    expect(t.message).toMatch(/^At 232 m, TsHARP's detail within each input pixel is \d+ % (closer to|farther from) ASTER_LST_250m\.tif's than bicubic's/);
    const csv = readFileSync(path.join(dir, 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => Number(csv[1][csv[0].indexOf(name)]);
    const final = (m: string) => t.rows.find((r: { method: string; stage: number }) => r.method === m && r.stage === 2);
    expect(col('independent_detail_rmse_tsharp_k')).toBeCloseTo(final('tsharp').detailRmseK, 4);
    expect(col('independent_detail_corr_bicubic')).toBeCloseTo(final('bicubic').detailCorr, 4);
    // The last line counts it; stderr says it in words.
    const last = JSON.parse(printed.out.trim().split('\n').pop()!);
    const closer = final('tsharp').detailRmseK < final('bicubic').detailRmseK ? 1 : 0;
    const change = Number(((100 * (final('tsharp').detailRmseK - final('bicubic').detailRmseK)) / final('bicubic').detailRmseK).toFixed(1));
    expect(last.independentLst).toEqual({ items: 1, method: 'tsharp', closerThanBicubic: closer, medianDetailRmseChangePct: change });
    expect(printed.err).toContain(`Against the independent finer LSTs of 1 item: TsHARP's finest detail is closer than bicubic's on ${closer} (median detail RMSE ${change > 0 ? '+' : ''}${change} %; summary.csv has each).`);
    // The same files scored by evaluate --truth (its outputs in memory, batch's read back from the written GeoTIFFs).
    printed.out = '';
    const pair = (f: string) => path.join(PAIRS, '0', f);
    expect(await main(['evaluate', '--lst', pair('MOD21A1D_LST_1km.tif'), '--ndvi', pair('MOD09GQ_NDVI_250m.tif'), '--truth', pair('ASTER_LST_250m.tif'), '--methods', 'tsharp,bicubic', '--json', '-q'])).toBe(0);
    const ev = JSON.parse(printed.out).truth;
    for (const m of ev.methods) {
      expect(final(m.method).n, m.method).toBe(m.scores.n);
      expect(final(m.method).rmseK, m.method).toBeCloseTo(m.scores.rmseK, 3);
      expect(final(m.method).detailRmseK, m.method).toBeCloseTo(m.detail.detailRmseK, 3);
    }
    // Every stage, as batch scores it (before, evaluate scored the last stage only).
    expect(ev.rows.map((r: { method: string; stage: number; truthOnOutput: string }) => `${r.method} ${r.stage} ${r.truthOnOutput}`)).toEqual(t.rows.map((r: { method: string; stage: number; how: string }) => `${r.method} ${r.stage} ${r.how}`));
    for (const r of ev.rows) {
      const b = t.rows.find((x: { method: string; stage: number }) => x.method === r.method && x.stage === r.stage);
      expect([b.n, b.detailPixels], `${r.method} ${r.stage}`).toEqual([r.scores.n, r.detail.detailPixels]);
      expect(b.rmseK, `${r.method} ${r.stage}`).toBeCloseTo(r.scores.rmseK, 3);
      expect(b.detailRmseK, `${r.method} ${r.stage}`).toBeCloseTo(r.detail.detailRmseK, 3);
    }
  }, 120_000);
});

const ECOSTRESS = path.resolve(repo, '../shared/data/ecostress-l2lste-losangeles-2023-workshop');
describe.skipIf(!existsSync(ECOSTRESS) || !hasGdal())('srda-lst batch on the ECOSTRESS folder (LST, QC, cloud and water mask of each date)', () => {
  const printed = capturePrinted();
  it("applies each date's QC, cloud mask and water mask, as the app does when they are dropped, and names them in report.json with their masked shares", async () => {
    const date = 'doy2023209214058';
    const [qc, mask, water] = ['QC', 'cloud_mask', 'water_mask'].map((l) => `ECO_L2_LSTE.002_${l}_${date}_aid0001.tif`);
    const { report } = await batchReport(ECOSTRESS, 'ecostress', ['--method', 'bicubic', '--stages', '1', '--index', '0', '--jobs', '1', '--quiet'], '2023-07-28', printed);
    // GDAL's count: LST valid where not 0 (its nodata); masked where a mask is neither 0 nor its nodata 255 (the
    // water mask where the cloud mask left the LST); the QC marks none of this date bad (io/ecostress-qc.ts).
    const [valid, masked, wet] = execFileSync(
      '/usr/bin/python3',
      ['-c', `from osgeo import gdal\nl = gdal.Open(${JSON.stringify(path.join(ECOSTRESS, `ECO_L2_LSTE.002_LST_${date}_aid0001.tif`))})\nm = gdal.Open(${JSON.stringify(path.join(ECOSTRESS, mask))})\nw = gdal.Open(${JSON.stringify(path.join(ECOSTRESS, water))})\na = l.ReadAsArray() != 0\nb = m.ReadAsArray()\nc = w.ReadAsArray()\nclouds = a & (b != 0) & (b != 255)\nprint(int(a.sum()), int(clouds.sum()), int((a & ~clouds & (c != 0) & (c != 255)).sum()))`],
      { env },
    )
      .toString()
      .trim()
      .split(' ')
      .map(Number);
    expect(masked).toBeGreaterThan(0);
    // Before: the QC and the water mask were not among the item's files (qc: null, no water mask).
    expect(report).toMatchObject({ qc, cloudMask: mask, waterMask: water, qcMaskedShare: 0 });
    expect(report.cloudMaskedShare).toBeGreaterThan(0);
    expect(report.cloudMaskedShare).toBeCloseTo(masked / valid, 9);
    expect(report.waterMaskedShare).toBeCloseTo(wet / (valid - masked), 4);
    // One note per mask, naming its file.
    const counts = report.notices.filter((n: string) => n.includes('valid LST pixels'));
    expect(counts).toEqual([
      `The QC ${qc} masks none of the ${valid} valid LST pixels (cloud or poor quality).`,
      expect.stringMatching(new RegExp(`^The cloud mask ${mask} masks ${maskedShareWords(masked, valid)} \\(`)),
      `The water mask ${water} masks ${maskedShareWords(wet, valid - masked)} (every pixel where it is not 0: water, as Fmask water is masked).`,
    ]);
  }, 120_000);

  it("prints each date's scene notes once on stderr, prefixed with the date, as soon as its scene is prepared, with --jobs 1 and with --jobs 2", async () => {
    // Before, batch printed none of them (they were in each report.json alone); then, with --jobs 2,
    // only once the date had finished (read back from its report.json).
    for (const jobs of ['1', '2']) {
      const dir = path.join(tmp, `ecostress-notices-${jobs}`);
      printed.err = '';
      // A date's notice printed once its report.json is in place came at the end of its run, not when its scene was prepared.
      const late: string[] = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
        for (const line of String(s).split('\n')) {
          const date = /^notice: (\d{4}-\d{2}-\d{2}): /.exec(line)?.[1];
          if (date && existsSync(path.join(dir, date, 'report.json'))) late.push(line);
        }
        printed.err += String(s);
        return true;
      });
      expect(await main(['batch', ECOSTRESS, '--out', dir, '--method', 'bicubic', '--stages', '1', '--jobs', jobs])).toBe(0);
      expect(late, `--jobs ${jobs}`).toEqual([]);
      const notices = printed.err.split('\n').filter((l) => l.startsWith('notice: '));
      let count = 0;
      for (const date of ['2023-07-28', '2023-08-05']) {
        const report = JSON.parse(readFileSync(path.join(dir, date, 'report.json'), 'utf8')) as { notices: string[] };
        expect(report.notices.filter((n) => n.startsWith('The cloud mask ') && n.includes(' valid LST pixels'))).toHaveLength(1);
        for (const n of report.notices) expect(notices.filter((l) => l === `notice: ${date}: ${n}`), `${jobs} ${date} ${n}`).toHaveLength(1);
        count += report.notices.length;
      }
      expect(notices).toHaveLength(count);
    }
  }, 240_000);
});

describe('independentTally', () => {
  const row = (method: string, own?: number, bic?: number) => ({
    index: 0, id: 'x', date: '', tile: '', method, validFraction: 1, energyMaxAbsK: 0, seconds: 0, rmse: {},
    ...(own !== undefined ? { independent: { [method]: { offsetFreeRmseK: 1, detailRmseK: own, detailCorr: 0.5 }, ...(bic !== undefined ? { bicubic: { offsetFreeRmseK: 1, detailRmseK: bic, detailCorr: 0.4 } } : {}) } } : {}),
  });
  it("counts the items whose method's detail is closer to the independent LST than bicubic's, with the median change", () => {
    expect(independentTally([row('srda', 0.9, 1), row('srda', 1.1, 1), row('srda', 0.8, 1), row('srda')])).toEqual({ items: 3, method: 'srda', closerThanBicubic: 2, medianDetailRmseChangePct: -10 });
    expect(independentTally([row('srda', 0.9, 1), row('srda', 0.7, 1)])!.medianDetailRmseChangePct).toBe(-20);
    // Bicubic against itself, or no independent LST: nothing to count.
    expect(independentTally([row('bicubic', 1, 1), row('srda')])).toBeUndefined();
  });
  it("counts the items whose finest output, finer than the LST, was scored at the LST's resolution", () => {
    const atLst = (r: ReturnType<typeof row>) => ({ ...r, independent: { srda: { offsetFreeRmseK: 1, detailRmseK: 0.9, detailCorr: 0.5, scoredPixelSizeM: 120 }, bicubic: { offsetFreeRmseK: 1, detailRmseK: 1, detailCorr: 0.4 } } });
    expect(independentTally([atLst(row('srda', 0.9, 1)), row('srda', 1.1, 1)])).toMatchObject({ items: 2, atLstResolution: 1 });
    expect(independentTally([row('srda', 0.9, 1)])).not.toHaveProperty('atLstResolution');
  });
});
