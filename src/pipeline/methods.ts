import { AppError, isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import type { BackendName } from '../model/backend.ts';
import type { BackendRequest } from '../model/runner.ts';
import type { SrdaWeightsSource } from '../model/weights.ts';
import type { MethodId, StageMethod } from './method.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { dmsMethod } from './baselines/dms.ts';
import { tsharpMethod } from './baselines/tsharp.ts';

/** Every method id, SRDA-Net first. */
export const METHOD_IDS: readonly MethodId[] = ['srda', 'bicubic', 'tsharp', 'dms'];

/** The baseline used when SRDA-Net is not available. */
export const FALLBACK_METHOD: MethodId = 'bicubic';

const BASELINES: Record<Exclude<MethodId, 'srda'>, StageMethod> = { bicubic: bicubicMethod, tsharp: tsharpMethod, dms: dmsMethod };

/** What a method factory needs to build SRDA-Net; the baselines need nothing. */
export interface MethodFactoryOptions extends RunOptions {
  /**
   * Reads SRDA-Net's weights: from disk in the CLI (model.json + shards as bytes), by URL in the
   * web worker. Called only when SRDA-Net is built; without it `srda` fails with MODEL_LOAD_FAILED.
   */
  readWeights?: () => Promise<SrdaWeightsSource>;
  /** tfjs backend for SRDA-Net (default `auto`). */
  backend?: BackendRequest;
  /** Browser: absolute URL prefix of the tfjs-backend-wasm `.wasm` files. */
  wasmPaths?: string;
  /** Backends SRDA-Net moves to when its backend fails mid-run. */
  fallbackBackends?: BackendName[];
  /** SRDA-Net per-scene fine-tuning steps before the first stage (0 = off). */
  finetuneSteps?: number;
  /** SRDA-Net: 1 (default here), 2 or 8 network passes per prediction, averaged over that many orientations of the input (core/raster/orient.ts orientationSet). */
  orientations?: number;
  /**
   * Builds SRDA-Net on a pool of inference workers instead of in this thread (the CLI's `--jobs`).
   * Not used with fine-tuning, which fits one model on the whole scene first.
   */
  startPool?: (weights: SrdaWeightsSource) => Promise<StageMethod>;
}

/** Builds stage methods by id. */
export interface MethodFactory {
  /** BAD_ARGUMENT for an unknown id; MODEL_LOAD_FAILED / NO_BACKEND when SRDA-Net cannot start. */
  load(id: string): Promise<StageMethod>;
  /** SRDA-Net when it starts, otherwise the fallback baseline with a notice saying why. */
  loadDefault(): Promise<{ method: StageMethod; notice?: string }>;
}

/** True for a known method id. */
export function isMethodId(s: string): s is MethodId {
  return (METHOD_IDS as readonly string[]).includes(s);
}

/** `id` as a method id, or BAD_ARGUMENT naming the known ids: lets a command check its methods before any work. */
export function checkMethodId(id: string): MethodId {
  if (!isMethodId(id)) throw new AppError('BAD_ARGUMENT', `Unknown method '${id}'. Use one of: ${METHOD_IDS.join(', ')}.`);
  return id;
}

/**
 * A method factory over a weights reader (tfjs-models' create-detector pattern): the CLI hands it
 * a reader of `models/srda-net/`, the web worker one that points at the weights served beside the
 * app. Without options it builds the baselines only.
 */
export function createMethodFactory(options: MethodFactoryOptions = {}): MethodFactory {
  const load = async (id: string): Promise<StageMethod> => {
    const known = checkMethodId(id);
    if (known !== 'srda') return BASELINES[known];
    if (!options.readWeights) throw new AppError('MODEL_LOAD_FAILED', 'SRDA-Net weights were not found (no model.json given).');
    const weights = await options.readWeights();
    if (options.startPool && !options.finetuneSteps) return options.startPool(weights);
    // Dynamic import: tfjs is only loaded when SRDA-Net is actually used.
    const { createSrdaMethod } = await import('./methods/srda.ts');
    const { readWeights: _r, startPool: _p, ...rest } = options;
    return createSrdaMethod(weights, rest);
  };
  return { load, loadDefault: () => loadDefaultWith(load) };
}

/**
 * SRDA-Net from `load` when it starts, otherwise the fallback baseline with a notice saying why
 * (naming the error's file, when it has one).
 */
export async function loadDefaultWith(load: MethodFactory['load']): Promise<{ method: StageMethod; notice?: string }> {
  try {
    return { method: await load('srda') };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const file = isAppError(e) && e.file ? `${e.file}: ` : '';
    return { method: await load(FALLBACK_METHOD), notice: `SRDA-Net unavailable (${file}${why}); using ${FALLBACK_METHOD}.` };
  }
}

/** A baseline method by id (SRDA-Net needs a factory with a weights reader): BAD_ARGUMENT for an unknown id. */
export function loadMethod(id: string): Promise<StageMethod> {
  return createMethodFactory().load(id);
}
