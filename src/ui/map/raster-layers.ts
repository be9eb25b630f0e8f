import type { ImageSource, Map as MapInstance } from 'maplibre-gl';
import { colorize, LUTS, type LutName } from '../colormap.ts';
import type { LayerData } from '../../worker/protocol.ts';

/** How layers are drawn: colour table for LST layers, shared ranges (K), opacity 0..1. */
export interface DrawStyle {
  colormap: LutName;
  lstRange: [number, number];
  diffRange: [number, number];
  opacity: number;
}

const rendered = new WeakMap<LayerData, { key: string; url: string }>();

/** PNG data URL of a layer's display grid coloured with the style (cached per layer and style). */
export function renderLayerImage(layer: LayerData, style: DrawStyle): string {
  const isDiff = layer.kind === 'difference';
  const lut = isDiff ? LUTS.diverging : LUTS[style.colormap];
  const [lo, hi] = isDiff ? style.diffRange : style.lstRange;
  const key = `${isDiff ? 'diverging' : style.colormap}:${lo}:${hi}`;
  const hit = rendered.get(layer);
  if (hit?.key === key) return hit.url;
  const { width, height, data } = layer.display;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas unavailable');
  ctx.putImageData(new ImageData(colorize(data, lut, lo, hi), width, height), 0, 0);
  const url = canvas.toDataURL('image/png');
  rendered.set(layer, { key, url });
  return url;
}

function corners(b: LayerData['display']['bounds']): [[number, number], [number, number], [number, number], [number, number]] {
  const [w, s, e, n] = b;
  return [
    [w, n],
    [e, n],
    [e, s],
    [w, s],
  ];
}

const srcId = (id: string) => `src-${id}`;
const lyrId = (id: string) => `lyr-${id}`;

// Coarse layers below fine ones; differences on top.
function drawOrder(l: LayerData): number {
  return (l.kind === 'difference' ? 1e6 : 0) + 1e5 / l.resolutionM;
}

/**
 * Makes the map's raster layers match `layers` and `shownIds`: adds image sources placed by their
 * Web Mercator bounds, updates images when the style changed, toggles visibility and opacity,
 * removes layers that are gone.
 */
export function syncRasterLayers(map: MapInstance, layers: LayerData[], shownIds: Set<string>, style: DrawStyle): void {
  const wanted = new Set(layers.map((l) => l.id));
  for (const l of map.getStyle().layers) {
    if (l.id.startsWith('lyr-') && !wanted.has(l.id.slice(4))) {
      map.removeLayer(l.id);
      map.removeSource(srcId(l.id.slice(4)));
    }
  }
  const sorted = [...layers].sort((a, b) => drawOrder(a) - drawOrder(b));
  for (const layer of sorted) {
    const isShown = shownIds.has(layer.id);
    const source = map.getSource(srcId(layer.id)) as ImageSource | undefined;
    if (!isShown && !source) continue;
    if (isShown) {
      const url = renderLayerImage(layer, style);
      if (!source) {
        map.addSource(srcId(layer.id), { type: 'image', url, coordinates: corners(layer.display.bounds) });
      } else if (source.url !== url) {
        source.updateImage({ url, coordinates: corners(layer.display.bounds) });
      }
    }
    if (!map.getLayer(lyrId(layer.id))) {
      map.addLayer({ id: lyrId(layer.id), type: 'raster', source: srcId(layer.id), paint: { 'raster-resampling': 'nearest', 'raster-fade-duration': 0 } });
    }
    map.moveLayer(lyrId(layer.id), map.getLayer('ne-borders') ? 'ne-borders' : undefined);
    map.setLayoutProperty(lyrId(layer.id), 'visibility', isShown ? 'visible' : 'none');
    map.setPaintProperty(lyrId(layer.id), 'raster-opacity', style.opacity);
  }
}

/** The longitude/latitude box covering every layer, for fitting the view. */
export function layersBounds(layers: LayerData[]): [[number, number], [number, number]] | undefined {
  if (layers.length === 0) return undefined;
  const w = Math.min(...layers.map((l) => l.display.bounds[0]));
  const s = Math.min(...layers.map((l) => l.display.bounds[1]));
  const e = Math.max(...layers.map((l) => l.display.bounds[2]));
  const n = Math.max(...layers.map((l) => l.display.bounds[3]));
  return [
    [w, s],
    [e, n],
  ];
}
