// Browser side of `srda-lst bench`: builds the bench page (bench/browser, same code as the app's
// pipeline and model), serves it with the scene files, drives headless Chromium through
// Playwright and prints one JSON line on stdout: tiles per backend and the full-tile pipeline.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import type { BackendName } from '../src/model/backend.ts';
import type { BenchApi } from './browser/bench-page.ts';
import { chromiumArgs, chromiumPath, otherChromiumPids, rendererPids } from '../e2e/chromium.ts';
import type { BenchResults, FullTileRow, TileRow } from './report.ts';
import { BENCH_FILE_NAMES } from './fixtures.ts';
import { smapsLine, summariseSmaps } from './smaps.ts';
import { startHeapSampling, startPageCpuProfile, startWorkerCpuProfiles, type IsolateHeap, type WorkerProfile } from './browser-profile.ts';

const { values: v } = parseArgs({
  options: {
    'scene-dir': { type: 'string' },
    tile: { type: 'string', default: '256' },
    reps: { type: 'string', default: '3' },
    quick: { type: 'boolean' },
    backends: { type: 'string' },
    'no-baselines': { type: 'boolean' },
    /** SRDA-Net inference workers of the full tile (default: the app's, the cores up to 2). */
    workers: { type: 'string' },
    /** Deflate workers for reading and writing the GeoTIFFs (default: the app's, the cores up to 2; 0 = the page's thread). */
    'deflate-workers': { type: 'string' },
    /** Only time the GeoTIFF writer on a 4800x4800 raster with 0, 1 and 2 deflate workers (JSON of the rows on stdout). */
    'write-timing': { type: 'boolean' },
    /**
     * Full tile: the renderer's memory by context (page, each Web Worker) every N ms through
     * performance.measureUserAgentSpecificMemory (eager: each call collects garbage), the largest on stderr.
     */
    'memory-every-ms': { type: 'string' },
    /** Full tile: write a CPU profile of the page's thread into this folder (page.cpuprofile; the page is built unminified). */
    'cpu-prof': { type: 'string' },
    /**
     * Full tile: write a CPU profile of every Web Worker (tile and deflate workers) into this folder,
     * stopped when the staged run is done, and print each one's WebAssembly memory then.
     */
    'worker-prof': { type: 'string' },
    /**
     * Full tile: every N ms each isolate's heap (the page's and every Web Worker's `Runtime.getHeapUsage`:
     * JavaScript used and allocated, ArrayBuffer backing stores; no collection forced) beside the
     * renderer's RSS, on stderr, and the isolates' readings at the sampled peak.
     */
    'heap-every-ms': { type: 'string' },
    /** Full tile: print the SHA-256 of every file the run wrote on stderr (same bytes before and after a change). */
    'hash-outputs': { type: 'boolean' },
    /**
     * Full tile: read the largest renderer's `/proc/PID/smaps` whenever the sampled RSS reaches a new
     * peak and print, on stderr, its resident memory by mapping at the peak (bench/smaps.ts).
     */
    'smaps-at-peak': { type: 'boolean' },
    /**
     * Full tile: the page fetches the scene's files into ArrayBuffers (as before 2026-11-30) instead
     * of reading the Files given to its file input, as the app reads dropped files.
     */
    'scene-fetch': { type: 'boolean' },
  },
});

const configFile = resolve(import.meta.dirname, 'vite.config.ts');
const log = (s: string) => process.stderr.write(`bench (browser): ${s}\n`);

/** Largest peak RSS (VmHWM) among the renderer processes, MB; `reset` restarts the peaks. A lower bound: see `sampledPeak`. */
function rendererPeakMB(reset = false): number {
  let peak = 0;
  for (const pid of rendererPids()) {
    try {
      if (reset) writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // not readable: leave it out
    }
  }
  return peak;
}

/** Largest current RSS (VmRSS) among the renderer processes, MB; `seen` collects their ids, `largest` gets the pid of the largest. */
function rendererRssMB(seen?: Set<number>, largest?: { pid: number }): number {
  let rss = 0;
  for (const pid of rendererPids()) {
    seen?.add(pid);
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m && Number(m[1]) / 1024 > rss) {
        rss = Number(m[1]) / 1024;
        if (largest) largest.pid = pid;
      }
    } catch {
      // not readable: leave it out
    }
  }
  return rss;
}

/**
 * Size and resident MB of each WebAssembly memory in the renderer processes (tfjs-wasm's heap: one
 * per tile worker and one for the page): V8 reserves ~10 GiB per memory (its guard region) and makes
 * the memory's current length readable and writable, a mapping of its own just below the rest of
 * the reservation (over 4 GiB, inaccessible; V8's pointer cages are 4 GiB).
 */
function wasmMemoriesMB(): Array<{ sizeMB: number; rssMB: number }> {
  const out: Array<{ sizeMB: number; rssMB: number }> = [];
  for (const pid of rendererPids()) {
    let smaps = '';
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let prev: { end: string; perms: string; anon: boolean; sizeKb: number; rssKb: number } | undefined;
    for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
      const head = block.split('\n')[0].trim().split(/\s+/);
      const [start, end] = head[0].split('-');
      const sizeKb = Number(/\nSize:\s+(\d+) kB/.exec(block)?.[1] ?? 0);
      const rssKb = Number(/\nRss:\s+(\d+) kB/.exec(block)?.[1] ?? 0);
      const cur = { end, perms: head[1], anon: !head[5], sizeKb, rssKb };
      if (cur.anon && cur.perms === '---p' && sizeKb > 4 * 2 ** 20 && prev?.end === start && prev.anon && prev.perms === 'rw-p')
        out.push({ sizeMB: prev.sizeKb / 1024, rssMB: prev.rssKb / 1024 });
      prev = cur;
    }
  }
  return out;
}

/** CPU seconds (user + system) and minor page faults of each thread of the renderer processes so far, by `name#tid`. */
function rendererThreadCpuS(): Map<string, { cpu: number; faults: number }> {
  const out = new Map<string, { cpu: number; faults: number }>();
  for (const pid of rendererPids()) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Fields 10 (minflt), 14 and 15 (utime, stime) of stat, counted from the state field (3).
        out.set(`${name}#${tid}`, { cpu: (Number(f[11]) + Number(f[12])) / 100, faults: Number(f[7]) });
      } catch {
        // the thread ended
      }
    }
  }
  return out;
}

/** CPU seconds (user + system, every thread) of the renderer processes so far. */
function rendererCpuS(pids = rendererPids()): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime), counted from the state field (3).
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended
    }
  }
  return ticks / 100;
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, {
    timeout: 60_000,
  });
  return page;
}

async function main(): Promise<void> {
  const quick = Boolean(v.quick);
  const tilePx = Number(v.tile);
  const reps = Number(v.reps);
  if (!v['scene-dir'] || !existsSync(v['scene-dir']))
    throw new Error('--scene-dir DIR with the bench scene is required');
  process.env.SRDA_BENCH_SCENE_DIR = v['scene-dir'];
  // Readable function names in the profile.
  if (v['cpu-prof'] || v['worker-prof']) process.env.SRDA_BENCH_NO_MINIFY = '1';
  log('building the bench page ...');
  await build({ configFile, logLevel: 'warn' });
  const server = await preview({ configFile, preview: { host: '127.0.0.1', port: 4183, strictPort: false } });
  const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:4183/';
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      ...chromiumArgs,
      '--enable-precise-memory-info',
      ...(v['memory-every-ms'] ? ['--enable-blink-features=ForceEagerMeasureMemory'] : []),
    ],
  });
  const tiles: TileRow[] = [];
  const unavailable: BenchResults['unavailable'] = [];
  const notes: string[] = [];
  let fullTile: FullTileRow | undefined;
  try {
    if (v['write-timing']) {
      const page = await openPage(browser, url);
      const lstPx = quick ? 300 : 1200;
      const once = (deflateWorkers: number) =>
        page.evaluate((o) => (window as unknown as { __bench: BenchApi }).__bench.writeTiming(o), { lstPx, deflateWorkers });
      // The first call makes the raster; not timed.
      await once(0);
      const rows = [0, 1, 2].map((deflateWorkers) => ({ deflateWorkers, wallS: [] as number[], cpuS: [] as number[], bytes: 0 }));
      for (let rep = 0; rep < reps; rep++) {
        for (const row of rows) {
          const c0 = rendererCpuS();
          const r = await once(row.deflateWorkers);
          row.cpuS.push(rendererCpuS() - c0);
          row.wallS.push(r.ms / 1000);
          row.bytes = r.bytes;
        }
      }
      process.stdout.write(JSON.stringify(rows) + '\n');
      return;
    }
    const probePage = await openPage(browser, url);
    const probe = await probePage.evaluate(() =>
      (window as unknown as { __bench: BenchApi }).__bench.probe(),
    );
    await probePage.close();
    notes.push(
      `Browser backends: WebGPU ${probe.webgpu}; WebGL ${probe.webgl} (no hardware GPU on this machine: both run on software rasterisers).`,
    );
    const backends = (v.backends?.split(',') ?? ['webgpu', 'webgl', 'wasm', 'cpu']) as BackendName[];
    for (const backend of backends) {
      // Software GPU and cpu backends are 10-70x slower than wasm: time them on a smaller tile.
      const n = backend === 'wasm' ? tilePx : Math.max(32, tilePx / (quick ? 4 : 2));
      log(`${backend}: ${n}x${n} tile`);
      const page = await openPage(browser, url);
      try {
        const t = await page.evaluate((o) => (window as unknown as { __bench: BenchApi }).__bench.tiles(o), {
          backend,
          tilePx: n,
          reps: backend === 'wasm' ? reps : 1,
        });
        tiles.push({ ...t, env: 'browser' });
        if (t.leakedTensors !== 0)
          notes.push(`browser ${backend}: ${t.leakedTensors} tensors left after the tile benchmark.`);
      } catch (e) {
        unavailable.push({
          env: 'browser',
          backend,
          reason: (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200),
        });
      } finally {
        await page.close();
      }
    }
    log('full pipeline (wasm) ...');
    const page = await openPage(browser, url);
    // The scene's files as a person gives them to the app: Files on disk, read by slices (not timed).
    if (!v['scene-fetch'])
      await page.setInputFiles('#scene-files', Object.values(BENCH_FILE_NAMES).map((name) => join(v['scene-dir']!, name)));
    let peak = 0;
    // Largest RSS sampled until the main run is done: VmHWM alone missed the stage-2 peak by
    // 50-290 MB (the kernel raises it lazily, and memory handed back with madvise escapes it).
    let sampledPeak = 0;
    let mainDone = false;
    // The page calls this when SRDA-Net's run is done, before the baselines.
    await page.exposeFunction('__benchMainDone', () => {
      mainDone = true;
      peak = Math.max(rendererPeakMB(), sampledPeak);
    });
    const profiles = v['cpu-prof'] ? await startPageCpuProfile(page, v['cpu-prof']) : undefined;
    const workerProfiles = v['worker-prof'] ? await startWorkerCpuProfiles(page, v['worker-prof']) : undefined;
    const heaps = v['heap-every-ms'] ? await startHeapSampling(page, Number(v['heap-every-ms'])) : undefined;
    const heapLine = (hs: IsolateHeap[]): string =>
      `${hs.map((h) => `${h.name} ${h.usedMB}/${h.totalMB}/${h.backingMB}`).join(', ')}; sum ${hs.reduce((a, h) => a + h.totalMB + h.backingMB, 0).toFixed(0)} MB`;
    let heapsAtPeak: IsolateHeap[] = [];
    let workersSeen: WorkerProfile[] = [];
    // The page calls this once the last stage has asked for its last tiles, before it retires its
    // inference workers (each ends when its tiles are in): their WebAssembly memories are whole then.
    await page.exposeFunction('__benchLastTilesAsked', () => {
      log(`WebAssembly memories when the last tiles are asked (size / resident MB): ${wasmMemoriesMB().map((m) => `${m.sizeMB.toFixed(1)} / ${m.rssMB.toFixed(1)}`).join(', ')}`);
    });
    // The page calls this when the staged run is done, before it ends its inference workers (kept
    // to the end with --worker-prof, so that their profiles cover every tile).
    await page.exposeFunction('__benchBeforeWorkersEnd', async () => {
      if (workerProfiles) workersSeen = await workerProfiles.stop();
    });
    rendererPeakMB(true);
    const cpu0 = rendererCpuS();
    // CPU seconds per step: the renderer's CPU time when the page logs the step's end (the page
    // logs 'infer' once for infer and correct together, as the Node run counts them).
    const cpuS: Record<string, number> = {};
    let lastCpu = cpu0;
    // The same for Chromium's other processes (the browser process reads the Files given to the page).
    const otherCpuS: Record<string, number> = {};
    let lastOther = rendererCpuS(otherChromiumPids());
    // Each renderer thread's CPU seconds per step (a thread that ended keeps its last reading).
    const threadSteps: Array<{ step: string; cpu: Map<string, { cpu: number; faults: number }> }> = [];
    const threadSnap = (step: string): void => {
      const prev = threadSteps[threadSteps.length - 1]?.cpu;
      threadSteps.push({ step, cpu: new Map([...(prev ?? []), ...rendererThreadCpuS()]) });
    };
    threadSnap('start');
    // Renderer RSS sampled every 250 ms, its largest value per phase (named by the line that began it),
    // to see what the peak holds.
    const rssByPhase = new Map<string, number>();
    let phase = 'start';
    // When the sampled peak came: its phase, s into it; and each phase's length, s.
    let phaseStart = Date.now();
    let peakAt = { phase, atS: 0 };
    const phaseS = new Map<string, number>();
    const pidsSeen = new Set<number>();
    // With --smaps-at-peak: the largest renderer's mappings read at each new sampled peak (the last kept).
    let smapsAtPeak = '';
    const largest = { pid: 0 };
    const sampler = setInterval(() => {
      const rss = rendererRssMB(pidsSeen, largest);
      rssByPhase.set(phase, Math.max(rssByPhase.get(phase) ?? 0, rss));
      if (!mainDone && rss > sampledPeak) {
        sampledPeak = rss;
        peakAt = { phase, atS: (Date.now() - phaseStart) / 1000 };
        if (heaps) heapsAtPeak = heaps.latest();
        if (v['smaps-at-peak']) {
          try {
            smapsAtPeak = readFileSync(`/proc/${largest.pid}/smaps`, 'utf8');
          } catch {
            // gone or not readable: keep the last one
          }
        }
      }
    }, 250);
    // Isolates' heaps (used / allocated JavaScript / ArrayBuffer backing stores, MB) beside the RSS.
    const heapLog = heaps
      ? setInterval(() => log(`heap ${phase} +${((Date.now() - phaseStart) / 1000).toFixed(1)} s: RSS ${Math.round(rendererRssMB())} MB; ${heapLine(heaps.latest())}`), Number(v['heap-every-ms']))
      : undefined;
    page.on('console', (m) => {
      const line = /^bench-step (.*)$/.exec(m.text())?.[1];
      if (line) {
        phaseS.set(phase, (Date.now() - phaseStart) / 1000);
        phase = `after ${line.replace(/:.*$/, '')}`;
        phaseStart = Date.now();
      }
      const step = /^bench-step (start|read|prepare|detail weight|infer|colourise|write)\b(?!: alpha)/.exec(m.text())?.[1];
      if (!step) return;
      const c = rendererCpuS();
      if (step !== 'start') cpuS[step] = c - lastCpu;
      lastCpu = c;
      const o = rendererCpuS(otherChromiumPids());
      if (step !== 'start') otherCpuS[step] = o - lastOther;
      lastOther = o;
      if (step !== 'start') threadSnap(step);
    });
    const { notices, memoryBreakdown, outputSha256, ...r } = await page.evaluate(
      (o) => (window as unknown as { __bench: BenchApi }).__bench.fullTile(o),
      {
        baselines: !v['no-baselines'],
        ...(v.workers ? { workers: Number(v.workers) } : {}),
        ...(v['deflate-workers'] !== undefined ? { deflateWorkers: Number(v['deflate-workers']) } : {}),
        ...(v['memory-every-ms'] ? { memoryEveryMs: Number(v['memory-every-ms']) } : {}),
        ...(v['worker-prof'] ? { keepWorkers: true } : {}),
        ...(v['hash-outputs'] ? { hashOutputs: true } : {}),
        ...(v['scene-fetch'] ? { sceneFetch: true } : {}),
      },
    );
    clearInterval(sampler);
    clearInterval(heapLog);
    await heaps?.stop();
    if (heaps) log(`isolates at the sampled peak (used / allocated JavaScript / ArrayBuffer backing stores, MB): ${heapLine(heapsAtPeak)}`);
    if (memoryBreakdown)
      log(
        `largest memory measurement (measureUserAgentSpecificMemory), after '${memoryBreakdown.after}': ${Math.round(memoryBreakdown.totalMB)} MB; ${memoryBreakdown.byContext.map((c) => `${c.context} ${c.mb} MB (${c.types.join('+') || 'untyped'})`).join(', ')}`,
      );
    for (const [name, h] of Object.entries(outputSha256 ?? {})) log(`sha256 ${h} ${name}`);
    if (profiles) log(`CPU profile of the page's thread: ${await profiles.stop()}`);
    for (let i = 1; i < threadSteps.length; i++) {
      const { step, cpu } = threadSteps[i];
      const before = threadSteps[i - 1].cpu;
      const rows = [...cpu]
        .map(([t, c]) => [t, c.cpu - (before.get(t)?.cpu ?? 0), c.faults - (before.get(t)?.faults ?? 0)] as const)
        .filter(([, d]) => d >= 0.05)
        .sort((a, b) => b[1] - a[1]);
      const faults = [...cpu].reduce((n, [t, c]) => n + c.faults - (before.get(t)?.faults ?? 0), 0);
      log(
        `CPU s (minor page faults, k) per thread, ${step}: ${rows.map(([t, d, f]) => `${t} ${d.toFixed(2)} (${(f / 1000).toFixed(1)}k)`).join(', ')}; all threads ${(faults / 1000).toFixed(1)}k faults`,
      );
    }
    log(`CPU s of Chromium's other processes (browser, GPU, utilities) per step: ${Object.entries(otherCpuS).map(([k, c]) => `${k} ${c.toFixed(2)}`).join(', ')}`);
    for (const w of workersSeen)
      log(`Web Worker ${w.name}: CPU profile ${w.file}`);
    log(
      `renderer RSS peak per phase, MB: ${[...rssByPhase].map(([k, mb]) => `${k} ${Math.round(mb)}`).join(', ')} (renderer processes ${[...pidsSeen].join(', ')})`,
    );
    log(`sampled RSS peak ${Math.round(sampledPeak)} MB, ${peakAt.atS.toFixed(1)} s into the phase '${peakAt.phase}' of ${(phaseS.get(peakAt.phase) ?? Number.NaN).toFixed(1)} s`);
    if (smapsAtPeak) log(`renderer mappings at the sampled peak (/proc/PID/smaps), ${smapsLine(summariseSmaps(smapsAtPeak))}`);
    if (peak === 0) peak = Math.max(rendererPeakMB(), sampledPeak);
    fullTile = { ...r, cpuS, env: 'browser', peakMemoryMB: peak, rendererCpuS: rendererCpuS() - cpu0 };
    notes.push(...notices.map((n) => `Browser full tile: ${n}`));
    notes.push(
      'Browser full tile: baselines bicubic and TsHARP only (DMS is timed in Node; it is the same TypeScript).',
    );
    await page.close();
  } finally {
    await browser.close();
    await new Promise<void>((res) => server.httpServer.close(() => res()));
  }
  process.stdout.write(
    JSON.stringify({ tiles, fullTile, unavailable, chromium: browser.version(), notes }) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench (browser): ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
