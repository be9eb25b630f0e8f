import type { ImageSource, Map as MapInstance } from 'maplibre-gl';
import { colorizeReusing, LUTS, type LutName } from '../colormap.ts';
import type { LayerData } from '../../worker/protocol.ts';

/** How layers are drawn: colour table for LST layers, shared ranges (K), opacity 0..1. */
export interface DrawStyle {
  colormap: LutName;
  lstRange: [number, number];
  diffRange: [number, number];
  /** Range (K) of uncertainty (1 sigma) layers; default 0-1 K. */
  sigmaRange?: [number, number];
  opacity: number;
}

const rendered = new WeakMap<LayerData, { key: string; url: Promise<string> }>();

function styleKey(layer: LayerData, style: DrawStyle): string {
  const isDiff = layer.kind === 'difference';
  const [lo, hi] = rangeOf(layer, style);
  return `${isDiff ? 'diverging' : style.colormap}:${lo}:${hi}`;
}

function rangeOf(layer: LayerData, style: DrawStyle): [number, number] {
  if (layer.kind === 'difference') return style.diffRange;
  if (layer.kind === 'uncertainty') return style.sigmaRange ?? [0, 1];
  return style.lstRange;
}

/**
 * Blob URL of a PNG of the layer's display grid coloured with the style (cached per layer and
 * style). The PNG is encoded asynchronously (`toBlob`), so big layers do not freeze the page.
 */
export function renderLayerImage(layer: LayerData, style: DrawStyle): Promise<string> {
  const key = styleKey(layer, style);
  const hit = rendered.get(layer);
  if (hit?.key === key) return hit.url;
  const isDiff = layer.kind === 'difference';
  const lut = isDiff ? LUTS.diverging : LUTS[style.colormap];
  const [lo, hi] = rangeOf(layer, style);
  const { width, height, data } = layer.display;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return Promise.reject(new Error('2D canvas unavailable'));
  // putImageData copies the pixels: the RGBA array is the next layer's to write over.
  ctx.putImageData(new ImageData(colorizeReusing(data, lut, lo, hi), width, height), 0, 0);
  const url = new Promise<string>((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(URL.createObjectURL(b)) : reject(new Error('PNG encoding failed'))),
      'image/png',
    ),
  );
  rendered.set(layer, { key, url });
  // The previous image is already uploaded to the GPU once the new one replaces it.
  if (hit) void Promise.all([hit.url, url]).then(([old]) => setTimeout(() => URL.revokeObjectURL(old), 5000));
  return url;
}

function corners(
  b: LayerData['display']['bounds'],
): [[number, number], [number, number], [number, number], [number, number]] {
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

interface SyncArgs {
  layers: LayerData[];
  shownIds: Set<string>;
  style: DrawStyle;
}

/** The latest request per map, so late images apply the current state and not a stale one. */
const latest = new WeakMap<MapInstance, SyncArgs>();

/** Orders, shows/hides and sets opacity of every layer that has a source already. */
function applyLayerState(map: MapInstance, { layers, shownIds, style }: SyncArgs): void {
  const before = map.getLayer('ne-borders') ? 'ne-borders' : undefined;
  for (const layer of [...layers].sort((a, b) => drawOrder(a) - drawOrder(b))) {
    if (!map.getSource(srcId(layer.id))) continue;
    if (!map.getLayer(lyrId(layer.id))) {
      map.addLayer({
        id: lyrId(layer.id),
        type: 'raster',
        source: srcId(layer.id),
        paint: { 'raster-resampling': 'nearest', 'raster-fade-duration': 0 },
      });
    }
    map.moveLayer(lyrId(layer.id), before);
    map.setLayoutProperty(lyrId(layer.id), 'visibility', shownIds.has(layer.id) ? 'visible' : 'none');
    map.setPaintProperty(lyrId(layer.id), 'raster-opacity', style.opacity);
  }
}

function showImage(map: MapInstance, layer: LayerData, url: string): void {
  if (!map.getStyle()) return;
  const args = latest.get(map);
  if (!args || !args.layers.includes(layer)) return;
  const source = map.getSource(srcId(layer.id)) as ImageSource | undefined;
  if (!source) {
    map.addSource(srcId(layer.id), { type: 'image', url, coordinates: corners(layer.display.bounds) });
  } else if (source.url !== url) {
    source.updateImage({ url, coordinates: corners(layer.display.bounds) });
  }
  applyLayerState(map, args);
}

/**
 * Makes the map's raster layers match `layers` and `shownIds`: image sources placed by their
 * Web Mercator bounds (added once the image is encoded), updated when the style changes,
 * visibility and opacity toggled, layers that are gone removed. Resolves true once every shown
 * layer's image is on the map as a source (MapLibre then loads and draws it: its next `idle`
 * comes after that), false when one could not be encoded.
 */
export async function syncRasterLayers(
  map: MapInstance,
  layers: LayerData[],
  shownIds: Set<string>,
  style: DrawStyle,
): Promise<boolean> {
  const args = { layers, shownIds, style };
  latest.set(map, args);
  const wanted = new Set(layers.map((l) => l.id));
  for (const l of map.getStyle().layers) {
    if (l.id.startsWith('lyr-') && !wanted.has(l.id.slice(4))) {
      map.removeLayer(l.id);
      map.removeSource(srcId(l.id.slice(4)));
    }
  }
  const placed = layers.filter((l) => shownIds.has(l.id)).map((layer) => renderLayerImage(layer, style).then((url) => showImage(map, layer, url)));
  applyLayerState(map, args);
  const outcomes = await Promise.allSettled(placed);
  return outcomes.every((o) => o.status === 'fulfilled');
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
