import { isAppError } from '../../core/errors.ts';
import type { Progress } from '../../core/progress.ts';
import { WorkerClient } from '../../worker/client.ts';
import type { InputInfo, LayerData, RoleId, RunResult, WireError } from '../../worker/protocol.ts';
import { buildReport } from './report.ts';
import { effectiveRole, store, type RunSettings } from './store.ts';

let client: WorkerClient | undefined;
let runAbort: AbortController | undefined;
/** Id of the map layer showing the dropped LST before any run, and the input it shows. */
export const DROPPED = 'lst-dropped';
let droppedFor: string | undefined;

function worker(): WorkerClient {
  client ??= new WorkerClient();
  return client;
}

function toWire(e: unknown): WireError {
  if (isAppError(e)) return { code: e.code, message: e.message, file: e.file };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Asks the worker what the current inputs make (dates, QC share, grids) and shows it before any run. */
export async function refreshPreview(): Promise<void> {
  const s = store.get();
  const inputs = s.inputs.filter((i) => !i.problem).map((i) => ({ id: i.id, role: effectiveRole(s, i) }));
  try {
    const preview = await worker().call('preview', { inputs, sceneId: s.settings.sceneId });
    // A later change may have asked again meanwhile: keep the newest answer only.
    if (store.get().inputs !== s.inputs || store.get().roleOverrides !== s.roleOverrides) return;
    store.set({ preview });
    await showDroppedLst(preview.lstId);
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

/** Puts the dropped LST on the map before any run (it gives way to the run's own input layer). */
async function showDroppedLst(lstId: string | undefined): Promise<void> {
  const s = store.get();
  const hasResults = s.layers.some((l) => l.id !== DROPPED);
  if (hasResults || lstId === droppedFor) return;
  droppedFor = lstId;
  if (!lstId) {
    store.set((x) => ({ layers: x.layers.filter((l) => l.id !== DROPPED) }));
    return;
  }
  const { layer } = await worker().call('inputLayer', { id: lstId });
  if (store.get().layers.some((l) => l.id !== DROPPED)) return;
  store.set({ layers: [layer], visible: { [DROPPED]: true } });
}

/** Marks the results on screen stale when the inputs they came from changed; clears them when no input is left. */
function inputsChanged(why: string): void {
  store.set((s) => {
    if (!s.layers.some((l) => l.id !== DROPPED) && s.metrics.length === 0) return s.inputs.length === 0 ? { layers: [], visible: {} } : {};
    if (s.inputs.length === 0)
      return { layers: [], visible: {}, metrics: [], scatter: [], energyError: [], timings: [], stale: undefined, resultScene: undefined, finetune: undefined, notices: ['Every input was removed, so the results were cleared.'] };
    const now = s.inputs.filter((i) => !i.problem).map((i) => `${i.id}:${effectiveRole(s, i)}`).sort().join();
    const then = s.resultInputs.map((i) => `${i.id}:${i.role}`).sort().join();
    return now === then && (s.settings.sceneId ?? s.resultScene?.id) === s.resultScene?.id ? {} : { stale: why };
  });
  void refreshPreview();
}

/** Reads dropped or picked files in the worker and adds them to the table (a file already there is not added again). */
export async function ingestFiles(files: File[], options: { synthetic?: boolean } = {}): Promise<void> {
  if (files.length === 0) return;
  const known = new Set(store.get().fileKeys);
  const fresh: File[] = [];
  const repeated: string[] = [];
  for (const f of files) {
    const key = `${f.name}:${f.size}`;
    // A sidecar (.aux.xml) has no row of its own: dropping it again re-reads its raster, as the first time.
    if (/\.aux\.xml$/i.test(f.name)) fresh.push(f);
    else if (known.has(key)) repeated.push(f.name);
    else {
      known.add(key);
      fresh.push(f);
    }
  }
  if (repeated.length > 0)
    store.set({ notices: [`${repeated.join(', ')} ${repeated.length > 1 ? 'are' : 'is'} already in the table and was not added again.`] });
  if (fresh.length === 0) return;
  store.set((s) => ({ isIngesting: true, fileKeys: [...s.fileKeys, ...fresh.map((f) => `${f.name}:${f.size}`)] }));
  try {
    const { inputs, replaced, notices } = await worker().call('ingest', { files: fresh });
    const bad = inputs.filter((i) => i.problem);
    const error =
      bad.length > 1
        ? {
            ...bad[0].problem!,
            message: `${bad[0].problem!.message} (and ${bad.length - 1} more unreadable file(s): see the table)`,
          }
        : bad[0]?.problem;
    store.set((s) => ({
      inputs: [...s.inputs.filter((i) => !replaced.includes(i.id)), ...inputs],
      ...(notices.length ? { notices: [...s.notices, ...notices] } : {}),
      // A file read again (its sidecar arrived) sheds the problem it had before.
      error: error ?? (s.inputs.some((i) => replaced.includes(i.id) && i.fileName === s.error?.file) ? undefined : s.error),
      syntheticIds: options.synthetic ? [...s.syntheticIds, ...inputs.map((i) => i.id)] : s.syntheticIds,
    }));
  } catch (e) {
    store.set({ error: toWire(e) });
  } finally {
    store.set({ isIngesting: false });
  }
  inputsChanged('Files were added after this run: press Run to update the results.');
}

/** Removes one input band from the table and the worker. */
export async function removeInput(input: InputInfo): Promise<void> {
  await worker().call('removeInput', { id: input.id });
  store.set((s) => {
    const inputs = s.inputs.filter((i) => i.id !== input.id);
    const name = input.fileName.replace(/ \[band .*$/, '');
    const stillThere = inputs.some((i) => i.fileName.replace(/ \[band .*$/, '') === name);
    return { inputs, fileKeys: stillThere ? s.fileKeys : s.fileKeys.filter((k) => !k.startsWith(`${name}:`)) };
  });
  inputsChanged(`${input.fileName} was removed after this run: these results no longer match the inputs. Press Run to update them.`);
}

/** Sets the role of an input (the table's role picker). */
export function setRole(input: InputInfo, role: RoleId): void {
  store.set((s) => ({ roleOverrides: { ...s.roleOverrides, [input.id]: role } }));
  inputsChanged(`The role of ${input.fileName} changed after this run: press Run to update the results.`);
}

/** Picks the date (scene) to run when the files hold several. */
export function pickScene(sceneId: string): void {
  updateSettings({ sceneId });
  inputsChanged(`Another date was picked: these results are of ${store.get().resultScene?.date ?? 'another date'}. Press Run to update them.`);
}

/** Converts an LST row to kelvin with the conversion the user picked in the file table. */
export async function convertUnits(input: InputInfo, code: string): Promise<void> {
  try {
    const { input: updated } = await worker().call('convertUnits', { id: input.id, code });
    store.set((s) => ({
      inputs: s.inputs.map((i) => (i.id === input.id ? updated : i)),
      error: s.error?.file === input.fileName ? undefined : s.error,
    }));
    // The scene preview (and any result made from the unconverted values) must follow the new values.
    inputsChanged(`${input.fileName} was converted to K.`);
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
    await ingestFiles(files, { synthetic: true });
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

export function updateSettings(patch: Partial<RunSettings>): void {
  store.set((s) => ({ settings: { ...s.settings, ...patch } }));
}

/**
 * Progress with an ETA for the whole run: the work ahead is counted in stage units (each method's
 * stages, then the closed loop), weighted by the time the finished ones took.
 */
function trackProgress(unitsTotal: number): (p: Progress) => void {
  const t0 = performance.now();
  let stage = '';
  let unitsDone = 0;
  return (p) => {
    const now = performance.now();
    if (p.stage !== stage) {
      if (stage) unitsDone = Math.min(unitsTotal - 0.5, unitsDone + 1);
      stage = p.stage;
    }
    const frac = Math.min(0.999, (unitsDone + (p.total > 0 ? p.done / p.total : 0)) / unitsTotal);
    const elapsedS = (now - t0) / 1000;
    const etaS = frac > 0.05 ? (elapsedS * (1 - frac)) / frac : undefined;
    store.set({ progress: { stage: p.stage, done: p.done, total: p.total, detail: p.detail, etaS, elapsedS } });
  };
}

function mergeLayers(old: LayerData[], fresh: LayerData[]): LayerData[] {
  const ids = new Set(fresh.map((l) => l.id));
  return [...old.filter((l) => !ids.has(l.id)), ...fresh];
}

function applyResult(r: RunResult): void {
  droppedFor = undefined;
  store.set((s) => {
    const layers = mergeLayers(s.layers.filter((l) => l.id !== DROPPED), r.layers);
    // A new run shows its final output (or the input when there is none); other layers stay as toggled.
    const hasFinal = r.layers.some((l) => l.kind === 'output' && l.isFinal);
    const visible: Record<string, boolean> = {};
    for (const l of layers)
      visible[l.id] = s.visible[l.id] && !r.layers.some((x) => x.id === l.id) ? true : l.kind === 'output' ? l.isFinal : l.kind === 'input' && !hasFinal;
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
      stale: undefined,
      resultScene: r.scene,
      finetune: r.finetune,
      weights: r.weights,
      closedLoop: r.closedLoop ?? s.closedLoop,
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
  const methods = s.settings.method === 'all' ? 4 : s.settings.method === 'bicubic' ? 1 : 2;
  const stages = 2;
  try {
    const result = await worker().call(
      'run',
      { inputs, ...s.settings, appBaseUrl: new URL('./', document.baseURI).href },
      { signal: runAbort.signal, onProgress: trackProgress(2 + methods * stages + (s.settings.evaluate ? methods : 0)) },
    );
    applyResult(result);
    store.set({ resultInputs: inputs });
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

/** Exports every layer plus report.json (and the map PNG when given) as one ZIP named after the scene. */
export async function exportZip(mapPng?: ArrayBuffer): Promise<void> {
  const report = buildReport(store.get());
  try {
    const extraFiles = mapPng ? [{ name: 'map.png', bytes: mapPng }] : [];
    const tag = store.get().resultScene?.tag;
    const { fileName, bytes } = await worker().call('exportZip', { report, extraFiles, fileStem: tag ? `${tag}_srda-lst` : undefined });
    download(bytes, fileName, 'application/zip');
  } catch (e) {
    store.set({ error: toWire(e) });
  }
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
