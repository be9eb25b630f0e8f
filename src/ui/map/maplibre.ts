import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { offlineStyle } from './basemap.ts';

maplibregl.setWorkerUrl(workerUrl);

export type MapInstance = maplibregl.Map;

/**
 * Creates a map with the offline style (no remote sources or glyphs). The drawing buffer is kept
 * so the current view can be exported as PNG.
 */
export function createMap(container: HTMLElement): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style: offlineStyle(),
    center: [0, 20],
    zoom: 1.2,
    attributionControl: { compact: true, customAttribution: 'Natural Earth (world-atlas)' },
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: false },
    fadeDuration: 0,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  return map;
}

/** Keeps the cameras of two maps in step (either one can lead). Returns an unsubscribe function. */
export function syncMaps(a: maplibregl.Map, b: maplibregl.Map): () => void {
  let isSyncing = false;
  const follow = (from: maplibregl.Map, to: maplibregl.Map) => () => {
    if (isSyncing) return;
    isSyncing = true;
    to.jumpTo({
      center: from.getCenter(),
      zoom: from.getZoom(),
      bearing: from.getBearing(),
      pitch: from.getPitch(),
    });
    isSyncing = false;
  };
  const ab = follow(a, b);
  const ba = follow(b, a);
  a.on('move', ab);
  b.on('move', ba);
  ab();
  return () => {
    a.off('move', ab);
    b.off('move', ba);
  };
}
