import type { Crs, Grid, Raster } from '../core/raster/raster.ts';
import type { TilePort } from './tile-worker.ts';

/** A projected test CRS (UTM 33N) for synthetic scenes in tests. */
export const TEST_CRS: Crs = { epsg: 32633, proj4: '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs', name: 'WGS 84 / UTM zone 33N', isGeographic: false };

/** A north-up grid with `pixelM` pixels whose corner is at (x0, y0), in TEST_CRS. */
export function testGrid(width: number, height: number, pixelM: number, x0 = 500000, y0 = 4000000): Grid {
  return { width, height, transform: [x0, pixelM, 0, y0, 0, -pixelM], crs: TEST_CRS };
}

/** A raster on `grid` whose value at (col, row) is `f(col, row)`. */
export function testRaster(grid: Grid, f: (c: number, r: number) => number): Raster {
  const data = new Float32Array(grid.width * grid.height);
  for (let r = 0; r < grid.height; r++) for (let c = 0; c < grid.width; c++) data[r * grid.width + c] = f(c, r);
  return { ...grid, data };
}

/**
 * A synthetic fine scene with a strong negative LST-NDVI relation: smooth NDVI patches, LST =
 * 320 - 15 NDVI + a gentle gradient. Returns fine NDVI and fine LST on `width x height` at `pixelM`.
 */
export function synthScene(width: number, height: number, pixelM: number): { ndvi: Raster; lst: Raster } {
  const g = testGrid(width, height, pixelM);
  const ndviAt = (c: number, r: number): number =>
    0.45 + 0.3 * Math.sin(c / 3.1) * Math.cos(r / 4.3) + 0.15 * Math.sin((c + 2 * r) / 1.7);
  const ndvi = testRaster(g, ndviAt);
  const lst = testRaster(g, (c, r) => 320 - 15 * ndviAt(c, r) + 0.02 * c - 0.01 * r);
  return { ndvi, lst };
}

/** Two ends of an in-process tile-worker channel with the asynchrony of postMessage (each message a later task). */
export function tileChannel(): { main: TilePort; worker: TilePort } {
  const handlers: { main?: (m: unknown) => void; worker?: (m: unknown) => void } = {};
  const to = (side: 'main' | 'worker') => (msg: unknown) => void setTimeout(() => handlers[side]?.(msg), 0);
  return {
    main: { postMessage: to('worker'), onMessage: (h) => (handlers.main = h) },
    worker: { postMessage: to('main'), onMessage: (h) => (handlers.worker = h) },
  };
}
