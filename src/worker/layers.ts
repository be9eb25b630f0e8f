import type { Raster } from '../core/raster/raster.ts';
import { layerStats, toDisplay } from './display.ts';
import type { LayerData, LayerKind } from './protocol.ts';

/** Native rasters of the layers, kept for export (the UI gets copies). */
const rasters = new Map<string, { raster: Raster; label: string }>();

/** MODIS nominal resolutions (m) a pixel size snaps to when within 25%; otherwise rounded to 10 m. */
const NOMINAL_M = [125, 250, 500, 1000, 2000, 4000, 8000];

export function nominalResolutionM(pixelM: number): number {
  const hit = NOMINAL_M.find((n) => Math.abs(pixelM - n) <= 0.25 * n);
  return hit ?? Math.max(10, Math.round(pixelM / 10) * 10);
}

/** The stored native raster of a layer. */
export function getLayerRaster(id: string): { raster: Raster; label: string } | undefined {
  return rasters.get(id);
}

/** Every stored layer id, in insertion order. */
export function layerIds(): string[] {
  return [...rasters.keys()];
}

/**
 * Stores a layer and builds what the UI needs: a copy of the native data, its Web Mercator display
 * grid and statistics. Push the returned buffers to `transfer`.
 */
export function makeLayer(
  id: string,
  label: string,
  kind: LayerKind,
  resolutionM: number,
  raster: Raster,
  transfer: Transferable[],
  method?: string,
): LayerData {
  rasters.set(id, { raster, label });
  const data = raster.data.slice();
  const display = toDisplay(raster);
  transfer.push(data.buffer, display.data.buffer);
  const { width, height, transform, crs } = raster;
  return {
    id,
    label,
    kind,
    method,
    resolutionM,
    grid: { width, height, transform, crs },
    data,
    display,
    stats: layerStats(raster.data),
  };
}

/** `a - b` pixel by pixel (NaN where either is NaN), on a's grid. */
export function difference(a: Raster, b: Raster): Raster {
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { ...a, data };
}
