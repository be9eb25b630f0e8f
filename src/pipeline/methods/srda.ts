import type { RunOptions } from '../../core/progress.ts';
import type { AuxName } from '../../core/raster/raster.ts';
import { selectBackend, type BackendChoice, type BackendName } from '../../model/backend.ts';
import { finetuneSrda, type FinetuneReport } from '../../model/finetune.ts';
import type { FineAux } from '../../model/inputs.ts';
import { runSrda, srdaHaloCoarsePx, warmUpSrda } from '../../model/infer.ts';
import { MODEL_AUX } from '../../model/srda-net.ts';
import { loadSrdaWeights, type SrdaModel, type SrdaWeightsSource } from '../../model/weights.ts';
import type { FittedStage, StageInput, StageMethod } from '../method.ts';

/** Options of the SRDA-Net method. */
export interface SrdaMethodOptions {
  /** Force a tfjs backend; default: the fastest that works (webgpu -> webgl -> wasm -> cpu). */
  backend?: BackendName;
  /** Folder/URL of the tfjs-backend-wasm `.wasm` files (browser builds). */
  wasmPaths?: string;
  /** Per-scene fine-tuning steps before the first stage (0 = off). */
  finetuneSteps?: number;
  /** Tile size (coarse px) inside one call; the pipeline's tiles are usually smaller. */
  tileCoarsePx?: number;
}

/** The SRDA-Net stage method plus what it chose (backend, fine-tuning report). */
export interface SrdaMethod extends StageMethod {
  readonly backend: BackendChoice;
  readonly model: SrdaModel;
  /** Set after fine-tuning ran (first stage). */
  finetune?: FinetuneReport;
}

function stageAux(aux: StageInput['fineAux']): FineAux {
  const out: FineAux = {};
  for (const k of MODEL_AUX) if (aux[k]) out[k] = aux[k]!.data;
  return out;
}

/**
 * Creates the `srda` StageMethod: loads the weights, selects and warms up the backend. With
 * `finetuneSteps`, the method is global for its first stage: `fit` fine-tunes on the whole stage
 * in closed loop at the coarse scale (the coarse LST as truth), then predicts tiles with the
 * tuned weights; later stages reuse them. Throws MODEL_LOAD_FAILED / NO_BACKEND (AppError).
 */
export async function createSrdaMethod(source: SrdaWeightsSource, options: SrdaMethodOptions = {}): Promise<SrdaMethod> {
  const backend = await selectBackend({ only: options.backend, wasmPaths: options.wasmPaths });
  let model = await loadSrdaWeights(source);
  await warmUpSrda(model);
  const halo = srdaHaloCoarsePx(model.config);
  const predict = (m: SrdaModel, input: StageInput, run?: RunOptions): Promise<Float32Array> =>
    runSrda(
      m,
      { width: input.coarseLst.width, height: input.coarseLst.height, coarseLstK: input.coarseLst.data, fineAux: stageAux(input.fineAux) },
      { ...run, tileCoarsePx: options.tileCoarsePx ?? 256, haloCoarsePx: halo },
    );
  let tuned = false;
  const method: SrdaMethod = {
    id: 'srda',
    label: `SRDA-Net (${model.size})`,
    usesAux: MODEL_AUX as readonly AuxName[],
    haloCoarsePx: options.finetuneSteps ? Infinity : halo,
    backend,
    get model() {
      return model;
    },
    runStage: (input, run) => predict(model, input, run),
  };
  if (options.finetuneSteps) {
    method.fit = async (input: StageInput, run?: RunOptions): Promise<FittedStage> => {
      if (!tuned) {
        const res = await finetuneSrda(
          model,
          { width: input.coarseLst.width, height: input.coarseLst.height, lstK: input.coarseLst.data, aux: stageAux(input.coarseAux) },
          { steps: options.finetuneSteps!, signal: run?.signal, onProgress: run?.onProgress },
        );
        model.dispose();
        model = res.model;
        method.finetune = res.report;
        tuned = true;
      }
      return { haloCoarsePx: halo, predictTile: (i, o) => predict(model, i, o), summary: method.finetune ? { finetune: method.finetune } : undefined };
    };
  }
  return method;
}
