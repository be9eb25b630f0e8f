import type { StyleSpecification, Map as MapInstance } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';

/** A style with no remote sources, no sprites and no glyphs: the map works offline. */
export function offlineStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#cfd8e3' } }],
  };
}

type Countries = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
let cached:
  | Promise<{
      land: GeoJSON.FeatureCollection;
      coast: GeoJSON.MultiLineString;
      borders: GeoJSON.MultiLineString;
    }>
  | undefined;

// Antarctica is left out: its ring runs to the pole, which Web Mercator cannot show, and its
// fill then floods the map.
const ANTARCTICA = '010';

/**
 * Makes a line continuous across the antimeridian (a 179 -> -179 step becomes 179 -> 181), so
 * MapLibre does not draw it the long way round the world. Mutates `line`.
 */
function unwrap(line: GeoJSON.Position[]): void {
  let shift = 0;
  for (let i = 1; i < line.length; i++) {
    const d = line[i][0] + shift - line[i - 1][0];
    if (d > 180) shift -= 360;
    else if (d < -180) shift += 360;
    line[i][0] += shift;
  }
}

function unwrapAll(g: GeoJSON.Geometry): void {
  if (g.type === 'LineString') unwrap(g.coordinates);
  else if (g.type === 'MultiLineString' || g.type === 'Polygon') g.coordinates.forEach(unwrap);
  else if (g.type === 'MultiPolygon') g.coordinates.forEach((p) => p.forEach(unwrap));
}

function loadNaturalEarth() {
  cached ??= import('world-atlas/countries-50m.json').then((m) => {
    const topo = (m.default ?? m) as unknown as Countries;
    const countries = {
      ...topo.objects.countries,
      geometries: topo.objects.countries.geometries.filter((g) => g.id !== ANTARCTICA),
    };
    const land = feature(topo, countries);
    const coast = mesh(topo, countries, (a, b) => a === b);
    const borders = mesh(topo, countries, (a, b) => a !== b);
    for (const f of land.features) if (f.geometry) unwrapAll(f.geometry);
    unwrapAll(coast);
    unwrapAll(borders);
    return { land, coast, borders };
  });
  return cached;
}

/** Adds the bundled Natural Earth land, coastlines and borders (1:50m) below any data layer. */
export async function addOfflineBasemap(map: MapInstance): Promise<void> {
  const ne = await loadNaturalEarth();
  if (!map.getStyle()) return;
  map.addSource('ne-land', { type: 'geojson', data: ne.land });
  map.addSource('ne-coast', { type: 'geojson', data: ne.coast });
  map.addSource('ne-borders', { type: 'geojson', data: ne.borders });
  // Land goes under any data layer already on the map; the lines go on top of everything.
  const firstData = map.getStyle().layers.find((l) => l.id.startsWith('lyr-'))?.id;
  map.addLayer(
    { id: 'ne-land', type: 'fill', source: 'ne-land', paint: { 'fill-color': '#eef0ea' } },
    firstData,
  );
  map.addLayer({
    id: 'ne-borders',
    type: 'line',
    source: 'ne-borders',
    paint: { 'line-color': '#8a8f99', 'line-width': 0.8, 'line-dasharray': [3, 2] },
  });
  map.addLayer({
    id: 'ne-coast',
    type: 'line',
    source: 'ne-coast',
    paint: { 'line-color': '#4a6078', 'line-width': 1 },
  });
}

const OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

/** Shows or hides the online OpenStreetMap raster basemap (requests leave the machine only when on). */
export function setOnlineBasemap(map: MapInstance, isOn: boolean): void {
  const has = !!map.getSource('osm');
  if (isOn && !has) {
    map.addSource('osm', {
      type: 'raster',
      tiles: [OSM_TILES],
      tileSize: 256,
      maxzoom: 19,
      attribution: '© OpenStreetMap contributors',
    });
    map.addLayer(
      { id: 'osm', type: 'raster', source: 'osm' },
      map.getLayer('ne-land') ? 'ne-land' : undefined,
    );
    map.setLayoutProperty('ne-land', 'visibility', 'none');
  } else if (!isOn && has) {
    map.removeLayer('osm');
    map.removeSource('osm');
    if (map.getLayer('ne-land')) map.setLayoutProperty('ne-land', 'visibility', 'visible');
  }
}
