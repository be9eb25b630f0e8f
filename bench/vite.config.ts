import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const repoRoot = resolve(import.meta.dirname, '..');

/** Output folder of the bench page build (outside the repository; one per checkout, so two checkouts can bench at once). */
export const BENCH_PAGE_DIR = join(
  os.tmpdir(),
  'srda-lst-bench',
  `page-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`,
);

/** Emits the tfjs wasm binaries and the SRDA-Net weights beside the page; serves the scene folder in preview. */
function benchAssets(): Plugin {
  const mounts = [
    {
      url: 'tfjs-wasm/',
      dir: join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
      keep: (f: string) => f.endsWith('.wasm'),
    },
    {
      url: 'models/srda-net/',
      dir: join(repoRoot, 'models/srda-net'),
      keep: (f: string) => /\.(json|bin)$/.test(f),
    },
  ];
  return {
    name: 'srda-bench-assets',
    generateBundle() {
      for (const m of mounts) {
        if (!existsSync(m.dir)) continue;
        for (const f of readdirSync(m.dir)) {
          if (m.keep(f) && statSync(join(m.dir, f)).isFile())
            this.emitFile({ type: 'asset', fileName: m.url + f, source: readFileSync(join(m.dir, f)) });
        }
      }
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const sceneDir = process.env.SRDA_BENCH_SCENE_DIR;
        const m = /^\/scene\/([^/?]+)/.exec(req.url ?? '');
        if (!m || !sceneDir) return next();
        const file = join(sceneDir, basename(decodeURIComponent(m[1])));
        if (!existsSync(file)) {
          res.statusCode = 404;
          return res.end();
        }
        res.setHeader('Content-Type', 'image/tiff');
        res.setHeader('Content-Length', String(statSync(file).size));
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  root: resolve(import.meta.dirname, 'browser'),
  base: './',
  plugins: [benchAssets()],
  logLevel: 'warn',
  build: {
    outDir: BENCH_PAGE_DIR,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8192,
    // bench/browser-run.ts --cpu-prof: function names as in the sources.
    ...(process.env.SRDA_BENCH_NO_MINIFY ? { minify: false } : {}),
  },
  // Cross-origin isolated like the app (vite.config.ts), so the wasm threads can be timed.
  preview: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'credentialless' } },
});
