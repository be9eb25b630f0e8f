import { useEffect, useMemo, useRef, useState } from 'react';
import type { Map as MapInstance } from 'maplibre-gl';
import { store, useAppState } from '../state/store.ts';
import { sharedRanges } from '../layer-math.ts';
import { addOfflineBasemap, setOnlineBasemap } from './basemap.ts';
import { createMap } from './maplibre.ts';
import { layersBounds, syncRasterLayers } from './raster-layers.ts';
import { registerMap } from './registry.ts';
import { setInspectMarker } from './inspect-marker.ts';

interface Props {
  /** Ids of the layers drawn (in draw order by resolution). */
  shownIds: string[];
  /** Registry name of this map (`main`, `left`, `right`). */
  name: string;
  className?: string;
  /** Called once the map has loaded (for camera sync). */
  onReady?: (map: MapInstance) => void;
}

/** A MapLibre map showing result layers over the offline basemap; clicks feed the pixel inspector. */
export function MapView({ shownIds, name, className, onReady }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<MapInstance>();
  const layers = useAppState((s) => s.layers);
  const opacity = useAppState((s) => s.opacity);
  const colormap = useAppState((s) => s.colormap);
  const isOnline = useAppState((s) => s.onlineBasemap);
  const onReadyRef = useRef(onReady);
  useEffect(() => {
    onReadyRef.current = onReady;
  }, [onReady]);

  useEffect(() => {
    if (!container.current) return;
    const m = createMap(container.current);
    let isAlive = true;
    m.on('load', () => {
      void addOfflineBasemap(m).then(() => {
        if (!isAlive) return;
        setMap(m);
        onReadyRef.current?.(m);
      });
    });
    m.on('click', (e) => store.set({ inspect: { lng: e.lngLat.lng, lat: e.lngLat.lat } }));
    const unregister = registerMap(name, m);
    return () => {
      isAlive = false;
      unregister();
      m.remove();
    };
  }, [name]);

  const ranges = useMemo(() => sharedRanges(layers), [layers]);
  const shownKey = shownIds.join(',');
  // What the map is asked to draw, a new token whenever that changes; `drawnFor` is the one it has
  // drawn: every shown layer's image placed and loaded, and a frame rendered with it (MapLibre's
  // `idle` after that). The container says so as `data-drawn` (screenshots, tests).
  const drawing = useMemo(() => ({ map, layers, shownKey, colormap, ranges, opacity }), [map, layers, shownKey, colormap, ranges, opacity]);
  const [drawnFor, setDrawnFor] = useState<typeof drawing>();
  useEffect(() => {
    if (!map) return;
    let isCurrent = true;
    void syncRasterLayers(map, layers, new Set(shownKey ? shownKey.split(',') : []), {
      colormap,
      lstRange: ranges.lst,
      diffRange: ranges.diff,
      sigmaRange: ranges.sigma,
      opacity,
    }).then((isPlaced) => {
      if (!isPlaced || !isCurrent) return;
      map.once('idle', () => {
        if (isCurrent) setDrawnFor(drawing);
      });
      // A frame now, so that `idle` comes even when nothing new had to load.
      map.triggerRepaint();
    });
    return () => {
      isCurrent = false;
    };
  }, [map, layers, shownKey, colormap, ranges, opacity, drawing]);

  useEffect(() => {
    if (map) setOnlineBasemap(map, isOnline);
  }, [map, isOnline]);

  // Online tiles that fail (offline, blocked): say so and fall back to the bundled basemap.
  useEffect(() => {
    if (!map) return;
    const onError = (e: object) => {
      if ((e as { sourceId?: string }).sourceId !== 'osm' || !store.get().onlineBasemap) return;
      store.set({
        onlineBasemap: false,
        basemapNotice:
          'The online basemap (OpenStreetMap) could not be loaded: this machine seems to be offline. The bundled offline basemap is shown instead; switch "Online basemap" on again once connected.',
      });
    };
    map.on('error', onError);
    return () => {
      map.off('error', onError);
    };
  }, [map]);

  const inspect = useAppState((s) => s.inspect);
  useEffect(() => {
    if (map) setInspectMarker(map, inspect);
  }, [map, inspect, shownKey]);

  const boundsKey = layers.map((l) => l.id).join(',');
  const lastFit = useRef('');
  useEffect(() => {
    if (!map || name === 'right') return;
    const b = layersBounds(layers);
    const key = layers.length > 0 ? JSON.stringify(b) : '';
    if (!b || key === lastFit.current) return;
    lastFit.current = key;
    map.fitBounds(b, { padding: 30, animate: false });
    // layers only matter through boundsKey here: refit when the set of layers changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, boundsKey, name]);

  return (
    <div
      ref={container}
      className={className ?? 'map'}
      data-testid={`map-${name}`}
      data-ready={map ? 'true' : 'false'}
      data-drawn={map && drawnFor === drawing ? 'true' : 'false'}
    />
  );
}
