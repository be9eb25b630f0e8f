import { isAppError } from '../../core/errors.ts';
import type { Progress } from '../../core/progress.ts';
import { WorkerClient } from '../../worker/client.ts';
import type { InputInfo, LayerData, RunResult, WireError } from '../../worker/protocol.ts';
import { effectiveRole, store, type RunSettings } from './store.ts';

let client: WorkerClient | undefined;
let runAbort: AbortController | undefined;

function worker(): WorkerClient {
  client ??= new WorkerClient();
  return client;
}

function toWire(e: unknown): WireError {
  if (isAppError(e)) return { code: e.code, message: e.message, file: e.file };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Reads dropped or picked files in the worker and adds them to the table. */
export async function ingestFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  store.set({ isIngesting: true });
  try {
    const { inputs } = await worker().call('ingest', { files });
    const bad = inputs.filter((i) => i.problem);
    const error =
      bad.length > 1
        ? {
            ...bad[0].problem!,
            message: `${bad[0].problem!.message} (and ${bad.length - 1} more unreadable file(s): see the table)`,
          }
        : bad[0]?.problem;
    store.set((s) => ({ inputs: [...s.inputs, ...inputs], error: error ?? s.error }));
  } catch (e) {
    store.set({ error: toWire(e) });
  } finally {
    store.set({ isIngesting: false });
  }
}

/** Removes one input band from the table and the worker. */
export async function removeInput(input: InputInfo): Promise<void> {
  await worker().call('removeInput', { id: input.id });
  store.set((s) => ({ inputs: s.inputs.filter((i) => i.id !== input.id) }));
}

/** Converts an LST row to kelvin with the conversion the user picked in the file table. */
export async function convertUnits(input: InputInfo, code: string): Promise<void> {
  try {
    const { input: updated } = await worker().call('convertUnits', { id: input.id, code });
    store.set((s) => ({
      inputs: s.inputs.map((i) => (i.id === input.id ? updated : i)),
      error: s.error?.file === input.fileName ? undefined : s.error,
    }));
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

/** Loads the bundled synthetic demo scene (served from ./demo/, works offline). */
export async function loadDemo(): Promise<void> {
  try {
    const get = async (name: string) => {
      const res = await fetch(`./demo/${name}`);
      if (!res.ok)
        throw new Error(`The demo file ${name} could not be loaded (HTTP ${res.status}); reload the page.`);
      return res;
    };
    const manifest = (await (await get('manifest.json')).json()) as { files: string[] };
    const files = await Promise.all(
      manifest.files.map(async (name) => new File([await (await get(name)).arrayBuffer()], name)),
    );
    await ingestFiles(files);
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

export function updateSettings(patch: Partial<RunSettings>): void {
  store.set((s) => ({ settings: { ...s.settings, ...patch } }));
}

function trackProgress(): (p: Progress) => void {
  let stageStart = performance.now();
  let stage = '';
  return (p) => {
    const now = performance.now();
    if (p.stage !== stage) {
      stage = p.stage;
      stageStart = now;
    }
    const rate = p.done > 0 ? (now - stageStart) / p.done : undefined;
    const etaS = rate !== undefined ? ((p.total - p.done) * rate) / 1000 : undefined;
    store.set({ progress: { stage: p.stage, done: p.done, total: p.total, detail: p.detail, etaS } });
  };
}

function mergeLayers(old: LayerData[], fresh: LayerData[]): LayerData[] {
  const ids = new Set(fresh.map((l) => l.id));
  return [...old.filter((l) => !ids.has(l.id)), ...fresh];
}

function applyResult(r: RunResult): void {
  store.set((s) => {
    const layers = mergeLayers(s.layers, r.layers);
    const visible = { ...s.visible };
    for (const l of r.layers)
      visible[l.id] ??=
        l.id === 'lst-250m' || (l.id === 'lst-1000m' && !r.layers.some((x) => x.id === 'lst-250m'));
    return {
      status: 'done',
      progress: undefined,
      layers,
      visible,
      metrics: r.metrics.length > 0 ? r.metrics : s.metrics,
      timings: r.timings,
      energyError: r.energyError,
      scatter: r.scatter,
      backend: r.backend ?? s.backend,
      notices: r.notices,
    };
  });
}

/** Runs the downscaling in the worker with the current inputs and settings. */
export async function run(): Promise<void> {
  const s = store.get();
  if (s.status === 'running') return;
  runAbort = new AbortController();
  store.set({
    status: 'running',
    error: undefined,
    notices: [],
    progress: { stage: 'starting', done: 0, total: 1 },
  });
  const inputs = s.inputs.filter((i) => !i.problem).map((i) => ({ id: i.id, role: effectiveRole(s, i) }));
  try {
    const result = await worker().call(
      'run',
      { inputs, ...s.settings, appBaseUrl: new URL('./', document.baseURI).href },
      { signal: runAbort.signal, onProgress: trackProgress() },
    );
    applyResult(result);
  } catch (e) {
    const err = toWire(e);
    // Cancelling is not a failure: back to idle; results of earlier runs stay on the map.
    if (err.code === 'CANCELLED')
      store.set({
        status: 'idle',
        progress: undefined,
        notices: ['Run cancelled; earlier results are kept.'],
      });
    else store.set({ status: 'error', progress: undefined, error: err });
  } finally {
    runAbort = undefined;
  }
}

/** Cancels the current run; results computed before stay. */
export function cancel(): void {
  runAbort?.abort();
}

/** Saves bytes as a download. */
export function download(bytes: BlobPart, fileName: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Exports one layer as a GeoTIFF in its own CRS and grid. */
export async function exportGeoTiff(layerId: string): Promise<void> {
  try {
    const { fileName, bytes } = await worker().call('exportGeoTiff', { layerId });
    download(bytes, fileName, 'image/tiff');
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

/** Exports every layer plus report.json (and the map PNG when given) as one ZIP. */
export async function exportZip(mapPng?: ArrayBuffer): Promise<void> {
  const report = buildReport();
  try {
    const extraFiles = mapPng ? [{ name: 'map.png', bytes: mapPng }] : [];
    const { fileName, bytes } = await worker().call('exportZip', { report, extraFiles });
    download(bytes, fileName, 'application/zip');
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

/** The JSON report: inputs, method and settings, backend, metrics, timings, layer statistics. */
export function buildReport(): unknown {
  const s = store.get();
  return {
    app: 'srda-lst',
    createdAt: new Date().toISOString(),
    inputs: s.inputs.map((i) => ({ ...i, role: effectiveRole(s, i) })),
    settings: s.settings,
    backend: s.backend,
    metrics: s.metrics,
    timings: s.timings,
    energyError: s.energyError,
    layers: s.layers.map((l) => ({
      id: l.id,
      label: l.label,
      kind: l.kind,
      method: l.method,
      resolutionM: l.resolutionM,
      grid: l.grid,
      stats: { ...l.stats, histogram: undefined },
    })),
  };
}

/** Clears the error box. */
export function dismissError(): void {
  store.set({ error: undefined });
}

/**
 * Acts on the page URL: `?demo` loads the bundled demo scene, `?demo=run` also runs it with the
 * default settings (what `npm run demo` opens).
 */
export async function startFromUrl(search: string): Promise<void> {
  const demo = new URLSearchParams(search).get('demo');
  if (demo === null) return;
  await loadDemo();
  if (demo === 'run' && !store.get().error) await run();
}
