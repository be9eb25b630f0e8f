import { finishSteps, throwIfAborted, untilAborted, type Steps } from '../core/progress.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { layerViewInSteps, type LayerMaker, type LayerView } from './layer-pool.ts';
import { keptLayerWorkers } from './layer-pool-web.ts';
import type { LayerData, LayerKind } from './protocol.ts';

/** MODIS nominal resolutions (m) a pixel size snaps to when within 25%; otherwise rounded to 10 m. */
const NOMINAL_M = [125, 250, 500, 1000, 2000, 4000, 8000];

export function nominalResolutionM(pixelM: number): number {
  const hit = NOMINAL_M.find((n) => Math.abs(pixelM - n) <= 0.25 * n);
  return hit ?? Math.max(10, Math.round(pixelM / 10) * 10);
}

/**
 * The stored native raster of a layer with what it is: of the scene `sceneId` (a date of a
 * series), else of the scene stored last.
 */
export function getLayerRaster(id: string, sceneId?: string): { raster: Raster; meta: LayerMeta } | undefined {
  return (sceneId !== undefined ? scenes.get(sceneId) : scenes.get(current))?.get(id);
}

/** Every stored layer id of the scene stored last, in insertion order. */
export function layerIds(): string[] {
  return [...(scenes.get(current)?.keys() ?? [])];
}

/** Every stored layer of every scene (the dates of a series, in run order), for the series export. */
export function allSceneLayers(): { sceneId: string; id: string }[] {
  return [...scenes.entries()].flatMap(([sceneId, m]) => [...m.keys()].map((id) => ({ sceneId, id })));
}

/**
 * The id of a method's layer in every run, whichever method the run put first: the input LST and
 * SRDA-Net's stages are `lst-1000m`, `lst-500m`, `lst-250m` (the ids DESIGN.md's test hooks name),
 * every other method's `bicubic-250m`, `tsharp-250m`, `dms-250m`; SRDA-Net's uncertainty
 * `sigma-250m` and its difference from bicubic `diff-bicubic-250m`, another method's
 * `tsharp-sigma-250m`, `diff-tsharp-bicubic-250m`. Two layers of different methods never share an
 * id, so a layer an earlier run left on the map is never taken for another method's.
 */
export function layerId(what: 'stage' | 'sigma' | 'diff-bicubic', method: string, resolutionM: number): string {
  const res = `${resolutionM}m`;
  const isSrda = method === 'srda' || method === 'input';
  if (what === 'stage') return isSrda ? `lst-${res}` : `${method}-${res}`;
  if (what === 'sigma') return isSrda ? `sigma-${res}` : `${method}-sigma-${res}`;
  return isSrda ? `diff-bicubic-${res}` : `diff-${method}-bicubic-${res}`;
}

/**
 * A method's short name, what its layers' labels lead with (`SRDA-Net`, `Bicubic`, `TsHARP`, `DMS`),
 * and what its full label (`label`, the pipeline's) says beyond that name, for the line under it:
 * SRDA-Net's model size and detail weight (`tiny model, 58 % of its detail (closed-loop weight)`),
 * what a baseline is (`linear NDVI regression`, `bicubic interpolation`).
 */
export function methodNaming(id: string, label: string): { name: string; detail: string } {
  const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);
  if (id === 'srda') {
    const m = /^SRDA-Net \(([^)]*)\)(.*)$/.exec(label);
    return { name: 'SRDA-Net', detail: m ? `${m[1]} model${m[2]}` : label };
  }
  if (id === 'bicubic') return { name: 'Bicubic', detail: lowerFirst(label) };
  if (id === 'dms') return { name: 'DMS', detail: lowerFirst(label) };
  // `TsHARP (linear NDVI regression)`, `DisTrad (quadratic NDVI regression)`: the name, then what it is.
  const m = /^(.*?) \((.*)\)$/.exec(label);
  return m ? { name: m[1], detail: m[2] } : { name: label, detail: '' };
}

/** What a layer is, beyond its pixels: the UI and the exporter read these instead of id patterns. */
export interface LayerMeta {
  /** Stable id (`layerId`), e.g. `lst-1000m`, `lst-250m` (SRDA-Net), `bicubic-250m`, `diff-bicubic-250m`. */
  id: string;
  /** Short name, the method (or input) and the grid: `SRDA-Net 212 m`, `Bicubic 212 m`, `Input LST 849 m`. */
  label: string;
  /** What the label leaves out, for the line under it: model size, detail weight, what the method is (`tiny model, 58 % of its detail (closed-loop weight)`). */
  detail?: string;
  /** The layer in full words, the method as the pipeline names it (`SRDA-Net (tiny), 58 % of its detail (closed-loop weight) 212 m`): the GeoTIFF band description; the label when absent. */
  description?: string;
  kind: LayerKind;
  method?: string;
  /** 0 for the input LST, k for the output of stage k. */
  stage: number;
  /** The last stage of its method (the result to look at first). */
  isFinal: boolean;
  /** Real pixel size of the grid, metres (at the scene centre for geographic grids). */
  pixelSizeM: number;
  /** Export file name, without extension: scene, date, method, resolution. */
  fileStem: string;
}

/** Native rasters of the layers per scene (date and tile), kept for export (the UI gets copies). */
const scenes = new Map<string, Map<string, { raster: Raster; meta: LayerMeta }>>();
/** The scene new layers go to. */
let current = '';

/** A pixel size for labels and file names: `849 m`, `62.5 m`, `30 m`. */
export function formatPixelM(m: number): string {
  return m >= 100 ? `${Math.round(m)} m` : `${Number(m.toPrecision(3))} m`;
}

/**
 * Stores a layer and builds what the UI needs: a copy of the native data, its Web Mercator display
 * grid and statistics, on this thread. Push the returned buffers to `transfer`.
 */
export function makeLayer(meta: LayerMeta, raster: Raster, transfer: Transferable[]): LayerData {
  return finishSteps(makeLayerInSteps(meta, raster, transfer));
}

/**
 * `makeLayer` in steps: yields after each block of rows of the display reprojection, and stores the
 * layer only once it is made (a job stopped between steps leaves the stored layers as they were).
 */
export function* makeLayerInSteps(meta: LayerMeta, raster: Raster, transfer: Transferable[]): Steps<LayerData> {
  const view = yield* layerViewInSteps({ ...raster, data: raster.data.slice() });
  storeLayer(meta, raster);
  return layerData(meta, raster, view, transfer);
}

/** Keeps a layer's native raster for export, in the scene new layers go to. */
export function storeLayer(meta: LayerMeta, raster: Raster): void {
  if (!scenes.has(current)) scenes.set(current, new Map());
  scenes.get(current)!.set(meta.id, { raster, meta });
}

/** The layer the UI gets from its metadata, grid and view (worker/layer-pool.ts); its buffers go to `transfer`. */
export function layerData(meta: LayerMeta, grid: Grid, view: LayerView, transfer: Transferable[]): LayerData {
  transfer.push(view.data.buffer, view.display.data.buffer);
  const { width, height, transform, crs } = grid;
  return {
    ...meta,
    units: meta.kind === 'difference' ? 'K (difference)' : 'K',
    resolutionM: nominalResolutionM(meta.pixelSizeM),
    grid: { width, height, transform, crs },
    data: view.data,
    display: view.display,
    stats: view.stats,
  };
}

/**
 * The layers of a run, made on the layer workers (two at a time on two cores; kept from run to run,
 * `keptLayerWorkers`) while this thread goes on with `meanwhile` (the closed-loop check), in the
 * order given. Only once every layer is made are they stored as the scene `scene.id` (see
 * `beginSceneLayers`): when one cannot be made, the run fails with an error naming it and the
 * layers of earlier runs stay, for the map and export (as they do when `scene.signal` is aborted
 * by then).
 */
export async function makeRunLayers<T>(
  jobs: { meta: LayerMeta; raster: Raster }[],
  scene: { id: string; keepOtherScenes?: boolean; signal?: AbortSignal },
  transfer: Transferable[],
  meanwhile: () => Promise<T>,
  maker: LayerMaker = keptLayerWorkers(),
): Promise<{ layers: LayerData[]; meanwhile: T }> {
  const views = Promise.all(jobs.map((j) => maker.make(j.raster, j.meta.label, scene.signal)));
  // Rejected here or awaited below, never unhandled.
  views.catch(() => undefined);
  const other = await meanwhile();
  // A cancel ends the wait for the layer workers at once; what they still make is dropped. A run cancelled by now shows nothing: the layers stored for export stay those shown.
  const made = await untilAborted(views, scene.signal);
  throwIfAborted(scene.signal);
  beginSceneLayers(scene.id, scene.keepOtherScenes);
  const layers = jobs.map((j, i) => {
    storeLayer(j.meta, j.raster);
    return layerData(j.meta, j.raster, made[i], transfer);
  });
  return { layers, meanwhile: other };
}

/** Forgets every stored layer (new inputs or a new run replace them). */
export function clearLayers(): void {
  scenes.clear();
  current = '';
}

/**
 * Starts the layers of a scene: later `makeLayer` calls store into it. A single-date run forgets
 * every other scene; a date of a series (`keepOtherScenes`) keeps the dates run before it.
 */
export function beginSceneLayers(sceneId: string, keepOtherScenes = false): void {
  if (!keepOtherScenes) scenes.clear();
  // The LST shown before any run is no result of the series.
  scenes.delete('');
  scenes.set(sceneId, new Map());
  current = sceneId;
}

/** `a - b` pixel by pixel (NaN where either is NaN), on a's grid. */
export function difference(a: Raster, b: Raster): Raster {
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { ...a, data };
}
