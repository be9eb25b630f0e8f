import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { selectBackend, type BackendName } from '../model/backend.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { probeWebGl, probeWebGpu } from './backend-probe.ts';
import type { BackendInfo, RunParams } from './protocol.ts';
import { appInferenceWorkers, poolSrdaInWebWorkers } from './tile-pool-web.ts';

/** SRDA-Net ready to run, or why not (the run then continues with the baselines). */
export interface PreparedModel {
  isAvailable: boolean;
  method?: StageMethod;
  backend?: BackendInfo;
  weights?: { format: string; version: number; size: string };
}

/**
 * Starts a tfjs backend. `auto` tries webgpu -> webgl -> wasm -> cpu but skips GPU backends that
 * run on a software rasteriser (SwiftShader): on such machines wasm is about 30-70x faster.
 * An explicit choice is used as asked (no fallback).
 */
async function startBackend(choice: RunParams['backend'], wasmPaths: string): Promise<BackendInfo> {
  const gpu = await probeWebGpu();
  const gl = probeWebGl();
  if (choice !== 'auto') {
    const r = await selectBackend({ only: choice, wasmPaths });
    const adapter = r.backend === 'webgpu' ? gpu.adapter : r.backend === 'webgl' ? gl.adapter : undefined;
    return { name: r.backend, adapter, fallbackReason: undefined };
  }
  const skipped: string[] = [];
  const order: BackendName[] = [];
  if (gpu.isUsable) order.push('webgpu');
  else skipped.push(`webgpu: ${gpu.reason}`);
  if (gl.isUsable) order.push('webgl');
  else skipped.push(`webgl: ${gl.reason}`);
  order.push('wasm', 'cpu');
  for (const name of order) {
    try {
      const r = await selectBackend({ only: name, wasmPaths });
      const adapter = r.backend === 'webgpu' ? gpu.adapter : r.backend === 'webgl' ? gl.adapter : undefined;
      return {
        name: r.backend,
        adapter,
        fallbackReason: skipped.length > 0 ? skipped.join('; ') : undefined,
      };
    } catch (e) {
      skipped.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`no backend started (${skipped.join('; ')})`);
}

let previousModel: { dispose(): void } | undefined;

/**
 * Starts the backend and loads SRDA-Net with the weights served beside the app. A failure is
 * not fatal: it becomes a notice and the run continues with bicubic.
 */
export async function prepareModel(
  params: RunParams,
  opts: RunOptions,
  notices: string[],
): Promise<PreparedModel> {
  let backend: BackendInfo | undefined;
  // One model alive at a time: the previous run's weights (34 tensors) would otherwise leak per run.
  previousModel?.dispose();
  previousModel = undefined;
  try {
    opts.onProgress?.({ stage: 'starting SRDA-Net', done: 0, total: 2, detail: 'backend' });
    backend = await startBackend(params.backend, new URL('tfjs-wasm/', params.appBaseUrl).href);
    opts.onProgress?.({ stage: 'starting SRDA-Net', done: 1, total: 2, detail: 'weights' });
    const { createSrdaMethod } = await import('../pipeline/methods/srda.ts');
    const method = await createSrdaMethod(
      { url: new URL('models/srda-net/model.json', params.appBaseUrl).href },
      {
        backend: backend.name as BackendName,
        wasmPaths: new URL('tfjs-wasm/', params.appBaseUrl).href,
        finetuneSteps: params.finetuneSteps || undefined,
        // After a GPU failure (lost device, memory) the other GPU backend shares the GPU: go to wasm.
        fallbackBackends: ['wasm', 'cpu'],
      },
    );
    // Fine-tuning fits one model on the whole scene first: that stays in this worker.
    const pooled =
      params.finetuneSteps > 0
        ? undefined
        : await poolSrdaInWebWorkers(
            method,
            params.inferenceWorkers ?? appInferenceWorkers(),
            {
              modelUrl: new URL('models/srda-net/model.json', params.appBaseUrl).href,
              wasmPaths: new URL('tfjs-wasm/', params.appBaseUrl).href,
            },
            notices,
          );
    previousModel = {
      dispose: () => {
        void pooled?.close();
        method.model.dispose();
      },
    };
    const meta = method.model.meta;
    return {
      isAvailable: true,
      method: pooled ?? method,
      backend: { ...backend, inferenceWorkers: pooled?.concurrency ?? 1 },
      weights: { format: meta.format, version: meta.version, size: meta.size },
    };
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    const why = e instanceof Error ? e.message : String(e);
    notices.push(`SRDA-Net could not be used (${why}); the classical methods ran instead.`);
    return { isAvailable: false, backend: backend ?? { name: 'none', fallbackReason: why } };
  }
}
