import { worldToPixel } from '../core/geo/affine.ts';
import { WGS84, transformPoint } from '../core/geo/crs.ts';
import { sampleLngLatGrid } from '../core/geo/mercator.ts';
import type { LayerData } from '../worker/protocol.ts';

/**
 * One display range shared by every LST layer (min of their 2nd percentiles, max of their 98th),
 * and a symmetric range around 0 K for difference layers. Units K.
 */
export function sharedRanges(layers: Pick<LayerData, 'kind' | 'stats'>[]): {
  lst: [number, number];
  diff: [number, number];
} {
  let lo = Infinity;
  let hi = -Infinity;
  let d = 0;
  for (const l of layers) {
    if (!Number.isFinite(l.stats.p2) || !Number.isFinite(l.stats.p98)) continue;
    if (l.kind === 'difference') d = Math.max(d, Math.abs(l.stats.p2), Math.abs(l.stats.p98));
    else {
      lo = Math.min(lo, l.stats.p2);
      hi = Math.max(hi, l.stats.p98);
    }
  }
  if (!(hi > lo)) [lo, hi] = Number.isFinite(lo) ? [lo - 1, lo + 1] : [270, 320];
  if (!(d > 0)) d = 1;
  return { lst: [lo, hi], diff: [-d, d] };
}

/**
 * The value of a layer at a longitude/latitude, read from its Web Mercator display grid (which
 * holds the native values picked by nearest neighbour). NaN outside the layer or where invalid.
 */
export function sampleDisplay(layer: Pick<LayerData, 'display'>, lng: number, lat: number): number {
  return sampleLngLatGrid(layer.display, lng, lat);
}

/**
 * The native pixel of a layer under a longitude/latitude (transformed into the layer's own CRS),
 * with its value; undefined outside the grid. Exact, unlike sampling the display grid.
 */
export function sampleNative(
  layer: Pick<LayerData, 'grid' | 'data'>,
  lng: number,
  lat: number,
): { col: number; row: number; value: number } | undefined {
  const [x, y] = transformPoint(WGS84, layer.grid.crs, lng, lat);
  if (Number.isNaN(x)) return undefined;
  const [c, r] = worldToPixel(layer.grid.transform, x, y);
  const col = Math.floor(c);
  const row = Math.floor(r);
  if (col < 0 || row < 0 || col >= layer.grid.width || row >= layer.grid.height) return undefined;
  return { col, row, value: layer.data[row * layer.grid.width + col] };
}

/** Formats a temperature in K as K or °C; differences are not offset. */
export function formatTemp(valueK: number, unit: 'K' | 'C', isDifference = false, digits = 2): string {
  if (!Number.isFinite(valueK)) return '—';
  const v = unit === 'C' && !isDifference ? valueK - 273.15 : valueK;
  return `${v.toFixed(digits)} ${unit === 'C' ? '°C' : 'K'}`;
}
