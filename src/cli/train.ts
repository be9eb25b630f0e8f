import { mkdir, readFile, rename, writeFile, appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { selectBackend, type BackendName } from '../model/backend.ts';
import { SRDA_SIZES, countParams, macsPerCoarsePixel, sizeOf, type SrdaSize } from '../model/srda-net.ts';
import { SrdaTrainer, type TrainBatch } from '../model/train.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import type { Command } from './main.ts';
import { BatchSampler } from '../training/sampler.ts';
import { loadRealPairs, REAL_SCENES } from './train-real.ts';
import { writeLearningCurve } from './train-plot.ts';
import { loadAsterPairs } from './train-aster.ts';
import { splitByPlace } from '../training/aster-pairs.ts';
import { asterStagePairs } from '../training/aster-stages.ts';
import { asterChainPair } from '../training/chain-pairs.ts';
import { loadSrdaWeights } from '../model/weights.ts';
import { readSrdaWeights } from './srda-weights.ts';
import { allocBatch, writePatch, type ClosedLoopPair } from '../model/patches.ts';
import { Rng } from '../core/random.ts';

/** Parsed `srda-lst train` options. */
export interface TrainArgs {
  out: string;
  steps: number;
  size: SrdaSize;
  batch: number;
  patch: number;
  lr: number;
  seed: number;
  resume: boolean;
  augment: boolean;
  /** beta of the beta-NLL objective (0 = plain Gaussian likelihood). */
  betaNll: number;
  /** Weight of the orientation-consistency term (0 = off; each batch then also carries its turned twin). */
  consistency: number;
  data: string[];
  holdout: string[];
  checkpointEvery: number;
  valEvery: number;
  realShare: number;
  backend: BackendName;
  dataDir: string;
  /** Copies of the ASTER stage pairs relative to the other real pairs (with --data aster). */
  asterWeight: number;
  /**
   * Copies of each real closed loop (Landsat, MODIS, ECOSTRESS scenes) in the draw (default 1). The
   * ASTER stage pairs come in whole copies, at least one, so with few loops they outnumber them;
   * more copies of the loops tilt the draw back towards them.
   */
  loopCopies: number;
  /** Residual blocks to grow a resumed checkpoint to (0: keep its architecture). */
  growBlocks: number;
  /** Step at which the cosine schedule starts again from `lr` (a warm restart of a resumed run); 0: no restart. */
  restartAt: number;
  /**
   * Folder of frozen SRDA-Net weights: with it, the second stage of every ASTER pair, and every
   * real loop one octave finer than another of its scene, trains once more with the teacher's
   * residual-corrected first-stage output as its input (as the chain meets it). Empty: off.
   */
  chainTeacher: string;
  /**
   * Folder of frozen SRDA-Net weights whose eight-orientation ensemble the run distils: each batch
   * is drawn in all eight orientations, and the likelihood's target is the truth moved by
   * `distillWeight` towards the ensemble's prediction. Empty: off.
   */
  distill: string;
  /** Share (0-1] of the target the distilled ensemble makes (with `distill`). */
  distillWeight: number;
}

const USAGE = `Usage: srda-lst train --out DIR [--steps 4000] [--size tiny|small|base] [--batch 8] [--patch 32]
       [--lr 1e-3] [--restart-at STEP] [--seed 1] [--resume] [--augment] [--beta-nll 0] [--consistency 0] [--data synth,real,aster] [--aster-weight 3] [--loop-copies 1] [--grow-blocks N] [--holdout SCENE,...] [--real-share 0.5] [--chain-teacher MODEL_DIR] [--distill MODEL_DIR] [--distill-weight 0.5]
       [--checkpoint-every 100] [--val-every 100] [--backend wasm|cpu] [--data-dir ../shared/data]`;

function parseArgs(argv: string[]): TrainArgs {
  const a: TrainArgs = {
    out: '',
    steps: 4000,
    size: 'small',
    batch: 8,
    patch: 32,
    lr: 1e-3,
    seed: 1,
    resume: false,
    augment: false,
    betaNll: 0,
    consistency: 0,
    data: ['synth'],
    holdout: [],
    checkpointEvery: 100,
    valEvery: 100,
    realShare: 0.5,
    backend: 'wasm',
    dataDir: path.resolve(process.cwd(), '../shared/data'),
    asterWeight: 3,
    loopCopies: 1,
    growBlocks: 0,
    restartAt: 0,
    chainTeacher: '',
    distill: '',
    distillWeight: 0.5,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new AppError('BAD_ARGUMENT', `${k} needs a value. Run with --help for the options.`);
      return x;
    };
    const num = (): number => {
      const s = v();
      const n = Number(s);
      if (!Number.isFinite(n)) throw new AppError('BAD_ARGUMENT', `${k} needs a number, got '${s}'.`);
      return n;
    };
    if (k === '--out') a.out = v();
    else if (k === '--steps') a.steps = num();
    else if (k === '--size') {
      const s = v();
      if (!(s in SRDA_SIZES)) throw new AppError('BAD_ARGUMENT', `--size must be one of ${Object.keys(SRDA_SIZES).join(', ')}, got '${s}'.`);
      a.size = s as SrdaSize;
    } else if (k === '--batch') a.batch = num();
    else if (k === '--patch') a.patch = num();
    else if (k === '--lr') a.lr = num();
    else if (k === '--seed') a.seed = num();
    else if (k === '--resume') a.resume = true;
    else if (k === '--augment') a.augment = true;
    else if (k === '--beta-nll') a.betaNll = num();
    else if (k === '--consistency') a.consistency = num();
    else if (k === '--data') a.data = v().split(',');
    else if (k === '--holdout') a.holdout = v().split(',').filter(Boolean);
    else if (k === '--real-share') a.realShare = num();
    else if (k === '--checkpoint-every') a.checkpointEvery = num();
    else if (k === '--val-every') a.valEvery = num();
    else if (k === '--backend') a.backend = v() as BackendName;
    else if (k === '--data-dir') a.dataDir = path.resolve(v());
    else if (k === '--aster-weight') a.asterWeight = num();
    else if (k === '--loop-copies') a.loopCopies = num();
    else if (k === '--grow-blocks') a.growBlocks = num();
    else if (k === '--restart-at') a.restartAt = num();
    else if (k === '--chain-teacher') a.chainTeacher = path.resolve(v());
    else if (k === '--distill') a.distill = path.resolve(v());
    else if (k === '--distill-weight') a.distillWeight = num();
    else throw new AppError('BAD_ARGUMENT', `Unknown option '${k}'. Run with --help for the options.`);
  }
  if (!a.out) throw new AppError('BAD_ARGUMENT', 'No output folder: pass --out DIR. Run with --help for the options.');
  if (!Number.isInteger(a.restartAt) || a.restartAt < 0 || (a.restartAt > 0 && a.restartAt >= a.steps))
    throw new AppError('BAD_ARGUMENT', `--restart-at must be a whole step before --steps (${a.steps}), got ${a.restartAt}.`);
  if (a.growBlocks !== 0 && !(Number.isInteger(a.growBlocks) && a.growBlocks >= 1 && a.resume))
    throw new AppError('BAD_ARGUMENT', `--grow-blocks needs --resume (it grows the checkpoint in --out) and a whole number of residual blocks, got ${a.growBlocks}.`);
  if (!(Number.isInteger(a.loopCopies) && a.loopCopies >= 1)) throw new AppError('BAD_ARGUMENT', `--loop-copies must be a whole number >= 1, got ${a.loopCopies}.`);
  if (!(a.distillWeight > 0 && a.distillWeight <= 1)) throw new AppError('BAD_ARGUMENT', `--distill-weight must be a share in (0, 1], got ${a.distillWeight}.`);
  if (!(a.consistency >= 0)) throw new AppError('BAD_ARGUMENT', `--consistency must be a weight >= 0, got ${a.consistency}.`);
  if (a.patch % 4 !== 0 || a.patch < 16) throw new AppError('BAD_ARGUMENT', `--patch must be a multiple of 4 and >= 16 (coarse pixels), got ${a.patch}.`);
  return a;
}

/**
 * Learning rate at `step`: 100-step linear warm-up, then cosine decay to 5% at `total`. With
 * `restartAt` > 0 (a warm restart of a resumed run, whose optimiser state needs no warm-up) the
 * cosine starts at `base` at that step instead and decays to 5% at `total`.
 */
export function learningRate(base: number, step: number, total: number, restartAt = 0): number {
  if (restartAt === 0 && step < 100) return (base * (step + 1)) / 100;
  const from = restartAt > 0 ? restartAt : 100;
  const t = Math.min(1, Math.max(0, (step - from) / Math.max(1, total - from)));
  return base * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

const CSV_HEADER = 'step,total,degradation,charbonnier,msssim,w_degradation,w_charbonnier,w_msssim,s_degradation,s_charbonnier,s_msssim,lr,seconds,val_rmse_k,val_bicubic_rmse_k\n';

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(file + '.tmp', data);
  await rename(file + '.tmp', file);
}

async function saveModelFiles(dir: string, prefix: string, m: { modelJson: SrdaModelJson; weightData: ArrayBuffer }): Promise<void> {
  await writeAtomic(path.join(dir, m.modelJson.weightsManifest[0].paths[0]), new Uint8Array(m.weightData));
  await writeAtomic(path.join(dir, `${prefix}.json`), JSON.stringify(m.modelJson, null, 1));
}

/**
 * The fixed validation batch (32 synthetic patches never trained on), stored beside the run so a
 * resumed run scores the same patches even if the generator changed in between.
 */
async function loadOrMakeValBatch(file: string, patchPx: number): Promise<TrainBatch> {
  const saved = await readFile(file, 'utf8').catch(() => undefined);
  if (saved) {
    const j = JSON.parse(saved) as Record<string, number | number[]>;
    if (j.h === patchPx) {
      const f = (k: string) => Float32Array.from(j[k] as number[]);
      return { n: j.n as number, h: j.h as number, w: j.w as number, input: f('input'), bicubicN: f('bicubicN'), truthN: f('truthN'), fineMask: f('fineMask') };
    }
  }
  const b = new BatchSampler({ seed: 424242, batch: 32, patchPx, realShare: 0, poolSize: 16, refresh: 0 }, []).batchFor(0);
  const arr = (a: Float32Array) => Array.from(a, (v) => +v.toPrecision(7));
  await writeFile(file, JSON.stringify({ n: b.n, h: b.h, w: b.w, input: arr(b.input), bicubicN: arr(b.bicubicN), truthN: arr(b.truthN), fineMask: arr(b.fineMask) }));
  return b;
}

/** A fixed batch of `n` patches drawn deterministically from `pairs` (validation). */
function fixedBatch(pairs: ClosedLoopPair[], n: number, p: number): TrainBatch {
  const rng = new Rng(97);
  const b = allocBatch(n, p);
  for (let i = 0; i < n; i++) {
    const pair = pairs[i % pairs.length];
    const y0 = pair.h >= p ? rng.int(0, pair.h - p) : 0;
    const x0 = pair.w >= p ? rng.int(0, pair.w - p) : 0;
    writePatch(b, i, pair, y0, x0);
  }
  return b;
}

/** `srda-lst train`: trains SRDA-Net on the wasm backend (custom conv gradient), see models/srda-net/card.md. */
export const trainCommand: Command = async (argv) => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  // Real or ASTER pairs come from --data-dir: a folder that is not there is one line here, not an empty pool later.
  if ((args.data.includes('real') || args.data.includes('aster')) && !(await stat(args.dataDir).catch(() => undefined))?.isDirectory())
    throw new AppError('BAD_ARGUMENT', `no such folder: --data ${args.data.join(',')} reads its scenes from --data-dir (default ../shared/data); pass the folder that holds them.`, { file: args.dataDir });
  await mkdir(args.out, { recursive: true });
  const choice = await selectBackend({ only: args.backend });
  const ckptJson = path.join(args.out, 'checkpoint.json');
  const csv = path.join(args.out, 'loss.csv');
  const log = (s: string) => process.stdout.write(`[${new Date().toISOString()}] ${s}\n`);
  const distilled = args.distill ? await loadSrdaWeights(await readSrdaWeights(args.distill)) : undefined;
  if (distilled) log(`distilling the eight-orientation ensemble of ${args.distill} (${distilled.size}), weight ${args.distillWeight}`);
  const teacherOpt = distilled ? { teacher: { model: distilled, weight: args.distillWeight } } : {};
  // A resumed run keeps its checkpoint's architecture (a grown one differs from every named size).
  let trainer: SrdaTrainer;
  let start = 0;
  if (args.resume && (await stat(ckptJson).catch(() => undefined))) {
    const json = JSON.parse(await readFile(ckptJson, 'utf8')) as SrdaModelJson;
    const data = await readFile(path.join(args.out, 'checkpoint.bin'));
    const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    trainer = await SrdaTrainer.fromCheckpoint(json, bytes, { seed: args.seed, betaNll: args.betaNll, consistency: args.consistency, growBlocks: args.growBlocks, ...teacherOpt });
    if (trainer.config.blocks > json.config.blocks) log(`grew the checkpoint from ${json.config.blocks} to ${trainer.config.blocks} residual blocks (each new block starts as the identity)`);
    start = trainer.step;
    log(`resumed from step ${start}`);
    // A checkpoint copied without its loss.csv (e.g. the committed one): start a fresh log with its header, so the learning curve can be drawn.
    if (!(await stat(csv).catch(() => undefined))) await writeFile(csv, CSV_HEADER);
  } else {
    trainer = new SrdaTrainer(SRDA_SIZES[args.size], { seed: args.seed, betaNll: args.betaNll, consistency: args.consistency, ...teacherOpt });
    await writeFile(csv, CSV_HEADER);
  }
  const cfg = trainer.config;
  const sizeName = sizeOf(cfg);
  log(`backend ${choice.backend}; size ${sizeName} (${countParams(cfg)} params, ${macsPerCoarsePixel(cfg)} MACs per coarse px)`);

  const teacher = args.chainTeacher ? await loadSrdaWeights(await readSrdaWeights(args.chainTeacher)) : undefined;
  if (teacher) log(`chain teacher: ${args.chainTeacher} (${teacher.size})`);
  const loops = args.data.includes('real') ? await loadRealPairs(args.dataDir, args.holdout, log, teacher) : [];
  const real = Array.from({ length: args.loopCopies }, () => loops).flat();
  let asterVal: ClosedLoopPair[] = [];
  if (args.data.includes('aster')) {
    const pairs = await loadAsterPairs(args.dataDir, log);
    const split = splitByPlace(pairs);
    log(`aster pairs: ${pairs.length} in ${split.blocks} blocks; validation ${split.validation.map((p) => p.id).join(',')}`);
    log(`aster shifts (dx,dy fine px): ${pairs.map((p) => `${p.id}:${p.shift.dxPx},${p.shift.dyPx}`).join(' ')}`);
    const stages = split.train.flatMap(asterStagePairs);
    if (teacher) for (const p of split.train) stages.push(await asterChainPair(teacher, p));
    // The ASTER pairs are the product's job at its real scale: they make up `asterShare` of the real draws.
    const copies = Math.max(1, Math.round((args.asterWeight * Math.max(1, real.length)) / stages.length));
    for (let c = 0; c < copies; c++) real.push(...stages);
    asterVal = split.validation.flatMap(asterStagePairs);
  }
  log(`real pairs: ${real.length} (${[...new Set(real.map((p) => p.name.split('@')[0]))].join(', ') || 'none'}); scenes known: ${REAL_SCENES.map((s) => s.id).join(', ')}`);
  const synth = args.data.includes('synth');
  if (!synth && real.length === 0)
    throw new AppError('BAD_ARGUMENT', `no training pairs: every scene of --data ${args.data.join(',')} was skipped (see the log above). Pass --data-dir the folder that holds the scenes, or add synth to --data.`, { file: args.dataDir });
  const sampler = new BatchSampler({ seed: args.seed, batch: args.batch, patchPx: args.patch, realShare: synth ? args.realShare : 1, poolSize: synth ? 48 : 0, refresh: synth ? 1 : 0, augment: args.augment, twins: args.consistency > 0, views: !!distilled }, real, start);
  const valBatch = asterVal.length > 0 ? fixedBatch(asterVal, 32, args.patch) : await loadOrMakeValBatch(path.join(args.out, 'val-batch.json'), args.patch);

  const training = {
    command: `srda-lst train ${argv.join(' ')}`,
    data: args.data,
    holdout: args.holdout,
    ...(args.augment ? { augment: 'dihedral' } : {}),
    ...(args.betaNll > 0 ? { betaNll: args.betaNll } : {}),
    ...(args.consistency > 0 ? { consistency: args.consistency } : {}),
    ...(args.restartAt > 0 ? { restartAt: args.restartAt } : {}),
    ...(args.growBlocks > 0 ? { grewTo: cfg.blocks } : {}),
    ...(args.chainTeacher ? { chainTeacher: path.basename(args.chainTeacher) } : {}),
    ...(distilled ? { distill: { teacher: path.basename(args.distill), step: distilled.meta.training?.step, weight: args.distillWeight } } : {}),
    realPairs: real.map((p) => p.name),
  };
  const t0 = performance.now();
  for (let step = start; step < args.steps; step++) {
    const batch = sampler.batchFor(step);
    const lr = learningRate(args.lr, step, args.steps, args.restartAt);
    const l = await trainer.trainStep(batch, lr);
    let val = '';
    if ((step + 1) % args.valEvery === 0) {
      const v = await trainer.evaluateBatch(valBatch);
      val = `${v.rmseK.toFixed(4)},${v.bicubicRmseK.toFixed(4)}`;
      log(`step ${step + 1}: total ${l.total.toFixed(4)} deg ${l.degradation.toFixed(4)} char ${l.charbonnier.toFixed(4)} msssim ${l.msssim.toFixed(4)} nll ${l.nll.toFixed(3)} sigma ${l.sigmaK.toFixed(3)} K${args.consistency > 0 ? ` cons ${l.consistency.toFixed(3)}` : ''} w [${l.weights.map((x) => x.toFixed(1))}] val ${v.rmseK.toFixed(3)} K (bicubic ${v.bicubicRmseK.toFixed(3)} K)`);
    }
    const secs = (performance.now() - t0) / 1000;
    const row = [step + 1, l.total, l.degradation, l.charbonnier, l.msssim, ...l.weights, ...l.logVars].map((x) => +x.toPrecision(6));
    await appendFile(csv, `${row.join(',')},${lr.toPrecision(4)},${secs.toFixed(1)},${val}\n`);
    if ((step + 1) % args.checkpointEvery === 0 || step + 1 === args.steps) {
      await saveModelFiles(args.out, 'checkpoint', await trainer.exportCheckpoint(sizeName, training));
      await saveModelFiles(args.out, 'model', await trainer.exportWeights(sizeName, { ...training, step: step + 1 }));
      await writeLearningCurve(csv, path.join(args.out, 'learning-curve.png')).catch((e: unknown) => log(`plot failed: ${String(e)}`));
      log(`checkpoint at step ${step + 1} (${((performance.now() - t0) / 1000 / (step + 1 - start)).toFixed(2)} s/step)`);
    }
  }
  trainer.dispose();
  distilled?.dispose();
  return 0;
};
