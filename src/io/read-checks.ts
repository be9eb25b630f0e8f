import type { Affine } from '../core/geo/affine.ts';
import { AppError } from '../core/errors.ts';

/** Default budget of bytes one read may decode (raw samples plus float32 output): 1 GiB. */
export const DEFAULT_MAX_DECODED_BYTES = 2 ** 30;

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/**
 * Throws TOO_LARGE before anything is allocated when `width x height x bands` samples of
 * `bytesPerSample` (plus their float32 physical values) exceed `maxBytes`.
 */
export function checkDecodeBudget(
  dims: { width: number; height: number; bands: number; bytesPerSample: number },
  maxBytes: number,
  fileName: string,
): void {
  const bytes = dims.width * dims.height * dims.bands * (dims.bytesPerSample + 4);
  if (bytes <= maxBytes) return;
  const mb = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
  throw new AppError(
    'TOO_LARGE',
    `${fileName}: ${dims.width}x${dims.height}x${dims.bands} samples need ${mb(bytes)} decoded, over the ${mb(maxBytes)} read budget. ` +
      `Crop it to your area first (gdal_translate -projwin ulx uly lrx lry ${baseName(fileName)} out.tif), or raise the read budget if the machine has the memory.`,
    { file: fileName },
  );
}

/**
 * Refuses geotransforms the rasters cannot represent (rotation or shear, columns running west)
 * with the gdalwarp command that makes the file north-up.
 */
export function checkNorthUpOrSouthUp(t: Affine, fileName: string): void {
  if (t[2] === 0 && t[4] === 0 && t[1] > 0) return;
  const why =
    t[2] !== 0 || t[4] !== 0
      ? 'a rotated or sheared geotransform'
      : 'columns running west (negative pixel width)';
  throw new AppError(
    'UNSUPPORTED_LAYOUT',
    `${fileName} has ${why} [${t.join(', ')}]. Make it north-up first: gdalwarp ${baseName(fileName)} north-up.tif`,
    { file: fileName },
  );
}

/**
 * South-up rasters (positive row step) turned north-up: rows reversed in place in every band and
 * the transform's origin moved to the top edge. Returns the north-up transform; no-op otherwise.
 */
export function flipSouthUp(
  t: Affine,
  height: number,
  bands: Array<{ length: number } & ArrayLike<number>>,
): Affine {
  if (t[5] <= 0) return t;
  for (const data of bands) {
    const a = data as unknown as { [i: number]: number; length: number };
    const width = a.length / height;
    for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
      for (let c = 0; c < width; c++) {
        const i = top * width + c;
        const j = bottom * width + c;
        const v = a[i];
        a[i] = a[j];
        a[j] = v;
      }
    }
  }
  return [t[0], t[1], 0, t[3] + height * t[5], 0, -t[5]];
}
