import type { Raster } from '../core/raster/raster.ts';
import { layerStats, toDisplay } from './display.ts';
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

/** What a layer is, beyond its pixels: the UI and the exporter read these instead of id patterns. */
export interface LayerMeta {
  /** Stable id, e.g. `lst-1000m`, `lst-250m`, `bicubic-250m`, `diff-bicubic-250m`. */
  id: string;
  label: string;
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
 * grid and statistics. Push the returned buffers to `transfer`.
 */
export function makeLayer(meta: LayerMeta, raster: Raster, transfer: Transferable[]): LayerData {
  if (!scenes.has(current)) scenes.set(current, new Map());
  scenes.get(current)!.set(meta.id, { raster, meta });
  const data = raster.data.slice();
  const display = toDisplay(raster);
  transfer.push(data.buffer, display.data.buffer);
  const { width, height, transform, crs } = raster;
  return {
    ...meta,
    units: meta.kind === 'difference' ? 'K (difference)' : 'K',
    resolutionM: nominalResolutionM(meta.pixelSizeM),
    grid: { width, height, transform, crs },
    data,
    display,
    stats: layerStats(raster.data),
  };
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
