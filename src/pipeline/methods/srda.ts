import type { RunOptions } from '../../core/progress.ts';
import type { OrientationCount } from '../../core/raster/orient.ts';
import type { AuxName } from '../../core/raster/raster.ts';
import type { FinetuneReport } from '../../model/finetune.ts';
import type { FineAux } from '../../model/inputs.ts';
import type { SrdaStageOutput } from '../../model/infer.ts';
import { createSrdaRunner, type SrdaBackendInfo, type SrdaRunner, type SrdaRunnerOptions } from '../../model/runner.ts';
import { MODEL_AUX } from '../../model/srda-net.ts';
import type { SrdaWeightsSource } from '../../model/weights.ts';
import type { FittedStage, StageInput, StageMethod, StagePrediction } from '../method.ts';

export type { FinetuneReport } from '../../model/finetune.ts';
export type { BackendRequest, SrdaBackendInfo } from '../../model/runner.ts';

/** Options of the SRDA-Net method: the runner's, plus per-scene fine-tuning. */
export interface SrdaMethodOptions extends SrdaRunnerOptions {
  /** Per-scene fine-tuning steps before the first stage (0 = off). */
  finetuneSteps?: number;
}

/** The SRDA-Net stage method: what its runner chose (backend), did (notices) and tuned. */
export interface SrdaMethod extends StageMethod {
  readonly backend: SrdaBackendInfo;
  /** model.json facts (format, version, size) for reports. */
  readonly weights: SrdaRunner['meta'];
  /** Orientations each prediction averages over (1, 2 or 8, the `orientations` option): network passes per prediction. */
  readonly orientations: OrientationCount;
  /** Set after fine-tuning ran (first stage), kept or not. */
  readonly finetune?: FinetuneReport;
  /** What the runner did to survive a failing backend (device lost, out of memory), for the user. */
  readonly notices: readonly string[];
  /** Releases the runner's weights. */
  dispose(): void;
}

function stageAux(aux: StageInput['fineAux']): FineAux {
  const out: FineAux = {};
  for (const k of MODEL_AUX) if (aux[k]) out[k] = aux[k]!.data;
  return out;
}

/**
 * The `srda` StageMethod over an SRDA-Net runner (model/runner.ts), which it owns from here on
 * (`dispose` releases it). With `finetuneSteps` the method is global for its first stage: `fit`
 * fine-tunes the runner on the whole stage in closed loop at the coarse scale (the coarse LST as
 * truth), then tiles are predicted with the weights the runner kept; later stages reuse them.
 */
export function srdaMethodOf(runner: SrdaRunner, options: { finetuneSteps?: number } = {}): SrdaMethod {
  const predict = (input: StageInput, run?: RunOptions): Promise<SrdaStageOutput> =>
    runner.predict({ width: input.coarseLst.width, height: input.coarseLst.height, coarseLstK: input.coarseLst.data, fineAux: stageAux(input.fineAux), ...(input.core ? { core: input.core } : {}), ...(input.into ? { into: input.into } : {}), ...(input.scratch ? { scratch: input.scratch } : {}) }, run);
  const withSigma = async (input: StageInput, run?: RunOptions): Promise<StagePrediction> => {
    const o = await predict(input, run);
    return { lstK: o.lstK, sigmaK: o.sigmaK ?? new Float32Array(o.lstK.length).fill(Number.NaN) };
  };
  const lstOnly = async (input: StageInput, run?: RunOptions): Promise<Float32Array> => (await predict(input, run)).lstK;
  const steps = options.finetuneSteps ?? 0;
  let isTuned = false;
  const method: SrdaMethod = {
    id: 'srda',
    label: `SRDA-Net (${runner.size})`,
    usesAux: MODEL_AUX as readonly AuxName[],
    haloCoarsePx: steps > 0 ? Infinity : runner.haloCoarsePx,
    // Fine-tuning (`fit`) reads the whole stage's coarse guides; tiles need only the fine ones.
    readsCoarseAux: false,
    get backend() {
      return runner.backend;
    },
    weights: runner.meta,
    orientations: runner.orientations,
    get finetune() {
      return runner.finetuneReport;
    },
    notices: runner.notices,
    runStage: lstOnly,
    ...(runner.hasSigma ? { runStageWithSigma: withSigma } : {}),
    dispose: () => runner.dispose(),
  };
  if (steps > 0) {
    method.fit = async (input: StageInput, run?: RunOptions): Promise<FittedStage> => {
      if (!isTuned) {
        const { width, height, data } = input.coarseLst;
        await runner.finetune({ width, height, lstK: data, aux: stageAux(input.coarseAux) }, { steps, signal: run?.signal, onProgress: run?.onProgress });
        isTuned = true;
      }
      const report = runner.finetuneReport;
      return {
        haloCoarsePx: runner.haloCoarsePx,
        predictTile: lstOnly,
        ...(runner.hasSigma ? { predictTileWithSigma: withSigma } : {}),
        summary: report ? { finetune: report } : undefined,
      };
    };
  }
  return method;
}

/**
 * Creates the `srda` StageMethod on a fresh runner: starts the backend, loads and warms up the
 * weights (see `createSrdaRunner`). Throws MODEL_LOAD_FAILED / NO_BACKEND (AppError).
 */
export async function createSrdaMethod(weights: SrdaWeightsSource, options: SrdaMethodOptions = {}): Promise<SrdaMethod> {
  const { finetuneSteps, ...runnerOptions } = options;
  return srdaMethodOf(await createSrdaRunner(weights, runnerOptions), { finetuneSteps });
}
