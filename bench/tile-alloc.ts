// Bytes a tile worker allocates per tile in typed arrays and ArrayBuffers, in steady state:
// `npx tsx bench/tile-alloc.ts [--tiles N]`. One SRDA-Net tile worker (shipped weights, wasm, the
// same serveTileWorker as the CLI's and the app's workers) on an in-process channel runs N tiles of
// the full tile's stage 2 (296 x 296 coarse px: a 240 px core and the 28 px halo) with NDVI and DEM
// packed, detail-weighted, its results handed back as the pipeline does. Counted: typed arrays and
// ArrayBuffers constructed with a length or copied from an array, and the results of slice, map and
// filter (tfjs's downloads are slices of the wasm heap); views of existing buffers are not. Prints
// one JSON line: per tile the bytes allocated, V8's collections, and the heap and external memory.
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({ options: { tiles: { type: 'string', default: '12' } } });
let bytes = 0;
const ctors = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int16Array', 'Int32Array', 'Uint8Array', 'Uint16Array', 'Uint32Array'] as const;
const g = globalThis as unknown as Record<string, unknown>;
for (const name of ctors) {
  const C = g[name] as { new (...a: unknown[]): { byteLength: number } };
  g[name] = new Proxy(C, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget) as { byteLength: number };
      // A view of an existing buffer allocates nothing.
      if (!(args[0] instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== 'undefined' && args[0] instanceof SharedArrayBuffer)) bytes += made.byteLength;
      return made;
    },
  });
}
const typedProto = Object.getPrototypeOf(Float32Array.prototype) as Record<string, (...a: unknown[]) => { byteLength: number }>;
for (const m of ['slice', 'map', 'filter']) {
  const orig = typedProto[m];
  typedProto[m] = function (this: unknown, ...a: unknown[]) {
    const r = orig.apply(this, a);
    bytes += r.byteLength;
    return r;
  };
}

let gcs = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcs++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

const { connectTileWorker, serveTileWorker } = await import('../src/pipeline/tile-worker.ts');
const { readSrdaWeights } = await import('../src/cli/srda-weights.ts');
const { packRaster } = await import('../src/core/raster/pack-raster.ts');
const { testGrid, testRaster } = await import('../src/pipeline/test-scenes.ts');

const handlers: { main?: (m: unknown) => void; worker?: (m: unknown) => void } = {};
const to = (side: 'main' | 'worker') => (msg: unknown) => void setTimeout(() => handlers[side]?.(msg), 0);
serveTileWorker({ postMessage: to('main'), onMessage: (h) => (handlers.worker = h) });
const weights = await readSrdaWeights();
const { runner } = await connectTileWorker({ postMessage: to('worker'), onMessage: (h) => (handlers.main = h) }, { type: 'init', weights, backend: 'wasm' });

const W = 296;
const core = { col: 28, row: 28, width: 240, height: 240 };
function tile(seed: number) {
  const coarseLst = testRaster(testGrid(W, W, 1000), (c, r) => 295 + seed + 2 * Math.sin((c + seed) / 7) - 0.02 * r);
  const fine = testGrid(2 * W, 2 * W, 500);
  const ndvi = packRaster(testRaster(fine, (c, r) => Math.fround(Math.round(3000 + 2500 * Math.sin((c + seed) / 9) * Math.cos(r / 13)) * 0.0001)))!;
  const dem = packRaster(testRaster(fine, (c, r) => Math.round(200 + 30 * Math.sin((r + seed) / 15) + c / 10)))!;
  return { coarseLst, fineGrid: fine, fineAux: {}, coarseAux: {}, core, packedFineAux: { ndvi, dem } };
}
const n = Number(v.tiles);
const inputs = Array.from({ length: n }, (_, k) => tile(k));
const rows: { tile: number; allocatedMB: number; gcs: number; gcMs: number; heapUsedMB: number; arrayBuffersMB: number; checksum: number }[] = [];
for (let k = 0; k < n; k++) {
  const b0 = bytes;
  const g0 = gcs;
  const gm0 = gcMs;
  const r = await runner.runTileWeighted!(inputs[k], 0.8);
  let sum = 0;
  for (let i = 0; i < r.lstK.length; i += 97) if (r.lstK[i] === r.lstK[i]) sum += r.lstK[i];
  runner.recycle?.([r.lstK, r.sigmaK, ...(r.carriedVarK2 ? [r.carriedVarK2] : [])]);
  const m = process.memoryUsage();
  rows.push({ tile: k, allocatedMB: +((bytes - b0) / 1e6).toFixed(2), gcs: gcs - g0, gcMs: +(gcMs - gm0).toFixed(1), heapUsedMB: +(m.heapUsed / 1e6).toFixed(1), arrayBuffersMB: +(m.arrayBuffers / 1e6).toFixed(1), checksum: +sum.toFixed(3) });
}
await runner.close();
const steady = rows.slice(2);
const mean = (f: (r: (typeof rows)[number]) => number): number => steady.reduce((s, r) => s + f(r), 0) / steady.length;
console.log(JSON.stringify({ tiles: n, steadyAllocatedMBPerTile: +mean((r) => r.allocatedMB).toFixed(2), steadyGcsPerTile: +mean((r) => r.gcs).toFixed(2), rows }));
