import type { BackendName } from '../../src/model/backend.ts';
import type { Raster } from '../../src/core/raster/raster.ts';
import { readGeoTiff } from '../../src/io/geotiff-read.ts';
import { writeGeoTiffAsync } from '../../src/io/geotiff-write.ts';
import { refineGrid } from '../../src/core/geo/grid.ts';
import { upsample } from '../../src/core/raster/resample.ts';
import { bicubicMethod } from '../../src/pipeline/baselines/bicubic.ts';
import { runDownscale, type DownscaleResult } from '../../src/pipeline/downscale.ts';
import { prepareScene } from '../../src/pipeline/prepare.ts';
import { BENCH_FILE_NAMES, makeBenchScene } from '../fixtures.ts';
import { benchPipeline, type PipelineTiming } from '../pipeline-run.ts';
import { activeBackend, loadBenchSrda, tfMemory } from '../srda-stage.ts';
import { benchTiles, type TileTiming } from '../tf-kernels.ts';
import { timeThreads, type ThreadsTiming } from '../wasm-threads.ts';
import type { SrdaMethod } from '../../src/pipeline/methods/srda.ts';
import { appInferenceWorkers, poolSrdaInWebWorkers } from '../../src/worker/tile-pool-web.ts';
import { writeGeoTiffBlob } from '../../src/worker/geotiff-blob.ts';
import { setDeflateCodec, webStreamsCodec, type DeflateCodec } from '../../src/io/deflate-codec.ts';
import { isAppError } from '../../src/core/errors.ts';
import { appDeflateWorkers, startDeflateWorkers } from '../../src/worker/deflate-pool-web.ts';
import { keptLayerWorkers } from '../../src/worker/layer-pool-web.ts';
import { WGS84 } from '../../src/core/geo/crs.ts';

const base = new URL('./', location.href).href;
const wasmPaths = `${base}tfjs-wasm/`;
const weightsUrl = `${base}models/srda-net/model.json`;

async function hasWeights(): Promise<boolean> {
  try {
    // The preview server answers unknown paths with index.html: check that it is JSON.
    const r = await fetch(weightsUrl);
    return r.ok && (r.headers.get('content-type') ?? '').includes('json');
  } catch {
    return false;
  }
}

interface PerfMemory {
  usedJSHeapSize: number;
}

function jsHeapMB(): number {
  const m = (performance as unknown as { memory?: PerfMemory }).memory;
  return m ? m.usedJSHeapSize / 2 ** 20 : 0;
}

/** What the Playwright driver calls (bench/browser-run.ts). */
export interface BenchApi {
  tiles(o: {
    backend: BackendName;
    tilePx: number;
    reps: number;
  }): Promise<TileTiming & { trainedWeights: boolean }>;
  /** `workers`: SRDA-Net inference workers, as the app's pool (default: the app's, the cores up to 2). */
  fullTile(o: {
    baselines: boolean;
    workers?: number;
    /** Deflate workers inflating the inputs' blocks and compressing the outputs' tiles (default: the app's, the cores up to 2; 0: this thread). */
    deflateWorkers?: number;
    /**
     * Every `memoryEveryMs`, the renderer's memory by context (page, each Web Worker) through
     * `performance.measureUserAgentSpecificMemory` (cross-origin isolated pages); the largest total
     * is returned as `memoryBreakdown`.
     */
    memoryEveryMs?: number;
    /**
     * Keep the inference workers until the staged run is done instead of retiring them once the last
     * tiles are asked (the driver's `--worker-prof` profiles them until then).
     */
    keepWorkers?: boolean;
    /** SHA-256 of every file the run wrote, by name (hex), after the timed run: same bytes before and after a change. */
    hashOutputs?: boolean;
    /**
     * Read the scene's files fetched from the server into ArrayBuffers (the bench page before
     * 2026-11-30) instead of as the Files the driver gave the page's file input (the app's way).
     */
    sceneFetch?: boolean;
  }): Promise<
    PipelineTiming & {
      jsHeapPeakMB: number;
      tfPeakMB: number;
      srdaSource: string;
      trainedWeights: boolean;
      backend: string;
      inferenceWorkers: number;
      deflateWorkers: number;
      notices: string[];
      memoryBreakdown?: MemoryBreakdown;
      outputSha256?: Record<string, string>;
    }
  >;
  probe(): Promise<{ webgpu: string; webgl: string }>;
  /**
   * SRDA-Net (shipped weights, wasm) on a synthetic scene of `lstPx` 1 km pixels, `tileCoarsePx`
   * pipeline tiles, once in this thread alone and once on the app's pool of `workers`: the values
   * of each stage's LST and uncertainty whose float32 bits differ between the two runs.
   */
  poolCheck(o: { lstPx: number; tileCoarsePx: number; workers: number }): Promise<{
    tiles: number[];
    tilesPerWorker: number[];
    inferenceWorkers: number;
    values: number;
    differing: number;
    notices: string[];
  }>;
  /**
   * The synthetic scene's LST (`lstPx` px) upsampled x4 by bicubic, written as a COG on this
   * thread, and on this thread with its tiles deflated on two deflate workers: the latter (as bytes)
   * and whether it is identical to the former; and with the 'rle'
   * strategy on the deflate workers and on this thread.
   */
  writeCheck(o: { lstPx: number }): Promise<{
    bytes: Uint8Array;
    pooledIdentical: boolean;
    /** The same file written with CompressionStream (zlib level 6) on this thread. */
    nativeBytes: Uint8Array;
    /** The same file with the uncertainty's run-length Deflate (strategy 'rle') on the two deflate workers. */
    rleBytes: Uint8Array;
    /** Whether that file is the one this thread writes with the same codec. */
    rleIdentical: boolean;
    /** Whether its bytes differ from the default strategy's (the workers honoured 'rle'). */
    rleDiffers: boolean;
    deflateWorkers: number;
    width: number;
    height: number;
  }>;
  /**
   * The synthetic scene's LST (`lstPx` px) upsampled x4 (bicubic; made once per page), written as
   * a COG in memory with `deflateWorkers` deflate workers (0: CompressionStream on this thread):
   * wall ms of the write and the file's size.
   */
  writeTiming(o: { lstPx: number; deflateWorkers: number }): Promise<{ ms: number; bytes: number }>;
  /**
   * Each GeoTIFF (the synthetic bench scene at `lstPx`, then `files`, then a damaged copy of each
   * of `files`) read on this thread as the app reads it without deflate workers, and with two
   * deflate Web Workers decoding its Deflate blocks: per file, the values, how many of them differ
   * in their float32 bits, both outcomes (`read` or the error's code and message), and the blocks
   * the workers decoded.
   */
  readCheck(o: { lstPx: number; files: Array<{ name: string; bytes: number[] }> }): Promise<
    Array<{ name: string; values: number; differing: number; here: string; there: string; workerBlocks: number }>
  >;
  /** SRDA-Net on one tile with `threads` wasm threads (bench/wasm-threads-run.ts; one call per page). */
  threads(o: { threads: number; tilePx: number; reps: number }): Promise<ThreadsTiming>;
}

/** One measurement of `performance.measureUserAgentSpecificMemory`, MB by context, with the pipeline's last log line before it. */
export interface MemoryBreakdown {
  totalMB: number;
  after: string;
  byContext: Array<{ context: string; mb: number; types: string[] }>;
}

interface UaMemory {
  bytes: number;
  breakdown: Array<{ bytes: number; types: string[]; attribution: Array<{ url: string; scope: string }> }>;
}

/** Measures the renderer's memory every `everyMs` until `stop()`, which resolves the largest measurement. */
function sampleMemoryBreakdown(everyMs: number, lastLine: () => string): { stop(): Promise<MemoryBreakdown | undefined> } {
  const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<UaMemory> }).measureUserAgentSpecificMemory;
  let best: MemoryBreakdown | undefined;
  let running = true;
  const loop = (async () => {
    if (!measure || !crossOriginIsolated) return;
    while (running) {
      const after = lastLine();
      const m = await measure.call(performance);
      if (!best || m.bytes / 2 ** 20 > best.totalMB) {
        const byContext = new Map<string, { mb: number; types: Set<string> }>();
        for (const b of m.breakdown) {
          const a = b.attribution[0];
          const context = a ? `${a.scope} ${a.url.split('/').pop()?.replace(/-[\w-]{8}\.js$/, '.js') ?? ''}` : 'shared';
          const e = byContext.get(context) ?? { mb: 0, types: new Set<string>() };
          e.mb += b.bytes / 2 ** 20;
          b.types.forEach((t) => e.types.add(t));
          byContext.set(context, e);
        }
        best = {
          totalMB: m.bytes / 2 ** 20,
          after,
          byContext: [...byContext].map(([context, e]) => ({ context, mb: Math.round(e.mb * 10) / 10, types: [...e.types] })).sort((x, y) => y.mb - x.mb),
        };
      }
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return best;
    },
  };
}

/** SHA-256 (hex) of each written file, by name; a name written twice is an error (the run writes each file once). */
async function sha256ByName(files: Array<{ name: string; blob: Blob }>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { name, blob } of files) {
    if (name in out) throw new Error(`${name} was written twice`);
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    out[name] = Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return out;
}

let timingRaster: { lstPx: number; raster: Raster } | undefined;

const api: BenchApi = {
  async tiles(o) {
    return benchTiles({ ...o, wasmPaths, weights: (await hasWeights()) ? { url: weightsUrl } : undefined });
  },
  async fullTile(o) {
    const trained = await hasWeights();
    const srda = await loadBenchSrda({
      backend: 'wasm',
      wasmPaths,
      weightsUrl: trained ? weightsUrl : undefined,
    });
    // The app's pool (worker/tile-pool-web.ts): this thread plus Web Workers running the same
    // weights on wasm, one tile each at a time. Only the project's own SRDA-Net method can be pooled.
    const notices: string[] = [];
    const workers = o.workers ?? appInferenceWorkers();
    const pool =
      srda.source === 'registry'
        ? await poolSrdaInWebWorkers(srda.method as SrdaMethod, workers, { modelUrl: weightsUrl, wasmPaths }, notices)
        : undefined;
    let heap = 0;
    let tfPeak = 0;
    const sink: Array<{ name: string; blob: Blob }> = [];
    // As the app reads and writes GeoTIFFs: Deflate on its deflate workers (worker/deflate-pool-web.ts).
    const deflateWorkers = o.deflateWorkers ?? appDeflateWorkers();
    // 0: this thread's codec, the same as the workers' (floatDeflate, the uncertainty's run-length Deflate, in JavaScript).
    const deflate = startDeflateWorkers(deflateWorkers);
    setDeflateCodec(deflate);
    // The app's layer workers, started and their code loaded before the timed run, as the app's are
    // from its second run on (kept for the page's life): a tiny layer on each.
    const layerMaker = keptLayerWorkers();
    const tiny: Raster = { width: 2, height: 2, transform: [90, 0.01, 0, 23, 0, -0.01], crs: WGS84, data: new Float32Array(4) };
    await Promise.all(Array.from({ length: layerMaker.workers }, () => layerMaker.make(tiny, 'warm-up')));
    let lastLine = 'start';
    const memory = o.memoryEveryMs ? sampleMemoryBreakdown(o.memoryEveryMs, () => lastLine) : undefined;
    try {
      console.log('bench-step start');
      const t = await benchPipeline({
        io: {
          readFile: async (name) => {
            // As the app reads a dropped file: a File, read by slices where its blocks are decoded.
            const given = (document.getElementById('scene-files') as HTMLInputElement | null)?.files ?? [];
            const file = o.sceneFetch ? undefined : Array.from(given).find((f) => f.name === name);
            if (file) return file;
            const r = await fetch(`${base}scene/${encodeURIComponent(name)}`);
            if (!r.ok) throw new Error(`scene file ${name}: HTTP ${r.status}`);
            return r.arrayBuffer();
          },
          writeFile: async (name, pieces) => {
            sink.push({ name, blob: new Blob([...pieces] as Uint8Array<ArrayBuffer>[], { type: 'image/tiff' }) });
          },
          // Each GeoTIFF on this thread, one after the other, streamed into Blobs as Node streams
          // them to disk, its tiles compressed on the deflate workers (bench/README "The full tile in Chromium").
          writeGeoTiff: async (name, bands, opts) => void sink.push({ name, blob: await writeGeoTiffBlob(bands, opts) }),
        },
        method: pool ?? srda.method,
        // As the app makes its layers after a run: on its layer workers (worker/layer.worker.ts),
        // kept for the page's life and started before the run (as the app's are from its second run on).
        startLayerMaker: () => layerMaker,
        sampleMemoryMB: () => {
          heap = Math.max(heap, jsHeapMB());
          tfPeak = Math.max(tfPeak, tfMemory().numBytes / 2 ** 20);
          return heap;
        },
        baselines: o.baselines ? ['bicubic', 'tsharp'] : [],
        // The driver reads the renderer's CPU time at each step's line (bench/browser-run.ts).
        onLog: (line) => {
          lastLine = line;
          console.log(`bench-step ${line}`);
        },
        // As the app without the closed-loop check: once the last stage has asked for its last
        // tiles, the guides are let go and each inference worker ends when its tiles are in. The
        // driver reads the workers' WebAssembly memories first (they still run their last tiles).
        releaseAux: true,
        afterLastTilesAsked: () => {
          void (window as unknown as { __benchLastTilesAsked?: () => Promise<void> }).__benchLastTilesAsked?.();
          if (!o.keepWorkers) pool?.retire();
        },
        // As the app: the extra inference workers end once the staged run is done (after the
        // driver has read their profiles, with `--worker-prof`).
        afterRun: async () => {
          await (window as unknown as { __benchBeforeWorkersEnd?: () => Promise<void> }).__benchBeforeWorkersEnd?.();
          await pool?.close();
        },
        afterMain: () =>
          void (window as unknown as { __benchMainDone?: () => Promise<void> }).__benchMainDone?.(),
      });
      const memoryBreakdown = await memory?.stop();
      const outputSha256 = o.hashOutputs ? await sha256ByName(sink) : undefined;
      return {
        ...t,
        jsHeapPeakMB: heap,
        tfPeakMB: tfPeak,
        srdaSource: srda.source,
        trainedWeights: srda.trainedWeights,
        backend: activeBackend(),
        inferenceWorkers: pool?.workers ?? 1,
        deflateWorkers: deflate.workers,
        notices: [
          ...notices,
          ...(pool?.notices ?? []),
          ...(pool ? [`SRDA-Net tiles per inference worker: ${pool.tilesPerWorker.join(' / ')}.`] : []),
        ],
        ...(memoryBreakdown ? { memoryBreakdown } : {}),
        ...(outputSha256 ? { outputSha256 } : {}),
      };
    } finally {
      setDeflateCodec(undefined);
      deflate.close();
      await pool?.close();
      srda.dispose();
      sink.length = 0;
    }
  },
  async poolCheck(o) {
    const bench = makeBenchScene(o.lstPx);
    const read = async (name: string) => {
      const bytes = bench.files[name];
      return (await readGeoTiff(bytes.slice().buffer, name)).bands[0].raster;
    };
    const scene = prepareScene({
      lst: await read(BENCH_FILE_NAMES.lst),
      aux: { ndvi: await read(BENCH_FILE_NAMES.ndvi), dem: await read(BENCH_FILE_NAMES.dem) },
      names: { lst: BENCH_FILE_NAMES.lst, ndvi: BENCH_FILE_NAMES.ndvi, dem: BENCH_FILE_NAMES.dem },
    });
    const srda = await loadBenchSrda({ backend: 'wasm', wasmPaths, weightsUrl });
    if (srda.source !== 'registry') throw new Error('the shipped SRDA-Net weights did not load');
    const notices: string[] = [];
    try {
      const alone = await runDownscale(scene, { method: srda.method, tileCoarsePx: o.tileCoarsePx });
      const pool = await poolSrdaInWebWorkers(srda.method as SrdaMethod, o.workers, { modelUrl: weightsUrl, wasmPaths }, notices);
      if (!pool) throw new Error(`no pool of ${o.workers} inference workers: ${notices.join(' ')}`);
      let pooled: DownscaleResult;
      try {
        pooled = await runDownscale(scene, { method: pool, tileCoarsePx: o.tileCoarsePx });
      } finally {
        await pool.close();
      }
      let values = 0;
      let differing = 0;
      alone.stages.forEach((a, i) => {
        const b = pooled.stages[i];
        for (const [x, y] of [
          [a.lst.data, b.lst.data],
          [a.sigma?.data, b.sigma?.data],
        ]) {
          if (!x && !y) continue;
          if (!x || !y || x.length !== y.length) throw new Error(`stage ${a.stage}: outputs of different shapes`);
          const bx = new Uint32Array(x.buffer, x.byteOffset, x.length);
          const by = new Uint32Array(y.buffer, y.byteOffset, y.length);
          values += bx.length;
          for (let k = 0; k < bx.length; k++) if (bx[k] !== by[k]) differing++;
        }
      });
      return {
        tiles: pooled.stages.map((st) => st.tiles),
        tilesPerWorker: [...pool.tilesPerWorker],
        inferenceWorkers: pool.workers,
        values,
        differing,
        notices: [...notices, ...pool.notices],
      };
    } finally {
      srda.dispose();
    }
  },
  async writeCheck(o) {
    const bench = makeBenchScene(o.lstPx);
    const lst = (await readGeoTiff(bench.files[BENCH_FILE_NAMES.lst].slice().buffer, BENCH_FILE_NAMES.lst)).bands[0].raster;
    const fine = await bicubicMethod.runStage({ coarseLst: lst, fineGrid: refineGrid(lst, 2), fineAux: {}, coarseAux: {} });
    const raster = { ...refineGrid(lst, 2), data: fine };
    const bands = [{ raster, name: 'LST', units: 'K' }];
    const opts = { nodata: -9999, cog: true };
    // This thread with the workers' codec (floatDeflate), and CompressionStream's zlib level 6.
    const here = await writeGeoTiffAsync(bands, { ...opts, codec: startDeflateWorkers(0) });
    const native = await writeGeoTiffAsync(bands, { ...opts, codec: webStreamsCodec });
    const deflate = startDeflateWorkers(2);
    const deflateWorkers = deflate.workers;
    const rleOpts = { ...opts, strategy: 'rle' as const };
    const [pooled, pooledRle] = await Promise.all([
      writeGeoTiffAsync(bands, { ...opts, codec: deflate }),
      writeGeoTiffAsync(bands, { ...rleOpts, codec: deflate }),
    ]).finally(() => deflate.close());
    const hereRle = await writeGeoTiffAsync(bands, { ...rleOpts, codec: startDeflateWorkers(0) });
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    return {
      bytes: pooled,
      pooledIdentical: same(pooled, here),
      nativeBytes: native,
      rleBytes: pooledRle,
      rleIdentical: same(pooledRle, hereRle),
      rleDiffers: !same(pooledRle, here),
      deflateWorkers,
      width: raster.width,
      height: raster.height,
    };
  },
  async writeTiming(o) {
    if (timingRaster?.lstPx !== o.lstPx) {
      const bench = makeBenchScene(o.lstPx);
      const lst = (await readGeoTiff(bench.files[BENCH_FILE_NAMES.lst].slice().buffer, BENCH_FILE_NAMES.lst)).bands[0].raster;
      timingRaster = { lstPx: o.lstPx, raster: upsample(lst, 4, 'bicubic') };
    }
    const bands = [{ raster: timingRaster.raster, name: 'LST', units: 'K' }];
    const deflate = o.deflateWorkers > 0 ? startDeflateWorkers(o.deflateWorkers) : undefined;
    try {
      const t0 = performance.now();
      const file = await writeGeoTiffAsync(bands, { nodata: -9999, cog: true, ...(deflate ? { codec: deflate } : {}) });
      return { ms: performance.now() - t0, bytes: file.length };
    } finally {
      deflate?.close();
    }
  },
  async readCheck(o) {
    const scene = makeBenchScene(o.lstPx);
    const inputs: Array<{ name: string; bytes: Uint8Array }> = [
      ...Object.values(BENCH_FILE_NAMES).map((name) => ({ name, bytes: scene.files[name] })),
      ...o.files.map((f) => ({ name: f.name, bytes: Uint8Array.from(f.bytes) })),
    ];
    for (const f of o.files) {
      // Bytes flipped in the middle of the file's blocks.
      const bytes = Uint8Array.from(f.bytes);
      for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length * 0.6) + i * 7] ^= 0x5a;
      inputs.push({ name: `damaged-${f.name}`, bytes });
    }
    const pool = startDeflateWorkers(2);
    let workerBlocks = 0;
    const counted: DeflateCodec = {
      ...pool,
      decodeBlocks: (raw, spans, form) => {
        workerBlocks += spans.length;
        return pool.decodeBlocks!(raw, spans, form);
      },
    };
    const read = (f: { name: string; bytes: Uint8Array }, codec: DeflateCodec) =>
      readGeoTiff(f.bytes.slice().buffer, f.name, { codec }).then(
        (ds) => ({ ds, outcome: 'read' }),
        (e: unknown) => ({ ds: undefined, outcome: isAppError(e) ? `${e.code} ${e.message}` : `not an AppError: ${String(e)}` }),
      );
    const rows = [];
    try {
      for (const f of inputs) {
        const before = workerBlocks;
        const here = await read(f, startDeflateWorkers(0));
        const there = await read(f, counted);
        let values = 0;
        let differing = 0;
        if (here.ds && there.ds)
          here.ds.bands.forEach((b, k) => {
            const a = new Uint32Array(b.raster.data.buffer, b.raster.data.byteOffset, b.raster.data.length);
            const t = there.ds!.bands[k]?.raster.data;
            const c = t ? new Uint32Array(t.buffer, t.byteOffset, t.length) : new Uint32Array(0);
            values += a.length;
            for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differing++;
          });
        rows.push({ name: f.name, values, differing, here: here.outcome, there: there.outcome, workerBlocks: workerBlocks - before });
      }
    } finally {
      pool.close();
    }
    return rows;
  },
  async threads(o) {
    return timeThreads({ ...o, wasmPaths, weights: { url: weightsUrl } });
  },
  async probe() {
    let webgpu = 'navigator.gpu missing';
    const gpu = (navigator as unknown as { gpu?: GPU }).gpu;
    if (gpu) {
      const a = await gpu.requestAdapter().catch(() => null);
      webgpu = a
        ? `adapter ${(a as unknown as { info?: { vendor?: string; architecture?: string; description?: string } }).info?.description || (a as unknown as { info?: { vendor?: string } }).info?.vendor || 'unknown'}`
        : 'no adapter';
    }
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl2') as WebGL2RenderingContext | null;
    const dbg = gl?.getExtension('WEBGL_debug_renderer_info');
    const webgl = gl
      ? `renderer ${dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)}`
      : 'no WebGL2 context';
    return { webgpu, webgl };
  },
};

(window as unknown as { __bench: BenchApi }).__bench = api;
document.getElementById('status')!.textContent = 'ready';
