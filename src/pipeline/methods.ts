import { AppError } from '../core/errors.ts';
import type { MethodId, StageMethod } from './method.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { dmsMethod } from './baselines/dms.ts';
import { tsharpMethod } from './baselines/tsharp.ts';

/** Every method id, SRDA-Net first. */
export const METHOD_IDS: readonly MethodId[] = ['srda', 'bicubic', 'tsharp', 'dms'];

/** The baseline used when SRDA-Net is not available. */
export const FALLBACK_METHOD: MethodId = 'bicubic';

/** Options a method loader may use (SRDA-Net: the tfjs backend). */
export interface MethodLoadOptions {
  backend?: 'wasm' | 'cpu' | 'webgpu' | 'webgl';
  /** Browser: absolute URL of SRDA-Net's model.json (the web worker passes `<app>/models/srda-net/model.json`). */
  weightsUrl?: string;
  /** Browser: absolute URL prefix of the tfjs-backend-wasm `.wasm` files (`<app>/tfjs-wasm/`). */
  wasmPaths?: string;
  /** Node: SRDA-Net weights already read from disk (model.json text + concatenated shards). */
  weights?: { modelJson: string; weightData: ArrayBuffer };
  /** SRDA-Net per-scene fine-tuning steps before the first stage (0 = off). */
  finetuneSteps?: number;
  /** Node: folder or model.json path of SRDA-Net weights (read by the CLI's registered loader). */
  modelPath?: string;
  /** Node: SRDA-Net inference workers (tiles in parallel); 1 or unset = in this thread. Not with fine-tuning. */
  jobs?: number;
}

type Loader = (options?: MethodLoadOptions) => Promise<StageMethod>;

const loaders: Record<MethodId, Loader> = {
  bicubic: () => Promise.resolve(bicubicMethod),
  tsharp: () => Promise.resolve(tsharpMethod),
  dms: () => Promise.resolve(dmsMethod),
  srda: async (options = {}) => {
    const source = options.weights ?? (options.weightsUrl ? { url: options.weightsUrl } : undefined);
    if (!source) throw new AppError('MODEL_LOAD_FAILED', 'SRDA-Net weights were not found (no model.json given).');
    // Dynamic import: tfjs is only loaded when SRDA-Net is actually used.
    const { createSrdaMethod } = await import('./methods/srda.ts');
    return createSrdaMethod(source, { backend: options.backend, wasmPaths: options.wasmPaths, finetuneSteps: options.finetuneSteps });
  },
};

/**
 * Registers (or replaces) the loader of a method; model/ code calls this for `srda` so the
 * pipeline does not import tfjs unless SRDA-Net is used.
 */
export function registerMethod(id: MethodId, load: Loader): void {
  loaders[id] = load;
}

/** True for a known method id. */
export function isMethodId(s: string): s is MethodId {
  return (METHOD_IDS as readonly string[]).includes(s);
}

/** Loads a method by id. Throws AppError BAD_ARGUMENT for an unknown id, MODEL_LOAD_FAILED for srda if missing. */
export function loadMethod(id: string, options: MethodLoadOptions = {}): Promise<StageMethod> {
  if (!isMethodId(id)) {
    return Promise.reject(new AppError('BAD_ARGUMENT', `Unknown method '${id}'. Use one of: ${METHOD_IDS.join(', ')}.`));
  }
  return loaders[id](options);
}

/**
 * Loads the default method: SRDA-Net when it loads, otherwise the fallback baseline; `notice`
 * says why when it fell back.
 */
export async function loadDefaultMethod(options: MethodLoadOptions = {}): Promise<{ method: StageMethod; notice?: string }> {
  try {
    return { method: await loaders.srda(options) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { method: await loaders[FALLBACK_METHOD](), notice: `SRDA-Net unavailable (${why}); using ${FALLBACK_METHOD}.` };
  }
}
