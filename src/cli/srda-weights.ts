import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, isAppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS } from '../core/raster/orient.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { createMethodFactory, loadDefaultWith, type MethodFactory } from '../pipeline/methods.ts';
import type { SrdaWeightBytes } from './srda-pool.ts';

/** The shipped weights: `models/srda-net/` of the repository. */
export const DEFAULT_SRDA_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/srda-net');

/** What to do about weights that cannot be used; true whichever way the path was given. */
const WEIGHTS_ADVICE = "Give a folder holding SRDA-Net's model.json and weights.bin (as srda-lst train writes them), or restore models/srda-net/.";

/** The `model.json` of a weights folder, or the path itself when it names a `.json` file. */
function modelJsonPath(dirOrJson: string): string {
  return dirOrJson.endsWith('.json') ? dirOrJson : path.join(dirOrJson, 'model.json');
}

/** Why a weights file could not be read, in words, without its path (the error names the file). */
function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
  if (e instanceof SyntaxError) return `not JSON (${e.message})`;
  return (e as Error).message;
}

/**
 * Reads SRDA-Net weights from a folder holding `model.json` and its shards (or from a
 * `model.json` path) as bytes for `loadSrdaWeights`. MODEL_LOAD_FAILED naming the file otherwise.
 */
export async function readSrdaWeights(dirOrJson: string = DEFAULT_SRDA_MODEL_DIR): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
  const jsonPath = modelJsonPath(dirOrJson);
  let modelJson: SrdaModelJson;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as SrdaModelJson;
  } catch (e) {
    throw new AppError('MODEL_LOAD_FAILED', `Cannot read SRDA-Net weights: ${readFailure(e)}. ${WEIGHTS_ADVICE}`, { file: jsonPath, cause: e });
  }
  const shards: Buffer[] = [];
  for (const p of (modelJson.weightsManifest ?? []).flatMap((g) => g.paths)) {
    const file = path.join(path.dirname(jsonPath), p);
    try {
      shards.push(await readFile(file));
    } catch (e) {
      throw new AppError('MODEL_LOAD_FAILED', `Cannot read the SRDA-Net weight shard that ${path.basename(jsonPath)} names: ${readFailure(e)}. ${WEIGHTS_ADVICE}`, { file, cause: e });
    }
  }
  const all = Buffer.concat(shards);
  return { modelJson, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

/** What the CLI's method factory takes from the command line. */
export interface CliMethodOptions {
  backend?: BackendName;
  /** SRDA-Net per-scene fine-tuning steps (0 = off). */
  finetuneSteps?: number;
  /** Folder or model.json path of SRDA-Net weights; default `SRDA_MODEL`, then models/srda-net/. */
  modelPath?: string;
  /** SRDA-Net: 1, 2 or 8 network passes per prediction, averaged over that many orientations of the input (absent: DEFAULT_ORIENTATIONS, 1). */
  orientations?: number;
  /** SRDA-Net inference worker threads (tiles in parallel); 1 or unset = in this thread. Not with fine-tuning. */
  jobs?: number;
}

/**
 * The CLI's method factory: SRDA-Net's weights read from `modelPath`, `SRDA_MODEL` or the shipped
 * models/srda-net/ when (and only when) SRDA-Net is used; with `jobs` > 1 a pool of that many
 * worker threads (cli/srda-pool.ts) runs its tiles. tfjs loads only then.
 */
export function createCliMethodFactory(options: CliMethodOptions = {}): MethodFactory {
  const jobs = options.jobs ?? 1;
  const dirOrJson = options.modelPath ?? process.env.SRDA_MODEL ?? DEFAULT_SRDA_MODEL_DIR;
  const factory = createMethodFactory({
    readWeights: () => readSrdaWeights(dirOrJson),
    backend: options.backend,
    finetuneSteps: options.finetuneSteps,
    orientations: options.orientations ?? DEFAULT_ORIENTATIONS,
    startPool:
      jobs > 1
        ? async (weights) => {
            const { createSrdaPool } = await import('./srda-pool.ts');
            return createSrdaPool(weights as SrdaWeightBytes, { jobs, backend: options.backend, orientations: options.orientations ?? DEFAULT_ORIENTATIONS });
          }
        : undefined,
  });
  // Weights read whole but not loadable (not SRDA-Net's, shorter than model.json says) fail in
  // model/, which knows no file: name the model.json they came from, and what to do.
  const load = (id: string): Promise<StageMethod> =>
    factory.load(id).catch((e: unknown) => {
      if (!isAppError(e) || e.code !== 'MODEL_LOAD_FAILED' || e.file) throw e;
      throw new AppError('MODEL_LOAD_FAILED', `${e.message.replace(/\.?$/, '.')} ${WEIGHTS_ADVICE}`, { file: modelJsonPath(dirOrJson), cause: e });
    });
  return { load, loadDefault: () => loadDefaultWith(load) };
}
