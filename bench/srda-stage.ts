import * as tf from '@tensorflow/tfjs-core';
import { isAppError } from '../src/core/errors.ts';
import { DEFAULT_ORIENTATIONS } from '../src/core/raster/orient.ts';
import type { BackendName } from '../src/model/backend.ts';
import { selectBackend } from '../src/model/backend.ts';
import { runSrdaStage, srdaHaloCoarsePx, warmUpSrda } from '../src/model/infer.ts';
import { initParams, MODEL_AUX, SRDA_SIZES } from '../src/model/srda-net.ts';
import {
  createSrdaModel,
  loadSrdaWeights,
  type SrdaModel,
  type SrdaWeightsSource,
} from '../src/model/weights.ts';
import type { StageMethod } from '../src/pipeline/method.ts';
import { createMethodFactory } from '../src/pipeline/methods.ts';

/** SRDA-Net as a pipeline stage method, and where it came from. */
export interface BenchSrda {
  method: StageMethod;
  /** `registry`: the project's own `srda` loader; `bench-adapter`: this file's wrapper around model/infer. */
  source: 'registry' | 'bench-adapter';
  /** False when no trained weights were found and He-initialised weights of the same size are timed. */
  trainedWeights: boolean;
  dispose(): void;
}

/** Options of `loadBenchSrda`. */
export interface BenchSrdaOptions {
  backend: BackendName;
  wasmPaths?: string;
  /** Browser: URL of model.json for the registry loader. */
  weightsUrl?: string;
  /** Weights for the fallback adapter (bytes read by the caller, or a URL). */
  weights?: SrdaWeightsSource;
}

function adapter(model: SrdaModel): StageMethod {
  return {
    id: 'srda',
    label: 'SRDA-Net',
    usesAux: ['ndvi', 'ndwi', 'albedo', 'dem'],
    haloCoarsePx: srdaHaloCoarsePx(model.config),
    async runStage(input, options) {
      const { width, height } = input.coarseLst;
      const fineAux: Partial<Record<(typeof MODEL_AUX)[number], Float32Array>> = {};
      for (const n of MODEL_AUX) if (input.fineAux[n]) fineAux[n] = input.fineAux[n]!.data;
      // The pipeline tiles with the halo already: one network call per pipeline tile and orientation (the default's one).
      const out = await runSrdaStage(
        model,
        { width, height, coarseLstK: input.coarseLst.data, fineAux },
        { tileCoarsePx: Math.max(width, height), signal: options?.signal, orientations: DEFAULT_ORIENTATIONS },
      );
      return out.lstK;
    },
  };
}

/**
 * Loads SRDA-Net for the benchmark on `backend`: the project's `srda` method when the registry has
 * one, otherwise a thin adapter over model/infer `runSrda` with the shipped weights, or with
 * He-initialised `small` weights when none are shipped yet (identical FLOPs, so timings hold).
 */
export async function loadBenchSrda(opts: BenchSrdaOptions): Promise<BenchSrda> {
  await selectBackend({ only: opts.backend, wasmPaths: opts.wasmPaths });
  const bytes =
    opts.weights && 'modelJson' in opts.weights && typeof opts.weights.modelJson === 'string'
      ? { modelJson: opts.weights.modelJson, weightData: opts.weights.weightData }
      : undefined;
  if (opts.weightsUrl || bytes) {
    try {
      const source: SrdaWeightsSource = bytes ?? { url: opts.weightsUrl! };
      const method = await createMethodFactory({
        readWeights: () => Promise.resolve(source),
        backend: opts.backend,
        wasmPaths: opts.wasmPaths,
        // The product's default: one network pass per tile.
        orientations: DEFAULT_ORIENTATIONS,
      }).load('srda');
      const owned = method as StageMethod & { dispose?: () => void };
      return { method, source: 'registry', trainedWeights: true, dispose: () => owned.dispose?.() };
    } catch (e) {
      if (!isAppError(e) || e.code !== 'MODEL_LOAD_FAILED') throw e;
    }
  }
  await selectBackend({ only: opts.backend, wasmPaths: opts.wasmPaths });
  let model: SrdaModel;
  let trained = false;
  if (opts.weights) {
    model = await loadSrdaWeights(opts.weights);
    trained = true;
  } else {
    const cfg = SRDA_SIZES.small;
    model = createSrdaModel(
      cfg,
      'small',
      tf.tidy(() => initParams(cfg, 7)),
    );
  }
  await warmUpSrda(model);
  return {
    method: adapter(model),
    source: 'bench-adapter',
    trainedWeights: trained,
    dispose: () => model.dispose(),
  };
}

/** Live tensors and bytes of the active tfjs backend. */
export function tfMemory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

/** The active tfjs backend's name. */
export function activeBackend(): string {
  return tf.getBackend();
}
