import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const bundles = new Map<string, Promise<URL | undefined>>();

/**
 * A worker entry (a src/cli file URL) and everything it imports from src/ as one ES module in the
 * temp folder, built once per process by esbuild (the compiler tsx runs on): a worker that loads
 * it needs no tsx of its own (~20 MB less per worker thread). Packages stay outside, imported by
 * absolute path. Undefined when it cannot be built: the workers then load the sources through tsx.
 */
export function workerModule(entry: URL): Promise<URL | undefined> {
  let bundled = bundles.get(entry.href);
  if (!bundled) {
    bundled = buildWorkerModule(entry);
    bundles.set(entry.href, bundled);
  }
  return bundled;
}

async function buildWorkerModule(entry: URL): Promise<URL | undefined> {
  try {
    const { build } = await import('esbuild');
    const require = createRequire(import.meta.url);
    const r = await build({
      entryPoints: [fileURLToPath(entry)],
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
    const name = path.basename(fileURLToPath(entry)).replace(/\.ts$/, '');
    const file = path.join(os.tmpdir(), `srda-lst-${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, code);
      await rename(tmp, file);
    }
    return pathToFileURL(file);
  } catch {
    return undefined;
  }
}

/**
 * A worker thread on `entry`'s bundle (`workerModule`), or, when it could not be built, on the
 * sources through tsx, as bin/srda-lst.js runs the main thread. `ownFlags` false: a bundled worker
 * starts without this process's Node flags (a `--import tsx` would load tsx there too, ~0.5 s).
 */
export function startWorkerThread(entry: URL, bundle: URL | undefined, ownFlags = true): Worker {
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return bundle ? new Worker(bundle, ownFlags ? {} : { execArgv: [] }) : new Worker(code, { eval: true });
}

/**
 * A worker thread's failure and end as a request pool's port has them (pipeline/request-pool.ts,
 * the tile pool): `onFailure` hears an uncaught error or an exit, and `terminate` ends the thread
 * without that exit being heard as a failure.
 */
export function threadPort(worker: Worker): { onFailure(handler: (why: string) => void): void; terminate(): Promise<number> } {
  return {
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
