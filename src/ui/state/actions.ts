import { isAppError } from '../../core/errors.ts';
import type { Progress } from '../../core/progress.ts';
import type { InputInfo, RoleId } from '../../worker/protocol.ts';
import type { ShownError } from '../messages.ts';
import { DROPPED, showDroppedLst } from './dropped.ts';
import { onDateShown, run, showDate } from './series.ts';
import { carryRoleOverrides } from './role-overrides.ts';
import { effectiveRole, isRunnable, store, type RunSettings } from './store.ts';
import { toWire, worker } from './worker-handle.ts';

export { DROPPED } from './dropped.ts';
export { cancel, run, showDate } from './series.ts';
export { cancelExport, download, exportGeoTiff, exportZip } from './exports.ts';

/** Asks the worker what the current inputs make (dates, QC share, grids) and shows it before any run. */
export async function refreshPreview(): Promise<void> {
  const s = store.get();
  const inputs = s.inputs.filter(isRunnable).map((i) => ({ id: i.id, role: effectiveRole(s, i) }));
  try {
    const preview = await worker().call('preview', { inputs, sceneId: s.settings.sceneId, maxDateGapDays: s.settings.maxDateGapDays });
    // A later change may have asked again meanwhile: keep the newest answer only.
    const now = store.get();
    if (now.inputs !== s.inputs || now.roleOverrides !== s.roleOverrides || now.settings.maxDateGapDays !== s.settings.maxDateGapDays) return;
    store.set({ preview });
    await showDroppedLst(preview.lstId);
  } catch (e) {
    store.set({ error: toWire(e) });
  }
}

// The scene panel shows the date on the map: its files, QC share and date gaps.
onDateShown(() => void refreshPreview());

/** Marks the results on screen stale when the inputs they came from changed; clears them when no input is left. */
function inputsChanged(why: string): void {
  store.set((s) => {
    if (!s.layers.some((l) => l.id !== DROPPED) && s.metrics.length === 0) return s.inputs.length === 0 ? { layers: [], visible: {} } : {};
    if (s.inputs.length === 0)
      return { layers: [], visible: {}, metrics: [], scatter: [], energyError: [], timings: [], stale: undefined, resultScene: undefined, resultSettings: undefined, earlierLayerIds: [], isMetricsEarlier: undefined, metricsRun: undefined, finetune: undefined, weights: undefined, series: [], notices: ['Every input was removed, so the results were cleared.'] };
    const now = s.inputs.filter(isRunnable).map((i) => `${i.id}:${effectiveRole(s, i)}`).sort().join();
    const then = s.resultInputs.map((i) => `${i.id}:${i.role}`).sort().join();
    return now === then && (s.settings.sceneId ?? s.resultScene?.id) === s.resultScene?.id ? {} : { stale: why };
  });
  void refreshPreview();
}

/** The reads in progress (one per drop), each with the files it is still reading: Cancel aborts them. */
const reads = new Map<AbortController, string[]>();
const showReading = (): void => store.set({ readingFiles: [...reads.values()].flat() });

/**
 * Reads dropped or picked files in the worker and adds them to the table (a file already there is
 * not added again). Cancel (cancelIngest) aborts the read: none of its files is added, their names
 * are forgotten so that dropping them again reads them, and the rows, results and map stay.
 */
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
  const keys = fresh.map((f) => `${f.name}:${f.size}`);
  const ctrl = new AbortController();
  const names = fresh.map((f) => f.name);
  reads.set(ctrl, names);
  store.set((s) => ({ isIngesting: true, isIngestCancelling: false, fileKeys: [...s.fileKeys, ...keys] }));
  showReading();
  // The worker says which files it is still reading as each ends (files an MTL or sidecar re-reads among them).
  const onProgress = ({ left }: Progress): void => {
    if (!left || !reads.has(ctrl)) return;
    reads.set(ctrl, left);
    showReading();
  };
  try {
    const { inputs, replaced, notices } = await worker().call('ingest', { files: fresh }, { signal: ctrl.signal, onProgress });
    const bad = inputs.filter((i) => i.problem);
    const error: ShownError | undefined = bad[0] && { ...bad[0].problem!, ...(bad.length > 1 ? { moreUnreadable: bad.length - 1 } : {}) };
    store.set((s) => ({
      inputs: [...s.inputs.filter((i) => !replaced.includes(i.id)), ...inputs],
      // A role the user picked stays with its file when the file is read again.
      roleOverrides: carryRoleOverrides(s.roleOverrides, s.inputs, replaced, inputs),
      ...(notices.length ? { notices: [...s.notices, ...notices] } : {}),
      // A file read again (its sidecar arrived) sheds the problem it had before.
      error: error ?? (s.inputs.some((i) => replaced.includes(i.id) && i.fileName === s.error?.file) ? undefined : s.error),
      syntheticIds: options.synthetic ? [...s.syntheticIds, ...inputs.map((i) => i.id)] : s.syntheticIds,
    }));
  } catch (e) {
    if (!(isAppError(e) && e.code === 'CANCELLED')) store.set({ error: toWire(e) });
    else {
      const note = `Reading of ${names.join(', ')} cancelled: nothing was added to the table. Drop ${names.length > 1 ? 'them' : 'it'} again to read ${names.length > 1 ? 'them' : 'it'}.`;
      store.set((s) => ({ fileKeys: s.fileKeys.filter((k) => !keys.includes(k)), notices: [...s.notices.filter((n) => n !== note), note] }));
      return;
    }
  } finally {
    reads.delete(ctrl);
    showReading();
    if (reads.size === 0) store.set({ isIngesting: false, isIngestCancelling: false });
  }
  inputsChanged('Files were added after this run: press Run to update the results.');
}

/**
 * Cancels the file reads in progress (the Cancel beside "reading…"); nothing when none runs or
 * they were cancelled already. A read the worker had already finished is added as usual.
 */
export function cancelIngest(): void {
  const live = [...reads.keys()].filter((c) => !c.signal.aborted);
  if (live.length === 0) return;
  live.forEach((c) => c.abort());
  store.set({ isIngestCancelling: true });
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
  // Set again, the key moves last: the key order is the order of the choices (the later one wins a role).
  store.set((s) => ({ roleOverrides: { ...Object.fromEntries(Object.entries(s.roleOverrides).filter(([id]) => id !== input.id)), [input.id]: role } }));
  inputsChanged(`The role of ${input.fileName} changed after this run: press Run to update the results.`);
}

/** Picks the date (scene) to run when the files hold several; a date the last queue finished is shown at once. */
export function pickScene(sceneId: string): void {
  if (showDate(sceneId)) return;
  updateSettings({ sceneId });
  inputsChanged(`Another date was picked: these results are of ${store.get().resultScene?.date ?? 'another date'}. Press Run to update them.`);
}

/** Sets the largest LST-to-guide date gap (days) within which a guide of another date may stand in; the scene preview follows. */
export function setMaxDateGap(days: number): void {
  if (!Number.isFinite(days) || days < 0) return;
  updateSettings({ maxDateGapDays: Math.round(days) });
  inputsChanged('The max date gap changed after this run: press Run to update the results.');
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
