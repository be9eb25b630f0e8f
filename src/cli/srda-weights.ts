import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import { createMethodFactory, type MethodFactory } from '../pipeline/methods.ts';
import type { SrdaWeightBytes } from './srda-pool.ts';

/** The shipped weights: `models/srda-net/` of the repository. */
export const DEFAULT_SRDA_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/srda-net');

/**
 * Reads SRDA-Net weights from a folder holding `model.json` and its shards (or from a
 * `model.json` path) as bytes for `loadSrdaWeights`. MODEL_LOAD_FAILED naming the file otherwise.
 */
export async function readSrdaWeights(dirOrJson: string = DEFAULT_SRDA_MODEL_DIR): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
  const jsonPath = dirOrJson.endsWith('.json') ? dirOrJson : path.join(dirOrJson, 'model.json');
  let modelJson: SrdaModelJson;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as SrdaModelJson;
  } catch (e) {
    throw new AppError('MODEL_LOAD_FAILED', `Cannot read SRDA-Net weights ${jsonPath}: ${(e as Error).message}. Restore models/srda-net/ or pass another model.`, { file: jsonPath, cause: e });
  }
  const shards: Buffer[] = [];
  for (const p of (modelJson.weightsManifest ?? []).flatMap((g) => g.paths)) {
    const file = path.join(path.dirname(jsonPath), p);
    try {
      shards.push(await readFile(file));
    } catch (e) {
      throw new AppError('MODEL_LOAD_FAILED', `Missing weight shard ${file} named by ${jsonPath}.`, { file, cause: e });
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
  /** SRDA-Net: 1 (default) or 8, its prediction averaged over the input's eight orientations. */
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
  return createMethodFactory({
    readWeights: () => readSrdaWeights(options.modelPath ?? process.env.SRDA_MODEL ?? DEFAULT_SRDA_MODEL_DIR),
    backend: options.backend,
    finetuneSteps: options.finetuneSteps,
    orientations: options.orientations,
    startPool:
      jobs > 1
        ? async (weights) => {
            const { createSrdaPool } = await import('./srda-pool.ts');
            return createSrdaPool(weights as SrdaWeightBytes, { jobs, backend: options.backend, orientations: options.orientations });
          }
        : undefined,
  });
}
