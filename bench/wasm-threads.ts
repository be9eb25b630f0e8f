import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../src/model/backend.ts';
import { runSrda, warmUpSrda } from '../src/model/infer.ts';
import { loadSrdaWeights, type SrdaWeightsSource } from '../src/model/weights.ts';
import { syntheticStage } from './tf-kernels.ts';

/** One SRDA-Net stage tile on wasm with `threads` XNNPACK threads: the median time and the output. */
export interface ThreadsTiming {
  threadsAsked: number;
  /** Threads the backend runs with (1 where the page is not cross-origin isolated). */
  threads: number;
  isolated: boolean;
  tilePx: number;
  msPerTile: number;
  times: number[];
  /** The stage output (4 x tilePx^2 values, K), to compare thread counts. */
  output: number[];
}

/** Times the shipped SRDA-Net on one tile with `threads` wasm threads (one page, one backend init). */
export async function timeThreads(o: { threads: number; tilePx: number; reps: number; wasmPaths: string; weights: SrdaWeightsSource }): Promise<ThreadsTiming> {
  await selectBackend({ only: 'wasm', wasmPaths: o.wasmPaths, wasmThreads: o.threads });
  const model = await loadSrdaWeights(o.weights);
  try {
    await warmUpSrda(model);
    const input = syntheticStage(o.tilePx);
    let out = await runSrda(model, input, { tileCoarsePx: o.tilePx });
    const times: number[] = [];
    for (let r = 0; r < o.reps; r++) {
      const t = performance.now();
      out = await runSrda(model, input, { tileCoarsePx: o.tilePx });
      times.push(performance.now() - t);
    }
    return {
      threadsAsked: o.threads,
      threads: getThreadsCount(),
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      tilePx: o.tilePx,
      msPerTile: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)],
      times,
      output: Array.from(out),
    };
  } finally {
    model.dispose();
  }
}
