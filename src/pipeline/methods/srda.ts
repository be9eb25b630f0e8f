import type { RunOptions } from '../../core/progress.ts';
import type { AuxName } from '../../core/raster/raster.ts';
import { isAppError } from '../../core/errors.ts';
import { BACKEND_ORDER, selectBackend, type BackendChoice, type BackendName } from '../../model/backend.ts';
import { finetuneSrda, type FinetuneReport } from '../../model/finetune.ts';
import type { FineAux } from '../../model/inputs.ts';
import { runSrdaStage, srdaHaloCoarsePx, warmUpSrda, type SrdaStageOutput } from '../../model/infer.ts';
import { MODEL_AUX } from '../../model/srda-net.ts';
import { loadSrdaWeights, type SrdaModel, type SrdaWeightsSource } from '../../model/weights.ts';
import type { FittedStage, StageInput, StageMethod, StagePrediction } from '../method.ts';

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
  /** Backends to move to, in order, when the current one fails mid-run (default: those after it in BACKEND_ORDER). */
  fallbackBackends?: BackendName[];
}

/** The SRDA-Net stage method plus what it chose (backend, fine-tuning report). */
export interface SrdaMethod extends StageMethod {
  readonly backend: BackendChoice;
  readonly model: SrdaModel;
  /** Set after fine-tuning ran (first stage). */
  finetune?: FinetuneReport;
  /** What the method did to survive a failing backend (device lost, out of memory), for the user. */
  readonly notices: string[];
}

/** A failure after which the backend cannot go on as it is: a lost GPU device, or memory exhausted. */
export function backendFailure(e: unknown): 'device lost' | 'out of memory' | undefined {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  // A destroyed GPUDevice shows up in tfjs-webgpu as a rejected read-back (mapAsync) of a GPUBuffer.
  if (/device (is |was )?lost|devicelost|destroyed|context (was )?lost|CONTEXT_LOST|GPUBuffer|mapAsync/i.test(msg)) return 'device lost';
  if (/out of memory|\bOOM\b|failed to allocate|allocation fail|Array buffer allocation|could not allocate/i.test(msg)) return 'out of memory';
  return undefined;
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
  const predict = (m: SrdaModel, input: StageInput, run?: RunOptions): Promise<SrdaStageOutput> =>
    runSrdaStage(
      m,
      { width: input.coarseLst.width, height: input.coarseLst.height, coarseLstK: input.coarseLst.data, fineAux: stageAux(input.fineAux) },
      // The pipeline's tile already carries the halo: one network call per tile (a 256 px inner
      // tile cut it into 4 calls with their own halos, ~1.4x the work); whole scenes in 640 px calls.
      { ...run, tileCoarsePx: tile ?? Math.min(640, Math.max(input.coarseLst.width, input.coarseLst.height)), haloCoarsePx: halo },
    );
  let tuned = false;
  let choice = backend;
  let tile = options.tileCoarsePx;
  const notices: string[] = [];
  // Out of memory: halve the tiles down to 64 px; then (and on a lost device) the next backend,
  // with the weights loaded again there. Returns false when nothing is left to try.
  const recover = async (e: unknown): Promise<boolean> => {
    const kind = backendFailure(e);
    if (!kind) return false;
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 120);
    if (kind === 'out of memory' && (tile ?? 256) > 64) {
      tile = tile === undefined ? 128 : Math.max(64, Math.floor(tile / 2));
      notices.push(`SRDA-Net ran out of memory on ${choice.backend} (${why}); continued with ${tile} px tiles.`);
      return true;
    }
    const later = options.fallbackBackends ?? BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(choice.backend) + 1);
    for (const name of later.filter((b) => b !== choice.backend)) {
      try {
        const next = await selectBackend({ only: name, wasmPaths: options.wasmPaths });
        const fresh = await loadSrdaWeights(source);
        await warmUpSrda(fresh);
        try {
          model.dispose();
        } catch {
          // tensors of a lost device cannot always be released; they go with the device
        }
        model = fresh;
        notices.push(`SRDA-Net: the ${choice.backend} backend failed (${kind}: ${why}); continued on ${name}${tuned ? ' with the pretrained weights (fine-tuning lost)' : ''}.`);
        choice = next;
        return true;
      } catch {
        // that backend does not work either: try the next one
      }
    }
    return false;
  };
  const withSigma = (o: SrdaStageOutput): StagePrediction => ({ lstK: o.lstK, sigmaK: o.sigmaK ?? new Float32Array(o.lstK.length).fill(Number.NaN) });
  const predictSafe = async (input: StageInput, run?: RunOptions): Promise<SrdaStageOutput> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await predict(model, input, run);
      } catch (e) {
        if ((isAppError(e) && e.code === 'CANCELLED') || attempt >= 8 || !(await recover(e))) throw e;
      }
    }
  };
  const method: SrdaMethod = {
    id: 'srda',
    label: `SRDA-Net (${model.size})`,
    usesAux: MODEL_AUX as readonly AuxName[],
    haloCoarsePx: options.finetuneSteps ? Infinity : halo,
    get backend() {
      return choice;
    },
    get model() {
      return model;
    },
    notices,
    runStage: async (input, run) => (await predictSafe(input, run)).lstK,
  };
  if (model.config.sigma) method.runStageWithSigma = async (input, run) => withSigma(await predictSafe(input, run));
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
      return {
        haloCoarsePx: halo,
        predictTile: async (i, o) => (await predictSafe(i, o)).lstK,
        ...(model.config.sigma ? { predictTileWithSigma: async (i: StageInput, o?: RunOptions) => withSigma(await predictSafe(i, o)) } : {}),
        summary: method.finetune ? { finetune: method.finetune } : undefined,
      };
    };
  }
  return method;
}
