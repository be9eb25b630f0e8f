/**
 * A GDAL-order geotransform `[x0, dx, rx, y0, ry, dy]`: the world coordinate of pixel corner
 * (col, row) is `x = x0 + col*dx + row*rx`, `y = y0 + col*ry + row*dy`. Pixel (0, 0) covers
 * [0,1)x[0,1) in pixel space (PixelIsArea); its centre is (0.5, 0.5). For north-up grids rx = ry = 0
 * and dy < 0.
 */
export type Affine = readonly [number, number, number, number, number, number];

/** World coordinates of a pixel-space point (col, row may be fractional; +0.5 for centres). */
export function pixelToWorld(t: Affine, col: number, row: number): [number, number] {
  return [t[0] + col * t[1] + row * t[2], t[3] + col * t[4] + row * t[5]];
}

/** Pixel-space point of a world coordinate (inverse of `pixelToWorld`). */
export function worldToPixel(t: Affine, x: number, y: number): [number, number] {
  const det = t[1] * t[5] - t[2] * t[4];
  const dx = x - t[0];
  const dy = y - t[3];
  return [(dx * t[5] - dy * t[2]) / det, (dy * t[1] - dx * t[4]) / det];
}

/** Pixel size in CRS units along columns and rows (positive numbers). */
export function pixelSize(t: Affine): { x: number; y: number } {
  return { x: Math.hypot(t[1], t[4]), y: Math.hypot(t[2], t[5]) };
}

/** The transform of the same extent with pixels `factor` times smaller (factor 2: 1 km -> 500 m). */
export function refineAffine(t: Affine, factor: number): Affine {
  return [t[0], t[1] / factor, t[2] / factor, t[3], t[4] / factor, t[5] / factor];
}

/** The transform of the same origin with pixels `factor` times larger. */
export function coarsenAffine(t: Affine, factor: number): Affine {
  return [t[0], t[1] * factor, t[2] * factor, t[3], t[4] * factor, t[5] * factor];
}
