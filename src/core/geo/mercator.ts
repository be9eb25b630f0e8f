/** Earth radius of EPSG:3857 in metres. */
const R = 6378137;

/** EPSG:3857 metres of a longitude/latitude in degrees. */
export function lngLatToMercator(lng: number, lat: number): [number, number] {
  const phi = (Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI) / 180;
  return [(R * lng * Math.PI) / 180, R * Math.log(Math.tan(Math.PI / 4 + phi / 2))];
}

/** A north-up Web Mercator grid given by its longitude/latitude bounds [west, south, east, north]. */
export interface LngLatBoundedGrid {
  width: number;
  height: number;
  bounds: readonly number[];
  data: Float32Array;
}

/**
 * The value of a Web Mercator grid at a longitude/latitude (the pixel containing it). NaN outside
 * the grid or where invalid.
 */
export function sampleLngLatGrid(grid: LngLatBoundedGrid, lng: number, lat: number): number {
  const { width, height, bounds, data } = grid;
  const [x, y] = lngLatToMercator(lng, lat);
  const [x0, y0] = lngLatToMercator(bounds[0], bounds[1]);
  const [x1, y1] = lngLatToMercator(bounds[2], bounds[3]);
  const col = Math.floor(((x - x0) / (x1 - x0)) * width);
  const row = Math.floor(((y1 - y) / (y1 - y0)) * height);
  if (col < 0 || row < 0 || col >= width || row >= height) return Number.NaN;
  return data[row * width + col];
}
