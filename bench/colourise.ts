import type { Raster } from '../src/core/raster/raster.ts';
import { colorize, colorizeReusing, LUTS } from '../src/ui/colormap.ts';
import { layerStats, toDisplay } from '../src/worker/display.ts';
import type { LayerView } from '../src/worker/layer-pool.ts';

/**
 * A layer as the app shows it: its Web Mercator display grid and statistics (the app's layer
 * making) and its RGBA (the map's colours). Returns the RGBA's length.
 */
export function colouriseLayer(r: Raster): number {
  const display = toDisplay(r);
  const stats = layerStats(r.data);
  const rgba = colorize(display.data, LUTS.inferno, stats.p2, stats.p98);
  return rgba.length;
}

/**
 * The RGBA of a layer made by the app's layer workers (its display grid in its legend's range), as
 * the map colours it (`colorizeReusing`, the map's layer images). Returns its length.
 */
export function colouriseView(v: LayerView): number {
  return colorizeReusing(v.display.data, LUTS.inferno, v.stats.p2, v.stats.p98).length;
}
