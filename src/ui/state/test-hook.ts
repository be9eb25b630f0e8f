import { sampleNative } from '../layer-math.ts';
import { getMap } from '../map/registry.ts';
import { store, type AppState } from './store.ts';

/** Read-only view of the app state for tests and outside checks (`window.__srda`). */
export interface SrdaHook {
  readonly status: AppState['status'];
  readonly inputs: AppState['inputs'];
  readonly layers: {
    id: string;
    label: string;
    kind: string;
    method?: string;
    resolutionM: number;
    stage: number;
    isFinal: boolean;
    units: string;
    pixelSizeM: number;
    fileStem: string;
    grid: AppState['layers'][number]['grid'];
    stats: AppState['layers'][number]['stats'];
  }[];
  readonly metrics: AppState['metrics'];
  readonly timings: AppState['timings'];
  readonly energyError: AppState['energyError'];
  readonly backend: AppState['backend'];
  readonly error: AppState['error'];
  readonly visible: AppState['visible'];
  readonly notices: AppState['notices'];
  /** The export in progress (file, progress line), if any. */
  readonly exporting: AppState['exporting'];
  readonly scatter: { method: string; n: number }[];
  readonly preview: AppState['preview'];
  readonly stale: AppState['stale'];
  readonly finetune: AppState['finetune'];
  readonly resultScene: AppState['resultScene'];
  /** The last run's outputs scored against an independent finer LST of the same date, when one was dropped. */
  readonly truth: AppState['truth'];
  /** The dates of the last queue and how each went (no pixel data). */
  readonly series: { sceneId: string; date?: string; state: string; error?: AppState['error']; seconds?: number; layerIds: string[] }[];
  /** Image URL a map draws a layer from (changes when the layer's pixels change, e.g. another date). */
  mapImage(layerId: string, mapName?: string): string | undefined;
  /** Native value of a layer at (col, row) of its own grid. */
  valueAt(layerId: string, col: number, row: number): number | undefined;
  /** Value of a layer at a longitude/latitude (its native pixel there), as the inspector reads it. */
  valueAtLngLat(layerId: string, lng: number, lat: number): number | undefined;
  /** Ids of the result layers drawn (visible) on a map (`main`, `left`, `right`). */
  shownOnMap(mapName?: string): string[];
  /** Screen position (CSS px within the map) of a longitude/latitude on a map. */
  project(lng: number, lat: number, mapName?: string): { x: number; y: number } | undefined;
  /** True once a map has its style and every tile it asked for, and is not moving. */
  isMapSettled(mapName?: string): boolean;
  /** Of the layers shown on a map, those whose image has loaded into it (drawn at its next frame). */
  loadedOnMap(mapName?: string): string[];
}

/** Installs `window.__srda`. */
export function installTestHook(): void {
  const layer = (id: string) => store.get().layers.find((l) => l.id === id);
  const hook: SrdaHook = {
    get status() {
      return store.get().status;
    },
    get inputs() {
      return store.get().inputs;
    },
    get layers() {
      return store.get().layers.map(({ id, label, kind, method, resolutionM, stage, isFinal, units, pixelSizeM, fileStem, grid, stats }) => ({
        id,
        label,
        kind,
        method,
        resolutionM,
        stage,
        isFinal,
        units,
        pixelSizeM,
        fileStem,
        grid,
        stats,
      }));
    },
    get metrics() {
      return store.get().metrics;
    },
    get timings() {
      return store.get().timings;
    },
    get energyError() {
      return store.get().energyError;
    },
    get backend() {
      return store.get().backend;
    },
    get error() {
      return store.get().error;
    },
    get visible() {
      return store.get().visible;
    },
    get notices() {
      return store.get().notices;
    },
    get exporting() {
      return store.get().exporting;
    },
    get scatter() {
      return store.get().scatter.map((d) => ({ method: d.method, n: d.x.length }));
    },
    get preview() {
      return store.get().preview;
    },
    get stale() {
      return store.get().stale;
    },
    get finetune() {
      return store.get().finetune;
    },
    get truth() {
      return store.get().truth;
    },
    get resultScene() {
      return store.get().resultScene;
    },
    get series() {
      return store.get().series.map((d) => ({
        sceneId: d.sceneId,
        date: d.date,
        state: d.state,
        error: d.error,
        seconds: d.seconds,
        layerIds: d.result?.layers.map((l) => l.id) ?? [],
      }));
    },
    mapImage(layerId, name = 'main') {
      const src = getMap(name)?.getSource(`src-${layerId}`) as { url?: string } | undefined;
      return src?.url;
    },
    valueAt(id, col, row) {
      const l = layer(id);
      return l ? l.data[row * l.grid.width + col] : undefined;
    },
    valueAtLngLat(id, lng, lat) {
      const l = layer(id);
      return l ? sampleNative(l, lng, lat)?.value : undefined;
    },
    shownOnMap(name = 'main') {
      const map = getMap(name);
      if (!map) return [];
      return map
        .getStyle()
        .layers.filter((l) => l.id.startsWith('lyr-') && map.getLayoutProperty(l.id, 'visibility') !== 'none')
        .map((l) => l.id.slice(4));
    },
    loadedOnMap(name = 'main') {
      const map = getMap(name);
      return hook.shownOnMap(name).filter((id) => map?.getSource(`src-${id}`)?.loaded() === true);
    },
    isMapSettled(name = 'main') {
      const map = getMap(name);
      return !!map && map.isStyleLoaded() === true && map.areTilesLoaded() && !map.isMoving();
    },
    project(lng, lat, name = 'main') {
      const p = getMap(name)?.project([lng, lat]);
      return p ? { x: p.x, y: p.y } : undefined;
    },
  };
  (window as unknown as { __srda: SrdaHook }).__srda = hook;
}
