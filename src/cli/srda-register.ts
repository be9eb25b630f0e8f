import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.ts';
import { registerMethod, type MethodLoadOptions } from '../pipeline/methods.ts';
import type { SrdaModelJson } from '../model/weights.ts';

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

/**
 * Registers the `srda` method loader for the CLI: weights from `models/srda-net/` (or
 * `SRDA_MODEL` = a folder or model.json path), backend from the load options, per-scene
 * fine-tuning steps from `finetuneSteps` when the caller passes it; with `jobs` > 1 a pool of
 * that many worker threads (cli/srda-pool.ts) runs the tiles. tfjs loads only when used.
 */
export function registerSrdaMethod(): void {
  registerMethod('srda', async (options?: MethodLoadOptions) => {
    const o = options ?? {};
    const weights = o.weights ?? (await readSrdaWeights(o.modelPath ?? process.env.SRDA_MODEL ?? DEFAULT_SRDA_MODEL_DIR));
    // Fine-tuning fits one model on the whole scene first: that stays in this thread.
    if ((o.jobs ?? 1) > 1 && !o.finetuneSteps) {
      const { createSrdaPool } = await import('./srda-pool.ts');
      return createSrdaPool(weights, { jobs: o.jobs!, backend: o.backend });
    }
    const { createSrdaMethod } = await import('../pipeline/methods/srda.ts');
    return createSrdaMethod(weights, { backend: o.backend, finetuneSteps: o.finetuneSteps });
  });
}
