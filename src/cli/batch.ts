import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, isAppError } from '../core/errors.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { checkMethodId } from '../pipeline/methods.ts';
import { methodName } from '../core/method-names.ts';
import { isItemDone, itemDir, runBatchItem, type BatchSettings, type SummaryRow } from './batch-item.ts';
import { planBatchSource, type BatchItem } from './batch-plan.ts';
import { listToken } from './batch-manifest.ts';
import { intOption, methodOrDefault, parseBackend, parseOrientations, parseResidualMode } from './inputs.ts';
import { terminalSafe } from './terminal.ts';
import type { Command } from './main.ts';
import { createCliMethodFactory, type CliMethodOptions } from './srda-weights.ts';

const HELP = `Usage: srda-lst batch DIR|MANIFEST --out DIR [--jobs N] [--list] [--index N] [--force] [options]

Downscales every date (and MODIS tile) found in a folder of GeoTIFF / LAADS .hdf / AppEEARS .nc
files, or in a manifest (one path per line, relative to the manifest; or a JSON array). Each item
is the LST of one date with its QC, cloud and water masks and the nearest-dated NDVI, red/NIR, SWIR,
albedo, DEM and land cover, each file's role detected from its name and metadata.
A manifest line may give a file, or one band of it, its role in downscale's words instead:
  --cloud-mask LE70220492002106EDC00_stack.gtif:8     (band 8, Fmask, is that date's cloud mask)
ROLE is one of --lst --qc --cloud-mask --water-mask --ndvi --red --nir --swir --albedo --dem
--landcover; :BAND is optional, as in downscale (1-based index, Landsat band B4, band name, or
role). In a JSON manifest: "--cloud-mask stack.gtif:8", or {"path": "stack.gtif", "role":
"cloud-mask", "band": 8}. The file's other bands keep their detected roles; the role counts for
every item that reads the file (a mask goes with the LST of its own date, one with no date in its
name or metadata with every date, as in the app); report.json inputs
lists the roles given, cloudMask and cloudMaskedShare the mask applied.
Outputs: OUT/<date>[_<tile>]/lst_stageN.tif + report.json, and OUT/summary.csv (per date: valid
fraction, closed-loop RMSE per method, energy-conservation error, seconds). An LST of the
date with finer pixels beside the one downscaled (ASTER beside MODIS) is not run: it scores the
item's outputs and bicubic's (report.json independentLst; summary.csv independent_* columns: RMSE
without the sensors' mean difference, and the detail, each pixel minus its input pixel's mean,
against the finer LST's, with its correlation; the finest scored output of each method), and the
last line's independentLst counts the items where the method's detail is closer than bicubic's. An
output finer than that LST is scored at its resolution, block-averaged onto its grid, where its
pixels are whole blocks of the output's (report.json independentLst.scoredAt); else it is not
scored and independentLst.notScored says why. With residual correction such an output averages
back to the coarser output at the LST's resolution: its rows (repeatsStage) repeat that output's
scores, scoredAt says so, and summary.csv and the last line take the coarser output.

  --out DIR             output folder (required)
  --list                print the items (index, id, files), one per line in a stable order, and stop:
                        INDEX<tab>ID<tab>FILE[@DATE][#ROLE[:BAND]]... separated by spaces, @DATE the
                        date taken of a multi-date file, #ROLE[:BAND] each role the manifest gives the
                        file (#cloud-mask:8); a file with a space, quote or backslash in its path or
                        band is one JSON string ("my scenes/stack.nc#cloud-mask:cloud flags"). A
                        --list line is a manifest line (its files and their roles; paths relative to
                        the folder it ran in; @DATE is read as the file). A QC file with no LST of
                        its date is named on stderr ('not run: ...'), as in a run
  --index N             process item N only (0-based). JOB_COMPLETION_INDEX (Kubernetes Indexed
                        Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) set it too
  --jobs N              worker processes (default: the number of cores)
  --force               redo finished items (default: finished items are skipped, so a rerun resumes)
  --method M            srda|bicubic|tsharp|dms (default srda)
  --closed-loop a,b     methods scored in the per-date closed loop (default: the method and bicubic;
                        report.json closedLoop, summary.csv)
                        report.json closedLoopCheck.recommendedMethod judges what the date writes:
                        with SRDA-Net its output as downscale judges it (as weighted, or alone with
                        --full-detail), with another method that method; either among bicubic and
                        every other method scored. The pick is the lowest loop RMSE if 1 % or more
                        below bicubic's, else bicubic; none on fewer than 64 loop pixels
  --reference-factor F  for LST and guides already on one grid (Landsat, ECOSTRESS stacks): each
                        date's LST is block-averaged by F (2, 4, 8) and downscaled back onto the guides
                        (a check of the methods against the date's own LST, not new detail)
  --stages N  --tile N  --max-date-gap DAYS  --backend B  --weights DIR  --finetune STEPS
  --residual-mode linear|radiance  --no-residual-correction  --no-cog  --quiet
  --full-detail         SRDA-Net keeps all of its detail (default: the share over bicubic that each
                        date's own closed loop supports; report.json detailWeight)
  --orientations N      SRDA-Net: 1 (default), 2 or 8 network passes per prediction, averaged: 1
                        is the input as it is (fastest); 2 adds it rotated 180 degrees and averages the
                        two predictions turned back (about 2x one pass's time); 8 runs all 8
                        orientations (mirrors, rotations, transposes; about 8x, slowest). Sigma: root
                        of the mean of sigma^2
  --no-guide-registration  keep NDVI/red/NIR/SWIR/albedo in place (default: each date's guides are
                        moved onto its LST's frame by the sub-pixel shift the data support)
Outputs are written to a hidden temporary folder and renamed into place when complete: a killed
item leaves nothing half-written, and the next run redoes it.`;

const OPTIONS = {
  out: { type: 'string' },
  list: { type: 'boolean' },
  index: { type: 'string' },
  jobs: { type: 'string' },
  force: { type: 'boolean' },
  method: { type: 'string' },
  'closed-loop': { type: 'string' },
  stages: { type: 'string' },
  'reference-factor': { type: 'string' },
  tile: { type: 'string' },
  'max-date-gap': { type: 'string' },
  backend: { type: 'string' },
  weights: { type: 'string' },
  finetune: { type: 'string' },
  'residual-mode': { type: 'string' },
  'no-residual-correction': { type: 'boolean' },
  'no-cog': { type: 'boolean' },
  'full-detail': { type: 'boolean' },
  orientations: { type: 'string' },
  'no-guide-registration': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The item index from --index, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX; undefined when none. */
export function itemIndexFrom(option: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const raw = option ?? env.JOB_COMPLETION_INDEX ?? env.AWS_BATCH_JOB_ARRAY_INDEX;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new AppError('BAD_ARGUMENT', `item index '${raw}' is not a non-negative integer.`);
  return Number(raw);
}

const CSV_FIXED = ['index', 'id', 'date', 'tile', 'method', 'valid_fraction', 'energy_max_abs_k', 'seconds'];

/**
 * Over the finished items an independent finer LST scored: how many, and on how many the method's
 * finest output has detail closer to it than bicubic's (lower detail RMSE), with the median change;
 * `atLstResolution`, on how many that output, finer than the LST, was scored at the LST's resolution.
 */
export function independentTally(rows: readonly SummaryRow[]): { items: number; method: string; closerThanBicubic: number; medianDetailRmseChangePct: number; atLstResolution?: number } | undefined {
  const pairs = rows.flatMap((r) => {
    const own = r.independent?.[r.method];
    const bic = r.independent?.bicubic;
    return r.method !== 'bicubic' && own && bic && Number.isFinite(own.detailRmseK) && bic.detailRmseK > 0 ? [{ method: r.method, change: (100 * (own.detailRmseK - bic.detailRmseK)) / bic.detailRmseK, atLst: own.scoredPixelSizeM !== undefined }] : [];
  });
  if (pairs.length === 0) return undefined;
  const changes = pairs.map((p) => p.change).sort((a, b) => a - b);
  const mid = changes.length / 2;
  const median = changes.length % 2 ? changes[Math.floor(mid)] : (changes[mid - 1] + changes[mid]) / 2;
  const atLst = pairs.filter((p) => p.atLst).length;
  return { items: pairs.length, method: pairs[0].method, closerThanBicubic: changes.filter((c) => c < 0).length, medianDetailRmseChangePct: Number(median.toFixed(1)), ...(atLst > 0 ? { atLstResolution: atLst } : {}) };
}

/** The summary line's words for the items whose finest output, finer than their LST, was scored at its resolution. */
function atLstWords(tally: { items: number; atLstResolution?: number }): string {
  const n = tally.atLstResolution;
  if (!n) return '';
  const where = n < tally.items ? `on ${n} of them, ` : tally.items > 1 ? 'on each, ' : '';
  return `; ${where}the finest output, finer than the LST, is scored at the LST's resolution, block-averaged onto its grid (report.json independentLst.scoredAt)`;
}

/** Rewrites OUT/summary.csv from every finished item's report (temp file + rename); the rows it wrote. */
export async function writeSummary(outDir: string, items: BatchItem[]): Promise<SummaryRow[]> {
  const rows: SummaryRow[] = [];
  for (const it of items) {
    if (!(await isItemDone(outDir, it))) continue;
    const rep = JSON.parse(await readFile(path.join(itemDir(outDir, it), 'report.json'), 'utf8')) as {
      summary: SummaryRow;
    };
    rows.push(rep.summary);
  }
  const methods = [...new Set(rows.flatMap((r) => Object.keys(r.rmse)))].sort();
  // Against an independent finer LST (items that had one): each method's finest output.
  const scored = [...new Set(rows.flatMap((r) => Object.keys(r.independent ?? {})))].sort();
  const independentCols = scored.flatMap((m) => [`independent_offset_free_rmse_${m}_k`, `independent_detail_rmse_${m}_k`, `independent_detail_corr_${m}`]);
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(4));
  const lines = [[...CSV_FIXED, ...methods.map((m) => `closed_loop_rmse_${m}_k`), ...independentCols].join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.index,
        r.id,
        r.date,
        r.tile,
        r.method,
        r.validFraction.toFixed(4),
        r.energyMaxAbsK.toExponential(3),
        r.seconds.toFixed(2),
        ...methods.map((m) => num(r.rmse[m])),
        ...scored.flatMap((m) => {
          const t = r.independent?.[m];
          return [num(t?.offsetFreeRmseK), num(t?.detailRmseK), num(t?.detailCorr)];
        }),
      ].join(','),
    );
  }
  const file = path.join(outDir, 'summary.csv');
  const tmp = `${file}.partial-${process.pid}`;
  // Items that all failed before their first file (in child processes) leave no folder behind.
  await mkdir(outDir, { recursive: true });
  await writeFile(tmp, lines.join('\n') + '\n');
  await rename(tmp, file);
  return rows;
}

function bar(done: number, total: number, t0: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const elapsed = (Date.now() - t0) / 1000;
  const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
  const etaText = Number.isFinite(eta)
    ? `ETA ${eta < 90 ? `${eta.toFixed(0)} s` : `${(eta / 60).toFixed(1)} min`}`
    : 'ETA ?';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} items, ${elapsed.toFixed(0)} s, ${etaText}`;
}

/** The methods a batch runs: its own (with the notice of a fallback) and those its closed loop scores. */
interface BatchMethods {
  method: StageMethod;
  notice?: string;
  closedLoop: StageMethod[];
}

/**
 * Builds the run's method (`id`, or the default: SRDA-Net, else bicubic with a notice) and each
 * closed-loop method (default: the method and bicubic), SRDA-Net once, from the CLI's weights.
 * MODEL_LOAD_FAILED when SRDA-Net is asked for and its weights cannot be read or loaded.
 */
async function buildBatchMethods(id: string | undefined, loopIds: string[] | undefined, options: CliMethodOptions): Promise<BatchMethods> {
  const factory = createCliMethodFactory(options);
  const { method, notice } = await methodOrDefault(factory, id);
  const closedLoop: StageMethod[] = [];
  for (const loopId of new Set(loopIds ?? [method.id, 'bicubic']))
    closedLoop.push(loopId === method.id ? method : await factory.load(loopId));
  return { method, ...(notice ? { notice } : {}), closedLoop };
}

/** Releases what `buildBatchMethods` started (SRDA-Net's weights and backend). */
function disposeBatchMethods(m: BatchMethods): void {
  for (const x of new Set([m.method, ...m.closedLoop])) (x as { dispose?: () => void }).dispose?.();
}

/** Set in the environment of a `--jobs N` child: it sends its scene notes to the parent over the IPC channel. */
const CHILD_ENV = 'SRDA_LST_BATCH_CHILD';

/** What a `--jobs N` child sends its parent: the item's scene notes, once its scene is prepared. */
interface ChildMessage {
  sceneNotices: string[];
}

function isChildMessage(m: unknown): m is ChildMessage {
  const notices = (m as Partial<ChildMessage> | null)?.sceneNotices;
  return Array.isArray(notices) && notices.every((n) => typeof n === 'string');
}

/**
 * Runs item `index` in a child `srda-lst batch ... --index N` process; resolves to its exit code and
 * stderr. `onNotices` gets the item's scene notes as soon as the child has prepared its scene.
 */
function runChild(argv: string[], index: number, onNotices: (notices: string[]) => void): Promise<{ code: number; stderr: string }> {
  const bin = path.resolve(import.meta.dirname, '../../bin/srda-lst.js');
  const args = argv.filter(
    (a, i) => !(a === '--jobs' || argv[i - 1] === '--jobs' || a.startsWith('--jobs=')),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'batch', ...args, '--index', String(index), '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '', [CHILD_ENV]: '1' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m) => {
      if (isChildMessage(m)) onNotices(m.sceneNotices);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** In a `--jobs N` child: sends the item's scene notes to the parent, which prints them. Undefined in any other run. */
function noticesToParent(): ((item: BatchItem, notices: readonly string[]) => void) | undefined {
  if (process.env[CHILD_ENV] !== '1' || !process.send) return undefined;
  const send = process.send.bind(process);
  return (_item, notices) => {
    const m: ChildMessage = { sceneNotices: [...notices] };
    send(m);
  };
}

/** `srda-lst batch`: see HELP. */
export const batchCommand: Command = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AppError('BAD_ARGUMENT', `${(e as Error).message}. Run with --help for the options.`, {
      cause: e,
    });
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (parsed.positionals.length !== 1)
    throw new AppError('BAD_ARGUMENT', 'Give one folder or manifest: srda-lst batch DIR|MANIFEST --out DIR.');
  const source = parsed.positionals[0];
  // Every option's value is checked before the source is read or listed (worker processes parse them again).
  const orientations = parseOrientations(v.orientations);
  const backend = parseBackend(v.backend);
  const residualMode = parseResidualMode(v['residual-mode']);
  const finetuneSteps = intOption(v.finetune, 'finetune', 0);
  const stages = intOption(v.stages, 'stages', 1);
  const referenceFactor = intOption(v['reference-factor'], 'reference-factor', 1);
  const tileCoarsePx = intOption(v.tile, 'tile', 8);
  const maxDateGapDays = intOption(v['max-date-gap'], 'max-date-gap', 0);
  const jobs = intOption(v.jobs, 'jobs', 1) ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  // The methods too: with --jobs N a bad one would otherwise fail in every child, once per item.
  if (typeof v.method === 'string') checkMethodId(v.method);
  const closedLoop =
    typeof v['closed-loop'] === 'string'
      ? v['closed-loop']
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(checkMethodId)
      : undefined;
  const methodOptions: CliMethodOptions = {
    backend,
    finetuneSteps,
    modelPath: typeof v.weights === 'string' ? path.resolve(v.weights) : undefined,
    orientations,
  };
  if (!v.list && typeof v.out !== 'string') throw new AppError('BAD_ARGUMENT', 'No output folder: pass --out DIR.');
  // SRDA-Net, when the run asks for it, is loaded before the source is listed: weights that are
  // missing or unreadable are then one line with --jobs N as with --jobs 1, not a failure in every
  // child. Not for --list, which runs nothing (and may run where the weights are not, before an array job).
  // The default method (SRDA-Net, else bicubic) is loaded here too, so that its fallback notice is said once, here, with --jobs N as with --jobs 1.
  const usesSrda = v.method === undefined || v.method === 'srda' || (closedLoop?.includes('srda') ?? false);
  let methods = usesSrda && !v.list ? await buildBatchMethods(v.method, closedLoop, methodOptions) : undefined;
  if (methods?.notice && !v.quiet) process.stderr.write(`notice: ${terminalSafe(methods.notice)}\n`);
  const { items, skipped, unmatched } = await planBatchSource(source);
  // Stdout keeps one line per item (scripts and array jobs read it); what is left out is said on stderr.
  if (!v.quiet) for (const u of unmatched) process.stderr.write(`not run: ${terminalSafe(`${path.relative(process.cwd(), u.file)}: ${u.why}`)}\n`);
  if (v.list) {
    for (const it of items)
      process.stdout.write(
        `${it.index}\t${it.id}\t${it.files.map((f) => listToken(path.relative(process.cwd(), f.path), f.date, f.given)).join(' ')}\n`,
      );
    return 0;
  }
  const outDir = v.out!;
  const quiet = v.quiet ?? false;
  if (!quiet) for (const s of skipped) process.stderr.write(`skipped: ${s}\n`);
  const index = itemIndexFrom(v.index, process.env);
  if (index !== undefined && index >= items.length)
    throw new AppError(
      'BAD_ARGUMENT',
      `item index ${index} is out of range: ${source} has ${items.length} items (0..${items.length - 1}); see --list.`,
    );
  const todo = (index === undefined ? items : [items[index]]).filter((it) => it);
  const pending: BatchItem[] = [];
  for (const it of todo) if (v.force || !(await isItemDone(outDir, it))) pending.push(it);
  if (!quiet && pending.length < todo.length)
    process.stderr.write(`${todo.length - pending.length} finished item(s) skipped (--force redoes them).\n`);

  const failures: string[] = [];
  const t0 = Date.now();
  let done = 0;
  const tty = process.stderr.isTTY && !quiet;
  const show = (line?: string): void => {
    if (quiet) return;
    if (tty) process.stderr.write(`\r\x1b[K${line ? `${line}\n` : ''}${bar(done, pending.length, t0)}`);
    else if (line) process.stderr.write(`${line} (${done}/${pending.length})\n`);
  };
  // A date's scene notes, each once on its line, prefixed with the item (its date, and tile where dates share one).
  const sayNotices = (it: BatchItem, notices: readonly string[]): void => {
    if (quiet || notices.length === 0) return;
    const lines = notices.map((n) => `notice: ${terminalSafe(`${it.id}: ${n}`)}\n`).join('');
    process.stderr.write(tty ? `\r\x1b[K${lines}${bar(done, pending.length, t0)}` : lines);
  };
  if (pending.length > 0) show();
  if (jobs > 1 && pending.length > 1) {
    // The children load their own.
    if (methods) disposeBatchMethods(methods);
    const queue = [...pending];
    await Promise.all(
      Array.from({ length: Math.min(jobs, pending.length) }, async () => {
        for (let it = queue.shift(); it; it = queue.shift()) {
          // The date's notes as soon as the child has prepared its scene, not when it ends (a long run says a bad mask early).
          const r = await runChild(argv, it.index, (notices) => sayNotices(it, notices));
          done++;
          // The child's last line, without the command name and item id it starts with: the same line as with --jobs 1.
          if (r.code !== 0) {
            const last = r.stderr.trim().split('\n').pop()?.replace(/^srda-lst batch: /, '');
            failures.push(`${it.id}: ${(last?.startsWith(`${it.id}: `) ? last.slice(it.id.length + 2) : last) || `exit ${r.code}`}`);
          }
          show(`${it.id}: ${r.code === 0 ? 'done' : 'FAILED'}`);
        }
      }),
    );
  } else {
    methods ??= await buildBatchMethods(v.method, closedLoop, methodOptions);
    const settings: BatchSettings = {
      outDir,
      method: methods.method,
      ...(methods.notice ? { methodNotice: methods.notice } : {}),
      closedLoop: methods.closedLoop,
      stages,
      referenceFactor,
      tileCoarsePx,
      maxDateGapDays,
      residualCorrection: !v['no-residual-correction'],
      residualMode,
      cog: !v['no-cog'],
      fullDetail: v['full-detail'] === true,
      orientations,
      registerGuides: v['no-guide-registration'] !== true,
      onSceneNotices: noticesToParent() ?? sayNotices,
    };
    for (const it of pending) {
      try {
        const row = await runBatchItem(it, settings);
        done++;
        show(`${it.id}: done in ${row.seconds.toFixed(1)} s`);
      } catch (e) {
        if (!isAppError(e) || e.code === 'CANCELLED') throw e;
        done++;
        failures.push(`${it.id}: ${e.code}: ${e.message}`);
        show(`${it.id}: FAILED`);
      }
    }
  }
  if (tty && pending.length > 0) process.stderr.write('\n');
  // A rerun of a finished item is a no-op: it leaves summary.csv to the runs that did work.
  const summarised = index === undefined || pending.length > 0 ? await writeSummary(outDir, items) : undefined;
  const finished = summarised?.length;
  const tally = summarised && independentTally(summarised);
  for (const f of failures) process.stderr.write(`srda-lst batch: ${f}\n`);
  if (tally && !quiet)
    process.stderr.write(
      `Against the independent finer LSTs of ${tally.items} ${tally.items === 1 ? 'item' : 'items'}: ${methodName(tally.method)}'s finest detail is closer than bicubic's on ${tally.closerThanBicubic} (median detail RMSE ${tally.medianDetailRmseChangePct > 0 ? '+' : ''}${tally.medianDetailRmseChangePct} %; summary.csv has each)${atLstWords(tally)}.\n`,
    );
  if (!quiet || index === undefined)
    process.stdout.write(
      JSON.stringify({
        out: outDir,
        items: items.length,
        processed: pending.length - failures.length,
        failed: failures.length,
        finished,
        ...(tally ? { independentLst: tally } : {}),
      }) + '\n',
    );
  return failures.length > 0 ? 1 : 0;
};
