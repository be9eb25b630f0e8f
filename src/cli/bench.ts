import { collectGarbage } from './collect-garbage.ts';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ORIENTATIONS } from '../core/raster/orient.ts';
import { AppError } from '../core/errors.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaWeightsSource } from '../model/weights.ts';
import type { MethodId, StageMethod } from '../pipeline/method.ts';
import { makeBenchScene } from '../../bench/fixtures.ts';
import { benchPipeline } from '../../bench/pipeline-run.ts';
import { resultsMarkdown, type BenchResults, type FullTileRow, type TileRow } from '../../bench/report.ts';
import { loadBenchSrda, tfMemory } from '../../bench/srda-stage.ts';
import { benchTiles } from '../../bench/tf-kernels.ts';
import { benchHdf4Read } from './bench-io.ts';
import { runPydms } from './bench-pydms.ts';
import { defaultJobs } from './downscale.ts';
import { intOption, parseCli } from './inputs.ts';
import { readFileArrayBuffer, readGeoTiffFile } from './load.ts';
import { prepareSceneAsync } from '../pipeline/prepare.ts';
import { holdReadWorkers, packOnReadWorkers, prestartReadWorkers } from './read-workers.ts';
import { writeGeoTiffFile } from './native-deflate.ts';
import { openOutDir } from './out-dir.ts';
import { stageWriter } from './stage-files.ts';
import { createSrdaPool, type SrdaWeightBytes } from './srda-pool.ts';
import type { Command } from './main.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const BASELINES: MethodId[] = ['bicubic', 'tsharp', 'dms'];

const HELP = `Usage: srda-lst bench [--quick] [--no-browser] [--no-node] [--backends wasm,cpu,...] [--out DIR]

Measures SRDA-Net per 256x256 coarse tile, as the product runs it by default (one network pass
per tile), on every tfjs backend (with an equal-FLOP plain conv2d
stack as the backend's ceiling) and the whole pipeline on a full MODIS tile (1200x1200 1 km LST
-> 4800x4800 at 250 m, synthetic NDVI and DEM), in Node (CLI, wasm) and in headless Chromium on a
bench page built from the same code. Writes DIR/results.json and DIR/results.md (DIR = bench/).
  --quick               CI mode: 240x240 LST scene, 128 px tiles, one repetition (about a minute)
  --scene N             LST side of the pipeline scene, px (default 1200; quick 240)
  --tile N              coarse tile side of the tile benchmark (default 256; quick 128)
  --reps N              repetitions per timing (median; default 3; quick 1)
  --backends LIST       tile-benchmark backends (default: node wasm,cpu; browser webgpu,webgl,wasm,cpu)
  --no-baselines        skip bicubic/TsHARP/DMS on the pipeline scene
  --jobs N              SRDA-Net inference workers in the Node pipeline (default: the number of cores)
  --full-detail         Node pipeline: SRDA-Net without the closed-loop detail weight (default: fitted
                        first and mixed in, as downscale does; compare the two runs for its cost)
  --no-browser / --no-node   skip one side
  --pydms DIR           also time pyDMS (a checkout of github.com/radosuav/pyDMS, not bundled) on the same
                        full-tile scene with /usr/bin/python3, and record its time and memory ratio
  --out DIR             where results.json and results.md go (default bench/)`;

const OPTIONS = {
  quick: { type: 'boolean' },
  scene: { type: 'string' },
  tile: { type: 'string' },
  reps: { type: 'string' },
  backends: { type: 'string' },
  'no-baselines': { type: 'boolean' },
  'full-detail': { type: 'boolean' },
  'no-browser': { type: 'boolean' },
  'no-node': { type: 'boolean' },
  jobs: { type: 'string' },
  out: { type: 'string' },
  pydms: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'internal-scene': { type: 'string' },
  'internal-full-tile': { type: 'string' },
} as const;

/** SRDA-Net on a pool of `jobs` worker threads (what `downscale --jobs` uses), as a bench method. */
async function poolBenchSrda(
  weights: SrdaWeightBytes,
  jobs: number,
): Promise<{
  method: StageMethod;
  source: 'registry';
  trainedWeights: boolean;
  dispose: () => Promise<void>;
  retire?: () => void;
}> {
  const pool = await createSrdaPool(weights, { jobs, backend: 'wasm', orientations: DEFAULT_ORIENTATIONS });
  return { method: pool, source: 'registry', trainedWeights: true, dispose: () => pool.close(), retire: () => pool.retire() };
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** Reads models/srda-net (model.json + shards) when trained weights are shipped. */
export async function readShippedWeights(): Promise<SrdaWeightsSource | undefined> {
  const file = path.join(repoRoot, 'models/srda-net/model.json');
  if (!existsSync(file)) return undefined;
  const modelJson = await readFile(file, 'utf8');
  const paths = (JSON.parse(modelJson) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap(
    (g) => g.paths,
  );
  const parts = await Promise.all(paths.map((p) => readFile(path.join(path.dirname(file), p))));
  const all = Buffer.concat(parts);
  return {
    modelJson,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

/** Folder of the cached benchmark scene of `size` LST pixels (generated in a child process once). */
async function ensureScene(size: number): Promise<string> {
  const dir = path.join(os.tmpdir(), 'srda-lst-bench', `scene-${size}-20261124`);
  if (existsSync(path.join(dir, 'done.json'))) return dir;
  log(`generating the ${size}x${size} synthetic scene (once, cached in ${dir}) ...`);
  await runChild(['--internal-scene', dir, '--scene', String(size)]);
  return dir;
}

function runChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), 'bench', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new AppError('INTERNAL', `bench child ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function lastJson<T>(out: string): T {
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

/** Child: the full-tile pipeline alone in a fresh process, so max RSS is the pipeline's peak. */
async function fullTileChild(sceneDir: string, baselines: boolean, jobs: number, detailWeight: boolean): Promise<FullTileRow> {
  // As `downscale`: the read workers start with the command, beside the inference workers (untimed here, as theirs).
  prestartReadWorkers();
  // As `downscale`: held from the reads through the preparation, which packs a layer on one.
  const releaseReadWorkers = holdReadWorkers();
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'srda-bench-out-'));
  const out = await openOutDir(outDir);
  try {
    const weights = await readShippedWeights();
    const srda =
      jobs > 1 && weights && typeof weights === 'object' && 'weightData' in weights
        ? await poolBenchSrda(weights as SrdaWeightBytes, jobs)
        : await loadBenchSrda({ backend: 'wasm', weights });
    let tfPeak = 0;
    let peakMemoryMB = 0;
    const timing = await benchPipeline({
      io: {
        readFile: async (name) => readFileArrayBuffer(path.join(sceneDir, name)),
        // As `downscale` reads a GeoTIFF (cli/load.ts): piece by piece through a file handle, never whole.
        readGeoTiff: async (name) => readGeoTiffFile(path.join(sceneDir, name), name),
        writeFile: async (name, pieces) => void (await out.write(name, pieces)),
        // What `downscale` writes through: temp file, tiles streamed as node:zlib compresses them, rename.
        writeGeoTiff: async (name, bands, o) => void (await out.write(name, (fh) => writeGeoTiffFile(fh, bands, o))),
        // As `downscale`: the last stage's LST and sigma go to their files band by band during the stage.
        lastStageSink: stageWriter(out, 'srda', { cog: true }).lastStageSink,
      },
      method: srda.method,
      detailWeight,
      sampleMemoryMB: () => {
        // With worker threads tfjs lives in the workers: this thread has no backend to ask.
        if (jobs <= 1) tfPeak = Math.max(tfPeak, tfMemory().numBytes / 2 ** 20);
        return process.memoryUsage.rss() / 2 ** 20;
      },
      cpuTimeS: () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      },
      baselines: baselines ? BASELINES : [],
      // `downscale` never colourises: timed apart, after the run (the app's colourise is the Chromium full tile's).
      colouriseApart: true,
      // As downscale: the inference workers end once the staged run is done (a no-op with --jobs 1).
      afterRun: jobs > 1 ? () => srda.dispose() : undefined,
      // As downscale with the detail weight: once the last stage's tiles are cut, the guides go and
      // each inference worker ends as it falls idle.
      ...(detailWeight
        ? {
            releaseAux: true,
            afterAuxReleased: collectGarbage,
            afterLastTilesAsked: (srda as { retire?: () => void }).retire,
          }
        : {}),
      afterPrepare: () => {
        releaseReadWorkers();
        collectGarbage();
      },
      // As `downscale` prepares: the layers the registration leaves in place packed on a read worker meanwhile.
      prepare: (inputs) => prepareSceneAsync(inputs, { packer: packOnReadWorkers }),
      afterMain: () => (peakMemoryMB = process.resourceUsage().maxRSS / 1024),
      onLog: log,
    });
    await srda.dispose();
    return {
      ...timing,
      env: 'node',
      backend: 'wasm',
      inferenceWorkers: jobs,
      peakMemoryMB,
      tfPeakMB: tfPeak,
      srdaSource: srda.source,
      trainedWeights: srda.trainedWeights,
    };
  } finally {
    releaseReadWorkers();
    await out.release();
    await rm(outDir, { recursive: true, force: true });
  }
}

async function nodeTiles(
  backends: BackendName[],
  tilePx: number,
  reps: number,
  quick: boolean,
  results: BenchResults,
): Promise<void> {
  const weights = await readShippedWeights();
  for (const backend of backends) {
    // cpu is ~30x slower than wasm: time it on a quarter tile and scale (noted in the row).
    const n = backend === 'cpu' ? Math.max(32, tilePx / (quick ? 4 : 2)) : tilePx;
    log(`node ${backend}: ${n}x${n} tile x ${reps}`);
    try {
      const t = await benchTiles({ backend, tilePx: n, reps: backend === 'cpu' ? 1 : reps, weights });
      results.tiles.push({ ...t, env: 'node' } as TileRow);
      if (t.leakedTensors !== 0)
        results.notes.push(`node ${backend}: ${t.leakedTensors} tensors left after the tile benchmark.`);
    } catch (e) {
      results.unavailable.push({ env: 'node', backend, reason: e instanceof Error ? e.message : String(e) });
    }
  }
}

async function browserRun(args: string[]): Promise<{
  tiles: TileRow[];
  fullTile?: FullTileRow;
  unavailable: BenchResults['unavailable'];
  chromium?: string;
  notes: string[];
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'bench/browser-run.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(lastJson(out))
        : reject(new AppError('INTERNAL', `browser benchmark exited with ${code}`)),
    );
  });
}

function uptimeText(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** `srda-lst bench`: see HELP. */
export const benchCommand: Command = async (argv) => {
  const v = parseCli(argv, OPTIONS);
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const quick = Boolean(v.quick);
  const jobs = intOption(v.jobs, 'jobs', 1) ?? defaultJobs();
  const sceneSize = intOption(v.scene, 'scene', 16) ?? (quick ? 240 : 1200);
  if (typeof v['internal-scene'] === 'string') {
    const s = makeBenchScene(sceneSize);
    await mkdir(v['internal-scene'], { recursive: true });
    for (const [name, bytes] of Object.entries(s.files))
      await writeFile(path.join(v['internal-scene'], name), bytes);
    await writeFile(
      path.join(v['internal-scene'], 'done.json'),
      JSON.stringify({ size: sceneSize, files: Object.keys(s.files) }) + '\n',
    );
    return 0;
  }
  if (typeof v['internal-full-tile'] === 'string') {
    process.stdout.write(
      JSON.stringify(await fullTileChild(v['internal-full-tile'], !v['no-baselines'], jobs, !v['full-detail'])) + '\n',
    );
    return 0;
  }
  const tilePx = intOption(v.tile, 'tile', 16) ?? (quick ? 128 : 256);
  const reps = intOption(v.reps, 'reps', 1) ?? (quick ? 1 : 3);
  const outDir = typeof v.out === 'string' ? v.out : path.join(repoRoot, 'bench');
  const wanted = typeof v.backends === 'string' ? v.backends.split(',').map((s) => s.trim()) : undefined;
  const cpus = os.cpus();
  const results: BenchResults = {
    schema: 1,
    mode: quick ? 'quick' : 'full',
    createdAt: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? '?',
      memoryGB: os.totalmem() / 2 ** 30,
      node: process.version,
      loadAverageStart: os.loadavg(),
      loadAverageEnd: [],
      uptimeStart: uptimeText(),
      uptimeEnd: '',
    },
    tiles: [],
    unavailable: [],
    targets: { overheadShareMax: 0.15, totalSMax: 20, peakMemoryMBMax: 800 },
    notes: [],
  };
  try {
    results.commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const sceneDir = await ensureScene(sceneSize);
  if (!v['no-node']) {
    const nodeBackends = (wanted ?? ['wasm', 'cpu']).filter(
      (b): b is BackendName => b === 'wasm' || b === 'cpu',
    );
    await nodeTiles(nodeBackends, tilePx, reps, quick, results);
    const io = await benchHdf4Read(path.resolve(repoRoot, '../shared/data'), Math.max(5, reps * 3));
    if (io) {
      results.hdf4Read = io;
      results.notes.push(
        `Reading: ${io.layer} from the LAADS .hdf ${io.hdf4MsPerMpx} ms/Mpx vs its Deflate GeoTIFF extract ${io.geotiffMsPerMpx} ms/Mpx (ratio ${io.ratio}; <= 1 means HDF4 is no slower).`,
      );
    }
    log(`node full pipeline on the ${sceneSize}x${sceneSize} scene (wasm) ...`);
    results.fullTile = lastJson<FullTileRow>(
      await runChild([
        '--internal-full-tile',
        sceneDir,
        '--scene',
        String(sceneSize),
        '--jobs',
        String(jobs),
        ...(v['no-baselines'] ? ['--no-baselines'] : []),
        ...(v['full-detail'] ? ['--full-detail'] : []),
      ]),
    );
  }
  if (typeof v.pydms === 'string') {
    log(`pyDMS on the ${sceneSize}x${sceneSize} scene ...`);
    const p = await runPydms(path.resolve(v.pydms), sceneDir, repoRoot, path.join(os.tmpdir(), 'srda-lst-bench', 'pydms-out'));
    const ft = results.fullTile;
    if (ft) {
      p.ratioToSrda = p.seconds / ft.totalS;
      p.memoryRatioToSrda = p.peakMemoryMB / ft.peakMemoryMB;
    }
    results.pydms = p;
  }
  if (!v['no-browser']) {
    const args = [
      '--scene-dir',
      sceneDir,
      '--tile',
      String(tilePx),
      '--reps',
      String(reps),
      ...(quick ? ['--quick'] : []),
      ...(wanted ? ['--backends', wanted.join(',')] : []),
      ...(v['no-baselines'] ? ['--no-baselines'] : []),
    ];
    try {
      const b = await browserRun(args);
      results.tiles.push(...b.tiles);
      results.unavailable.push(...b.unavailable);
      results.fullTileBrowser = b.fullTile;
      results.machine.chromium = b.chromium;
      results.notes.push(...b.notes);
    } catch (e) {
      results.unavailable.push({
        env: 'browser',
        backend: 'all',
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }
  const ft = results.fullTile;
  if (ft) {
    results.targets.met = {
      overhead: ft.overheadShare <= 0.15,
      time: ft.totalS <= results.targets.totalSMax,
      memory: ft.peakMemoryMB <= results.targets.peakMemoryMBMax,
    };
    if (!ft.trainedWeights)
      results.notes.push(
        'SRDA-Net weights were not shipped yet: He-initialised weights of the same architecture were timed (identical FLOPs).',
      );
  }
  results.notes.push(
    '`infer` is the time spent inside the stage method (for SRDA-Net: model input preparation, network, output assembly); `correct` is the rest of the staged run (tiling, residual correction, energy check).',
  );
  results.machine.loadAverageEnd = os.loadavg();
  results.machine.uptimeEnd = uptimeText();
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const md = resultsMarkdown(results);
  await writeFile(path.join(outDir, 'results.md'), md);
  if (!quick && path.resolve(outDir) === path.join(repoRoot, 'bench')) await updateReadme(md);
  process.stdout.write(md);
  return 0;
};

const README_START = '<!-- bench:start (written by npm run bench) -->';
const README_END = '<!-- bench:end -->';

/** Puts the latest full-run table into README.md between the bench markers (appends the section once). */
async function updateReadme(md: string): Promise<void> {
  const file = path.join(repoRoot, 'README.md');
  if (!existsSync(file)) return;
  const text = await readFile(file, 'utf8');
  const body = md.replace(/^# .*\n/, '').replace(/^## /gm, '### ');
  const block = `${README_START}\n${body}${README_END}`;
  const i = text.indexOf(README_START);
  const j = text.indexOf(README_END);
  const next =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + README_END.length)
      : `${text.trimEnd()}\n\n## Speed and memory\n\nMeasured by \`npm run bench\` (full mode; \`npm run bench -- --quick\` for a one-minute check). Raw numbers: bench/results.json.\n\n${block}\n`;
  await writeFile(file, next);
}
