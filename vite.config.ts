import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicy } from './scripts/csp-plugin.ts';

/** Files served beside the app: tfjs wasm binaries and the SRDA-Net weights (dev server and build). */
const MOUNTS = [
  { url: 'tfjs-wasm/', dir: 'node_modules/@tensorflow/tfjs-backend-wasm/dist', keep: (f: string) => f.endsWith('.wasm') },
  { url: 'models/srda-net/', dir: 'models/srda-net', keep: (f: string) => /\.(json|bin|md)$/.test(f) },
];
const MIME: Record<string, string> = { '.wasm': 'application/wasm', '.json': 'application/json', '.bin': 'application/octet-stream', '.md': 'text/markdown' };

function listFiles(dir: string, keep: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => keep(f) && statSync(join(dir, f)).isFile());
}

function servedAssets(): Plugin {
  return {
    name: 'srda-served-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]).replace(/^\//, '');
        const m = MOUNTS.find((x) => path.startsWith(x.url));
        const name = m ? path.slice(m.url.length) : '';
        if (!m || !name || name.includes('/') || !m.keep(name) || !existsSync(resolve(m.dir, name))) return next();
        res.setHeader('Content-Type', MIME[extname(name)] ?? 'application/octet-stream');
        res.end(readFileSync(resolve(m.dir, name)));
      });
    },
    // The service worker precaches every built file listed here, so the app works offline after the first visit.
    writeBundle(options) {
      const out = options.dir ?? 'dist';
      const files: string[] = [];
      const walk = (rel: string) => {
        for (const f of readdirSync(join(out, rel))) {
          const p = rel ? `${rel}/${f}` : f;
          if (statSync(join(out, p)).isDirectory()) walk(p);
          else if (!/\.map$|^sw\.js$|^precache\.json$|threaded|README\.md$/.test(p)) files.push(p);
        }
      };
      walk('');
      writeFileSync(join(out, 'precache.json'), JSON.stringify({ files: files.sort() }));
    },
    generateBundle() {
      for (const m of MOUNTS) {
        for (const f of listFiles(m.dir, m.keep)) this.emitFile({ type: 'asset', fileName: m.url + f, source: readFileSync(join(m.dir, f)) });
      }
    },
  };
}

/**
 * Cross-origin isolation (COOP + COEP), so the page may use SharedArrayBuffer (tfjs wasm threads).
 * `credentialless` rather than `require-corp`: the optional online basemap's tiles come from another
 * origin without a Cross-Origin-Resource-Policy header. Static hosts get the same headers from sw.js.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), servedAssets()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
