import { isAppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS } from '../core/raster/orient.ts';
import type { RunOptions } from '../core/progress.ts';
import { createMethodFactory } from '../pipeline/methods.ts';
import type { SrdaMethod } from '../pipeline/methods/srda.ts';
import type { StageMethod } from '../pipeline/method.ts';
import type { BackendInfo, RunParams } from './protocol.ts';
import { appInferenceWorkers, poolSrdaInWebWorkers } from './tile-pool-web.ts';

/** SRDA-Net ready to run, or why not (the run then continues with the baselines). */
export interface PreparedModel {
  isAvailable: boolean;
  method?: StageMethod & Pick<SrdaMethod, 'notices' | 'backend' | 'finetune'>;
  backend?: BackendInfo;
  weights?: { format: string; version: number; size: string };
}

let previousModel: { dispose(): void } | undefined;

/**
 * Builds SRDA-Net with the same method factory as the CLI, handed a reader of the weights served
 * beside the app; its runner starts the backend (`auto`: GPUs on software rasterisers skipped).
 * With the wasm backend and no fine-tuning, tiles also run on more inference workers. A failure is
 * not fatal: it becomes a notice and the run continues with bicubic.
 */
export async function prepareModel(
  params: RunParams,
  opts: RunOptions,
  notices: string[],
): Promise<PreparedModel> {
  // One model alive at a time: the previous run's weights (34 tensors) would otherwise leak per run.
  previousModel?.dispose();
  previousModel = undefined;
  const modelUrl = new URL('models/srda-net/model.json', params.appBaseUrl).href;
  const wasmPaths = new URL('tfjs-wasm/', params.appBaseUrl).href;
  try {
    const factory = createMethodFactory({
      readWeights: () => Promise.resolve({ url: modelUrl }),
      backend: params.backend,
      wasmPaths,
      finetuneSteps: params.finetuneSteps || undefined,
      orientations: params.srdaOrientations ?? DEFAULT_ORIENTATIONS,
      // After a GPU failure (lost device, memory) the other GPU backend shares the GPU: go to wasm.
      fallbackBackends: ['wasm', 'cpu'],
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    const method = (await factory.load('srda')) as SrdaMethod;
    // Fine-tuning fits one model on the whole scene first: that stays in this worker.
    const pooled =
      params.finetuneSteps > 0
        ? undefined
        : await poolSrdaInWebWorkers(method, params.inferenceWorkers ?? appInferenceWorkers(), { modelUrl, wasmPaths, orientations: params.srdaOrientations ?? DEFAULT_ORIENTATIONS }, notices);
    previousModel = {
      dispose: () => {
        void pooled?.close();
        method.dispose();
      },
    };
    const b = method.backend;
    return {
      isAvailable: true,
      method: pooled ?? method,
      backend: { name: b.name, adapter: b.adapter, fallbackReason: b.fallbackReason, inferenceWorkers: pooled?.workers ?? 1 },
      weights: method.weights,
    };
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    const why = e instanceof Error ? e.message : String(e);
    notices.push(`SRDA-Net could not be used (${why}); the classical methods ran instead.`);
    return { isAvailable: false, backend: { name: 'none', fallbackReason: why } };
  }
}
