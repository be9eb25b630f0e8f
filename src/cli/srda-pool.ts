import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../model/backend.ts';
import type { SrdaBackendInfo } from '../model/runner.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import { poolMethod, type PooledMethod } from '../pipeline/tile-pool.ts';
import { connectTileWorker, type TilePort } from '../pipeline/tile-worker.ts';

/** SRDA-Net weights as read from disk (cli/srda-weights.ts `readSrdaWeights`). */
export type SrdaWeightBytes = { modelJson: SrdaModelJson | string; weightData: ArrayBuffer };

/** Options of `createSrdaPool`. */
export interface SrdaPoolOptions {
  /** Number of worker threads (>= 1). */
  jobs: number;
  /** tfjs backend in each worker (default: the fastest that works there, wasm in Node). */
  backend?: BackendName;
}

/** The CLI's SRDA-Net on a pool of worker threads, plus what the workers chose. */
export interface SrdaPool extends PooledMethod {
  readonly backend: SrdaBackendInfo;
}

const live = new Set<Worker>();

/**
 * Ends every SRDA-Net worker thread of this process at once, those still starting included (the
 * pool being created then rejects): for a command that fails on its inputs meanwhile.
 */
export async function terminateSrdaWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.terminate()));
  live.clear();
}

let bundled: Promise<URL | undefined> | undefined;

/**
 * The worker entry and everything it imports from src/ as one ES module in the temp folder, built
 * once per process by esbuild (the compiler tsx runs on): a worker that loads it needs no tsx of
 * its own (~20 MB less per worker thread). Packages stay outside, imported by absolute path.
 * Undefined when it cannot be built: the workers then load the sources through tsx.
 */
function workerModule(): Promise<URL | undefined> {
  bundled ??= (async () => {
    try {
      const { build } = await import('esbuild');
      const require = createRequire(import.meta.url);
      const r = await build({
        entryPoints: [fileURLToPath(new URL('./srda-tile-worker.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        logLevel: 'silent',
        plugins: [
          {
            name: 'packages-by-path',
            setup(b) {
              // The threaded wasm build's source text (a bundler `?raw` import) starts pthreads in
              // cross-origin-isolated pages only; Node never does.
              b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: a.path, namespace: 'raw-stub' }));
              // Fine-tuning (imported on demand, with the whole @tensorflow/tfjs bundle for its
              // gradients) never runs in a pool worker: leave it out of the bundle.
              b.onResolve({ filter: /\/finetune\.ts$/ }, (a) =>
                a.kind === 'dynamic-import' ? { path: pathToFileURL(path.join(a.resolveDir, a.path)).href, external: true } : undefined,
              );
              b.onLoad({ filter: /.*/, namespace: 'raw-stub' }, () => ({ contents: 'export default "";', loader: 'js' }));
              b.onResolve({ filter: /^[^./]/ }, (a) =>
                a.path.startsWith('node:') ? { external: true } : { path: pathToFileURL(require.resolve(a.path, { paths: [a.resolveDir] })).href, external: true },
              );
            },
          },
        ],
      });
      const code = r.outputFiles[0].text;
      const file = path.join(os.tmpdir(), `srda-lst-tile-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
      if (!existsSync(file)) {
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, code);
        await rename(tmp, file);
      }
      return pathToFileURL(file);
    } catch {
      return undefined;
    }
  })();
  return bundled;
}

// A worker on the bundled entry, or (when it could not be built) on the sources through tsx, as
// bin/srda-lst.js runs the main thread.
function spawn(bundle: URL | undefined): TilePort {
  const entry = new URL('./srda-tile-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = bundle ? new Worker(bundle) : new Worker(code, { eval: true });
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => worker.on('message', handler),
    onFailure: (handler) => {
      worker.on('error', (e) => handler(e.message));
      worker.on('exit', (code) => handler(`thread exited (code ${code})`));
    },
    terminate: () => {
      worker.removeAllListeners('exit');
      return worker.terminate();
    },
  };
}

/**
 * Starts `jobs` worker threads, each loading SRDA-Net from `weights` on its own tfjs backend, and
 * returns them as one tiled StageMethod (`concurrency = jobs`): the pipeline then runs that many
 * tiles at once, with output bit-identical to one worker. `close()` ends the threads.
 * MODEL_LOAD_FAILED / NO_BACKEND as `createSrdaMethod` in a worker.
 */
export async function createSrdaPool(weights: SrdaWeightBytes, options: SrdaPoolOptions): Promise<SrdaPool> {
  const jobs = Math.max(1, Math.floor(options.jobs));
  const bundle = await workerModule();
  // Each worker gets its own copy of the weights (transferred, so the main thread keeps none).
  const started = await Promise.allSettled(
    Array.from({ length: jobs }, () => {
      const weightData = weights.weightData.slice(0);
      return connectTileWorker(
        spawn(bundle),
        { type: 'init', weights: { modelJson: weights.modelJson, weightData }, backend: options.backend },
        [weightData],
      );
    }),
  );
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((w) => w.runner.close()));
    throw failed.reason;
  }
  const first = ok[0].ready;
  const pool = poolMethod(
    // SRDA-Net tiles read only the fine guides (pipeline/methods/srda.ts).
    { id: 'srda', label: first.label, usesAux: first.usesAux, haloCoarsePx: first.haloCoarsePx, readsCoarseAux: false },
    ok.map((w) => w.runner),
  );
  return Object.assign(pool, {
    backend: { name: first.backend, skipped: [] } satisfies SrdaBackendInfo,
  });
}
