import { isAppError } from '../../core/errors.ts';
import { throwIfAborted, type Progress } from '../../core/progress.ts';
import { buildReport } from './report.ts';
import { store, type ExportState, type ProgressState } from './store.ts';
import { toWire, worker } from './worker-handle.ts';

let exportAbort: AbortController | undefined;

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

const cancellingStage = (fileName: string): string => `Cancelling the export of ${fileName}: waiting for the worker to stop`;

/** Bytes as MiB to one decimal (as the file table shows sizes), e.g. 12.4. */
const mib = (bytes: number): number => Math.round((10 * bytes) / 2 ** 20) / 10;

/**
 * The export's progress line: the file and the worker's count, rows of tiles written of the
 * GeoTIFF ('row of tiles 3/19'), of a ZIP the layer being written and its rows ('layer 2/5, row
 * of tiles 3/19'), then the ZIP being built ('writing the ZIP, 12.5/40 MB'); the bar counts each
 * layer and the building of the ZIP as one part each, the parts before whole, so it is full only
 * once the ZIP is built. Before any count it says what the export does ('drawing the map
 * picture'); from Cancel until the worker answers, that the app waits for the worker to stop.
 */
export function exportProgress(fileName: string, p: Pick<Progress, 'stage' | 'done' | 'total' | 'step' | 'steps' | 'detail'> | undefined, isCancelling: boolean): ProgressState {
  const stage = isCancelling ? cancellingStage(fileName) : `Exporting ${fileName}`;
  const within = p && p.total > 0 ? p.done / p.total : 0;
  if (p?.stage === 'zip' && p.steps) {
    const [done, total] = [mib(p.done), mib(p.total)];
    return { stage, done, total, detail: `writing the ZIP, ${done}/${total} MB`, fraction: (p.steps + within) / (p.steps + 1) };
  }
  const done = p?.done ?? 0;
  const total = p?.total ?? 0;
  const rows = `row of tiles ${done}/${total}`;
  const layer = p?.step !== undefined && p.steps ? { step: p.step, steps: p.steps } : undefined;
  return {
    stage,
    done,
    total,
    detail: layer ? `layer ${layer.step}/${layer.steps}, ${rows}` : total === 0 ? (p?.detail ?? 'starting') : rows,
    fraction: layer ? (layer.step - 1 + within) / (layer.steps + 1) : within,
  };
}

/**
 * Runs one export in the worker with a signal (Cancel aborts it: the worker stops between tiles
 * and its deflate workers drop the tiles not started) and saves the file it gives. One export at a
 * time, as one run at a time: a second start while one runs does nothing. A cancelled export saves
 * nothing and says so; the results on screen stay as they were. A cancel that came after the
 * worker had finished loses: the file is saved (worker/client.ts).
 */
async function runExport(
  what: Omit<ExportState, 'progress'>,
  call: (opts: { signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<{ fileName: string; bytes: BlobPart; type: string }>,
): Promise<void> {
  if (store.get().exporting) return;
  const ctrl = new AbortController();
  exportAbort = ctrl;
  store.set({ exporting: { ...what, progress: exportProgress(what.fileName, undefined, false) } });
  const onProgress = (p: Progress): void =>
    store.set((s) => (s.exporting ? { exporting: { ...s.exporting, progress: exportProgress(what.fileName, p, ctrl.signal.aborted) } } : {}));
  try {
    const { fileName, bytes, type } = await call({ signal: ctrl.signal, onProgress });
    download(bytes, fileName, type);
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') {
      const note = `Export of ${what.fileName} cancelled: no file was saved. The results on the map are kept.`;
      store.set((s) => ({ notices: [...s.notices.filter((n) => n !== note), note] }));
    } else store.set({ error: toWire(e) });
  } finally {
    if (exportAbort === ctrl) exportAbort = undefined;
    store.set({ exporting: undefined });
  }
}

/** Exports one layer as a GeoTIFF in its own CRS and grid. */
export async function exportGeoTiff(layerId: string): Promise<void> {
  // A date of a series: the layer of the date on the map.
  const s = store.get();
  const sceneId = s.series.length > 0 ? s.resultScene?.id : undefined;
  const stem = s.layers.find((l) => l.id === layerId)?.fileStem ?? layerId;
  await runExport({ kind: 'geotiff', layerId, fileName: `${stem}.tif` }, async (opts) => {
    const { fileName, file } = await worker().call('exportGeoTiff', { layerId, ...(sceneId !== undefined ? { sceneId } : {}) }, opts);
    return { fileName, bytes: file, type: 'image/tiff' };
  });
}

/**
 * Exports every layer plus report.json (and the map PNG `drawMapPng` gives, when given) as one ZIP
 * named after the scene; after a queue, every finished date's layers (names carry the date) and one
 * report of the series. The picture is drawn first, the line saying so ('drawing the map picture',
 * ~0.5 s); a Cancel meanwhile saves nothing and asks the worker for nothing.
 */
export async function exportZip(drawMapPng?: () => Promise<ArrayBuffer | undefined>): Promise<void> {
  const s = store.get();
  const report = buildReport(s);
  const done = s.series.filter((d) => d.state === 'done' && d.result);
  const tag = s.resultScene?.tag;
  const mapPngName = done.length > 0 && tag ? `${tag}_map.png` : 'map.png';
  const first = done[0]?.result?.scene;
  const last = done[done.length - 1]?.result?.scene;
  const fileStem =
    done.length > 0 && first && last
      ? `${first.tag}${last.date && last.date !== first.date ? `_to_${last.date}` : ''}_srda-lst`
      : tag
        ? `${tag}_srda-lst`
        : undefined;
  const sceneIds = done.length > 0 ? done.map((d) => d.sceneId) : undefined;
  // The worker's own default name when no stem is given.
  await runExport({ kind: 'zip', fileName: `${fileStem ?? 'srda-lst-results'}.zip` }, async (opts) => {
    let mapPng: ArrayBuffer | undefined;
    if (drawMapPng) {
      opts.onProgress({ stage: 'export', done: 0, total: 0, detail: 'drawing the map picture' });
      mapPng = await drawMapPng();
      throwIfAborted(opts.signal);
      // The worker may be busy with a run before it takes the ZIP: the picture is not what is waited for.
      opts.onProgress({ stage: 'export', done: 0, total: 0, detail: 'starting' });
    }
    const extraFiles = mapPng ? [{ name: mapPngName, bytes: mapPng }] : [];
    const { fileName, file } = await worker().call('exportZip', { report, extraFiles, fileStem, ...(sceneIds ? { sceneIds } : {}) }, opts);
    return { fileName, bytes: file, type: 'application/zip' };
  });
}

/**
 * Cancels the export in progress (the Cancel beside it); nothing when none runs or it was
 * cancelled already. The export ends as the worker answers: cancelled (nothing saved), or saved
 * when it had already finished.
 */
export function cancelExport(): void {
  if (!exportAbort || exportAbort.signal.aborted) return;
  exportAbort.abort();
  store.set((s) => (s.exporting ? { exporting: { ...s.exporting, progress: { ...s.exporting.progress, stage: cancellingStage(s.exporting.fileName) } } } : {}));
}
