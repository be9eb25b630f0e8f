import { isAppError } from '../core/errors.ts';
import type { OrientationCount } from '../core/raster/orient.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { probeWebGl, probeWebGpu } from './backend-probe.ts';
import { BACKEND_ORDER, selectBackend, type BackendName } from './backend.ts';
import type { FinetuneReport } from './finetune.ts';
import type { FineAux } from './inputs.ts';
import { checkOrientations, runSrdaStage, srdaHaloCoarsePx, srdaNetworkHaloCoarsePx, warmUpSrda, type SrdaStageInput, type SrdaStageOutput } from './infer.ts';
import { loadSrdaWeights, type SrdaModel, type SrdaWeightsSource } from './weights.ts';

/** A backend by name, or `auto`: the fastest that works, GPUs on software rasterisers skipped. */
export type BackendRequest = BackendName | 'auto';

/** Options of `createSrdaRunner`. */
export interface SrdaRunnerOptions extends RunOptions {
  /** Default `auto`. An explicit backend is used as asked (NO_BACKEND when it does not start). */
  backend?: BackendRequest;
  /** Folder/URL of the tfjs-backend-wasm `.wasm` files (browser builds). */
  wasmPaths?: string;
  /** Backends to move to, in order, when the current one fails mid-run (default: those after it). */
  fallbackBackends?: BackendName[];
  /** Tile size (coarse px) of one network call; default: the whole input up to 640 px. */
  tileCoarsePx?: number;
  /**
   * 1 (default here: one pass), 2 or 8: each prediction the mean over that many orientations of
   * the input (`runSrdaStage`: the identity and the 180-degree rotation, or all eight mirrors,
   * rotations and transposes), n network passes. Else BAD_ARGUMENT.
   */
  orientations?: number;
}

/** The backend the runner is on, the GPU adapter when known, and why faster ones were not used. */
export interface SrdaBackendInfo {
  name: BackendName;
  adapter?: string;
  /** Why a faster backend was skipped or the runner left one, in words; absent when none was. */
  fallbackReason?: string;
  /** Each backend tried before `name` and why it was not used. */
  skipped: { backend: BackendName; reason: string }[];
}

/** A stage at the coarse scale for fine-tuning: LST (K) as the truth, aux on the same grid. */
export interface FinetuneScene {
  width: number;
  height: number;
  lstK: Float32Array;
  aux: FineAux;
}

/**
 * SRDA-Net ready to run: owns its weights (tensors), its backend and the failover between backends.
 * Everything it takes and returns is typed arrays; no tensor leaves it.
 */
export interface SrdaRunner {
  /** Model size of the weights (`tiny`, `small`, ...). */
  readonly size: string;
  /** model.json facts for reports. */
  readonly meta: { format: string; version: number; size: string };
  /** Halo in coarse pixels a caller that tiles a scene must give each tile (exact tiling). */
  readonly haloCoarsePx: number;
  /** True when the weights have an uncertainty head: `predict` then returns `sigmaK`. */
  readonly hasSigma: boolean;
  /** Orientations each prediction averages over (1, 2 or 8): network passes per prediction. */
  readonly orientations: OrientationCount;
  readonly backend: SrdaBackendInfo;
  /** What the runner did to survive a failing backend (device lost, out of memory), for the user. */
  readonly notices: readonly string[];
  /** The fine-tuning's report once `finetune` ran (kept or not). */
  readonly finetuneReport?: FinetuneReport;
  /**
   * One factor-2 stage: the fine LST (`2*width` x `2*height`, K, NaN under invalid coarse LST)
   * before residual correction, plus its standard deviation for models with `hasSigma`. The
   * caller owns the arrays. Moves to the next backend on a lost device or exhausted memory.
   */
  predict(input: SrdaStageInput, run?: RunOptions): Promise<SrdaStageOutput>;
  /**
   * Fine-tunes on the scene in closed loop at the coarse scale. The tuned weights replace the
   * pretrained ones only when they lower the held-out closed-loop RMSE (`report.kept`).
   * Cancelling leaves the pretrained weights in place.
   */
  finetune(scene: FinetuneScene, options: { steps: number } & RunOptions): Promise<FinetuneReport>;
  /** Releases the weights. Calls after it reject. */
  dispose(): void;
}

/** A failure after which the backend cannot go on as it is: a lost GPU device, or memory exhausted. */
export function backendFailure(e: unknown): 'device lost' | 'out of memory' | undefined {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  // A destroyed GPUDevice shows up in tfjs-webgpu as a rejected read-back (mapAsync) of a GPUBuffer.
  if (/device (is |was )?lost|devicelost|destroyed|context (was )?lost|CONTEXT_LOST|GPUBuffer|mapAsync/i.test(msg)) return 'device lost';
  if (/out of memory|\bOOM\b|failed to allocate|allocation fail|Array buffer allocation|could not allocate/i.test(msg)) return 'out of memory';
  return undefined;
}

/**
 * Starts a tfjs backend. `auto` tries webgpu -> webgl -> wasm -> cpu but skips GPU backends on a
 * software rasteriser (SwiftShader), where wasm is about 30-70x faster. An explicit backend is
 * used as asked, without fallback.
 */
async function startBackend(request: BackendRequest, wasmPaths: string | undefined): Promise<SrdaBackendInfo> {
  const gpu = await probeWebGpu();
  const gl = probeWebGl();
  const adapterOf = (name: BackendName): string | undefined => (name === 'webgpu' ? gpu.adapter : name === 'webgl' ? gl.adapter : undefined);
  if (request !== 'auto') {
    const r = await selectBackend({ only: request, wasmPaths });
    return { name: r.backend, adapter: adapterOf(r.backend), skipped: [] };
  }
  const skipped: SrdaBackendInfo['skipped'] = [];
  const order: BackendName[] = [];
  for (const [name, probe] of [['webgpu', gpu], ['webgl', gl]] as const) {
    if (probe.isUsable) order.push(name);
    else skipped.push({ backend: name, reason: probe.reason ?? 'not usable' });
  }
  for (const name of [...order, 'wasm', 'cpu'] as const) {
    try {
      const r = await selectBackend({ only: name, wasmPaths });
      const fallbackReason = skipped.length > 0 ? skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ') : undefined;
      return { name: r.backend, adapter: adapterOf(r.backend), fallbackReason, skipped };
    } catch (e) {
      skipped.push({ backend: name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  // cpu always starts in practice; if not, selectBackend's NO_BACKEND names each reason.
  const r = await selectBackend({ only: 'cpu', wasmPaths });
  return { name: r.backend, skipped };
}

async function loadWarm(weights: SrdaWeightsSource): Promise<SrdaModel> {
  const model = await loadSrdaWeights(weights);
  try {
    await warmUpSrda(model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function release(model: SrdaModel): void {
  try {
    model.dispose();
  } catch {
    // tensors of a lost device cannot always be released; they go with the device
  }
}

/**
 * Creates an SRDA-Net runner (tfjs-models style): starts the backend (`options.backend`, default
 * `auto`), loads and warms up the weights; progress `{stage: 'starting SRDA-Net'}` per step.
 * Throws MODEL_LOAD_FAILED / NO_BACKEND (AppError), CANCELLED when `signal` fires (nothing kept),
 * BAD_ARGUMENT for `orientations` other than 1, 2 or 8 (before starting anything).
 */
export async function createSrdaRunner(weights: SrdaWeightsSource, options: SrdaRunnerOptions = {}): Promise<SrdaRunner> {
  const { signal, onProgress } = options;
  const orientations = checkOrientations(options.orientations);
  onProgress?.({ stage: 'starting SRDA-Net', done: 0, total: 2, detail: 'backend' });
  let backend = await startBackend(options.backend ?? 'auto', options.wasmPaths);
  throwIfAborted(signal);
  onProgress?.({ stage: 'starting SRDA-Net', done: 1, total: 2, detail: 'weights' });
  let model = await loadWarm(weights);
  if (signal?.aborted) release(model);
  throwIfAborted(signal);
  onProgress?.({ stage: 'starting SRDA-Net', done: 2, total: 2 });
  const halo = srdaHaloCoarsePx(model.config);
  const notices: string[] = [];
  let tile = options.tileCoarsePx;
  let isTuned = false;
  let isDisposed = false;
  let report: FinetuneReport | undefined;

  // Out of memory: halve the tiles down to 64 px; then (and on a lost device) the next backend,
  // with the weights loaded again there. False when nothing is left to try.
  const recover = async (e: unknown): Promise<boolean> => {
    const kind = backendFailure(e);
    if (!kind) return false;
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 120);
    if (kind === 'out of memory' && (tile ?? 256) > 64) {
      tile = tile === undefined ? 128 : Math.max(64, Math.floor(tile / 2));
      notices.push(`SRDA-Net ran out of memory on ${backend.name} (${why}); continued with ${tile} px tiles.`);
      return true;
    }
    const later = options.fallbackBackends ?? BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(backend.name) + 1);
    for (const name of later.filter((b) => b !== backend.name)) {
      try {
        await selectBackend({ only: name, wasmPaths: options.wasmPaths });
        const fresh = await loadWarm(weights);
        release(model);
        model = fresh;
        const notice = `SRDA-Net: the ${backend.name} backend failed (${kind}: ${why}); continued on ${name}${isTuned ? ' with the pretrained weights (fine-tuning lost)' : ''}.`;
        notices.push(notice);
        backend = { name, fallbackReason: notice, skipped: [...backend.skipped, { backend: backend.name, reason: `${kind}: ${why}` }] };
        isTuned = false;
        return true;
      } catch {
        // that backend does not work either: try the next one
      }
    }
    return false;
  };

  const checkAlive = (): void => {
    if (isDisposed) throw new Error('SRDA-Net runner used after dispose()');
  };

  return {
    size: model.size,
    meta: { format: model.meta.format, version: model.meta.version, size: model.meta.size },
    haloCoarsePx: halo,
    hasSigma: Boolean(model.config.sigma),
    orientations,
    get backend() {
      return backend;
    },
    notices,
    get finetuneReport() {
      return report;
    },
    async predict(input, run = {}) {
      checkAlive();
      for (let attempt = 0; ; attempt++) {
        try {
          // A caller that tiles passes tiles that already carry the halo: one network call per tile
          // (an inner 256 px tiling cut them into 4 calls with their own halos, ~1.4x the work), on
          // the tile's core plus the network halo (the rest of the halo only feeds the local means,
          // which runSrdaStage computes on the whole input).
          const keep = input.core ?? input;
          const callTile = tile ?? Math.min(640, Math.max(keep.width, keep.height));
          return await runSrdaStage(model, input, { ...run, tileCoarsePx: callTile, haloCoarsePx: srdaNetworkHaloCoarsePx(model.config), orientations });
        } catch (e) {
          if ((isAppError(e) && e.code === 'CANCELLED') || attempt >= 8 || !(await recover(e))) throw e;
        }
      }
    },
    async finetune(scene, { steps, signal: stop, onProgress: progress }) {
      checkAlive();
      // Loaded on first use: training code (and the tfjs parts it registers) stays out of inference workers.
      const { finetuneSrda } = await import('./finetune.ts');
      const res = await finetuneSrda(model, scene, { steps, signal: stop, onProgress: progress });
      // finetuneSrda returns a fresh model either way: the tuned weights, or a copy of the pretrained.
      release(model);
      model = res.model;
      report = res.report;
      isTuned = res.report.kept;
      return res.report;
    },
    dispose() {
      if (isDisposed) return;
      isDisposed = true;
      release(model);
    },
  };
}
