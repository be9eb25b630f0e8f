import type { GeoJSONSource, Map as MapInstance } from 'maplibre-gl';

const ID = 'inspect-point';

/** Draws (or moves, or removes) the ring marking the pixel inspector's position. */
export function setInspectMarker(map: MapInstance, at: { lng: number; lat: number } | undefined): void {
  const data: GeoJSON.FeatureCollection = {
    type: 'FeatureCollection',
    features: at
      ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [at.lng, at.lat] } }]
      : [],
  };
  const source = map.getSource(ID) as GeoJSONSource | undefined;
  if (source) {
    source.setData(data);
  } else {
    map.addSource(ID, { type: 'geojson', data });
    map.addLayer({
      id: ID,
      type: 'circle',
      source: ID,
      paint: {
        'circle-radius': 6,
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': '#00e5ff',
        'circle-stroke-width': 2.5,
      },
    });
  }
  map.moveLayer(ID);
}
