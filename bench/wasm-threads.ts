import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../src/model/backend.ts';
import { runSrda, warmUpSrda } from '../src/model/infer.ts';
import { loadSrdaWeights, type SrdaWeightsSource } from '../src/model/weights.ts';

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

/** A smooth deterministic stage input (the timing does not depend on the values). */
function stageInput(n: number) {
  const coarse = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) coarse[y * n + x] = 300 + 5 * Math.sin(x / 9) * Math.cos(y / 13);
  const f = 2 * n;
  const mk = (g: (x: number, y: number) => number) => {
    const a = new Float32Array(f * f);
    for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) a[y * f + x] = g(x, y);
    return a;
  };
  return {
    width: n,
    height: n,
    coarseLstK: coarse,
    fineAux: {
      ndvi: mk((x, y) => 0.4 + 0.3 * Math.sin(x / 7 + y / 11)),
      ndwi: mk((x, y) => 0.1 * Math.cos(x / 5 - y / 17)),
      albedo: mk((x) => 0.18 + 0.05 * Math.sin(x / 23)),
      dem: mk((x, y) => 200 + 80 * Math.sin(y / 31) + 20 * Math.cos(x / 19)),
    },
  };
}

/** Times the shipped SRDA-Net on one tile with `threads` wasm threads (one page, one backend init). */
export async function timeThreads(o: { threads: number; tilePx: number; reps: number; wasmPaths: string; weights: SrdaWeightsSource }): Promise<ThreadsTiming> {
  await selectBackend({ only: 'wasm', wasmPaths: o.wasmPaths, wasmThreads: o.threads });
  const model = await loadSrdaWeights(o.weights);
  try {
    await warmUpSrda(model);
    const input = stageInput(o.tilePx);
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
