import type { Raster } from '../core/raster/raster.ts';
import { layerStats, toDisplay } from './display.ts';
import type { LayerData, LayerKind } from './protocol.ts';

/** MODIS nominal resolutions (m) a pixel size snaps to when within 25%; otherwise rounded to 10 m. */
const NOMINAL_M = [125, 250, 500, 1000, 2000, 4000, 8000];

export function nominalResolutionM(pixelM: number): number {
  const hit = NOMINAL_M.find((n) => Math.abs(pixelM - n) <= 0.25 * n);
  return hit ?? Math.max(10, Math.round(pixelM / 10) * 10);
}

/** The stored native raster of a layer with what it is. */
export function getLayerRaster(id: string): { raster: Raster; meta: LayerMeta } | undefined {
  return stored.get(id);
}

/** Every stored layer id, in insertion order. */
export function layerIds(): string[] {
  return [...stored.keys()];
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

/** Native rasters of the layers, kept for export (the UI gets copies). */
const stored = new Map<string, { raster: Raster; meta: LayerMeta }>();

/** A pixel size for labels and file names: `849 m`, `62.5 m`, `30 m`. */
export function formatPixelM(m: number): string {
  return m >= 100 ? `${Math.round(m)} m` : `${Number(m.toPrecision(3))} m`;
}

/**
 * Stores a layer and builds what the UI needs: a copy of the native data, its Web Mercator display
 * grid and statistics. Push the returned buffers to `transfer`.
 */
export function makeLayer(meta: LayerMeta, raster: Raster, transfer: Transferable[]): LayerData {
  stored.set(meta.id, { raster, meta });
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
  stored.clear();
}

/** `a - b` pixel by pixel (NaN where either is NaN), on a's grid. */
export function difference(a: Raster, b: Raster): Raster {
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { ...a, data };
}
