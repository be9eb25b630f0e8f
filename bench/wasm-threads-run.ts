// SRDA-Net on the wasm backend in headless Chromium with 1 and with N XNNPACK threads (the bench
// page served cross-origin isolated): ms per tile each way and the largest difference between the
// outputs. Prints one JSON line. usage: npx tsx bench/wasm-threads-run.ts [--tile 128] [--reps 5] [--threads 2]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumArgs, chromiumPath } from '../e2e/chromium.ts';
import type { BenchApi } from './browser/bench-page.ts';
import type { ThreadsTiming } from './wasm-threads.ts';

const { values: v } = parseArgs({
  options: { tile: { type: 'string', default: '128' }, reps: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' } },
});
const configFile = resolve(import.meta.dirname, 'vite.config.ts');

await build({ configFile, logLevel: 'warn' });
const server = await preview({ configFile, preview: { host: '127.0.0.1', port: 4183, strictPort: false } });
const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:4183/';
const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] });
const runs: ThreadsTiming[] = [];
try {
  // One page per thread count: the wasm backend takes its thread count once, at start.
  for (const threads of [1, Number(v.threads), 1]) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 60_000 });
    runs.push(
      await page.evaluate((o) => (window as unknown as { __bench: BenchApi }).__bench.threads(o), {
        threads,
        tilePx: Number(v.tile),
        reps: Number(v.reps),
      }),
    );
    await page.close();
  }
} finally {
  await browser.close();
  await new Promise<void>((done) => server.httpServer.close(() => done()));
}
const [one, many] = runs;
let maxAbs = 0;
let nanMismatch = 0;
let differing = 0;
for (let i = 0; i < one.output.length; i++) {
  const a = one.output[i];
  const b = many.output[i];
  if (Number.isNaN(a) !== Number.isNaN(b)) nanMismatch++;
  else if (!Number.isNaN(a) && a !== b) {
    differing++;
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
  }
}
process.stdout.write(
  `${JSON.stringify({
    tilePx: one.tilePx,
    isolated: many.isolated,
    runs: runs.map((r) => ({ threadsAsked: r.threadsAsked, threads: r.threads, msPerTile: Math.round(r.msPerTile), times: r.times.map(Math.round) })),
    outputs: { values: one.output.length, differing, maxAbsK: maxAbs, nanMismatch },
  })}\n`,
);
