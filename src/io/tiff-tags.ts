import type { GeoTIFFImage } from 'geotiff';
import type { Affine } from '../core/geo/affine.ts';
import type { PixelWindow } from '../core/geo/grid.ts';
import { AppError } from '../core/errors.ts';
import type { TiffLayout } from './dataset.ts';
import type { BlockTable } from './tiff-ifd.ts';

const SUPPORTED_COMPRESSION = new Set([1, 5, 7, 8, 32773, 32946, 50000]);

/** A TIFF tag value (number, typed array, BigInt array) as plain numbers; [] when absent. */
export function asNumbers(v: unknown): number[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') return [v];
  return Array.from(v as ArrayLike<number>, Number);
}

/** Geotransform from ModelTransformation, or ModelTiepoint + ModelPixelScale (PixelIsPoint shifted by half a pixel as GDAL does). */
export function readTransform(
  tags: { transformation: number[]; tiepoint: number[]; scale: number[] },
  isPoint: boolean,
  fileName: string,
): Affine {
  let t: Affine;
  if (tags.transformation.length >= 16) {
    const m = tags.transformation;
    t = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (tags.tiepoint.length >= 6 && tags.scale.length >= 2) {
    const [i, j, , x, y] = tags.tiepoint;
    const [sx, sy] = tags.scale;
    t = [x - i * sx, sx, 0, y + j * sy, 0, -sy];
  } else {
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName} has no georeference (no ModelTiepoint/ModelPixelScale or ModelTransformation tags). Georeference it first, e.g. gdal_translate -a_srs EPSG:4326 -a_ullr ...`,
      { file: fileName },
    );
  }
  if (!t.every(Number.isFinite) || t[1] === 0 || (t[5] === 0 && t[2] === 0)) {
    throw new AppError('NO_GEOREFERENCE', `${fileName}: the geotransform [${t.join(', ')}] is degenerate.`, {
      file: fileName,
    });
  }
  if (isPoint) t = [t[0] - 0.5 * t[1] - 0.5 * t[2], t[1], t[2], t[3] - 0.5 * t[4] - 0.5 * t[5], t[4], t[5]];
  return t;
}

/**
 * Sample type, compression and block layout of an image; throws UNSUPPORTED_LAYOUT for complex,
 * bit-packed or mixed samples and unknown compressions, CORRUPT_TIFF when blocks run past the end.
 */
export async function readLayout(
  image: GeoTIFFImage,
  byteLength: number,
  fileName: string,
  table: BlockTable,
  /** Runs once the sizes are known and valid, before the block table is checked (decode budget). */
  beforeBlocks?: (dims: { width: number; height: number; bytesPerSample: number }) => void,
): Promise<TiffLayout> {
  const fd = image.getFileDirectory();
  const spp = image.getSamplesPerPixel();
  const bits = asNumbers(await fd.loadValue('BitsPerSample'));
  const formats = asNumbers(await fd.loadValue('SampleFormat'));
  const compression = Number((await fd.loadValue('Compression')) ?? 1);
  const bps = bits[0] ?? 1;
  const fmt = formats[0] ?? 1;
  const bad = (why: string): never => {
    throw new AppError(
      'UNSUPPORTED_LAYOUT',
      `${fileName}: ${why}. Convert it with gdal_translate -ot Float32 (and -co COMPRESS=DEFLATE) first.`,
      { file: fileName },
    );
  };
  if (bits.some((b) => b !== bps) || formats.some((f) => f !== fmt)) bad('bands with different sample types');
  if (fmt === 5 || fmt === 6) bad('complex sample type');
  if (fmt === 4 || fmt > 6) bad(`sample format ${fmt}`);
  if (fmt === 3 && bps === 8) bad('8-bit float samples');
  if (![8, 16, 32].includes(bps) && !(fmt === 3 && bps === 64)) bad(`${bps}-bit samples`);
  if (compression === 34887)
    throw new AppError(
      'UNSUPPORTED_LAYOUT',
      `${fileName}: LERC compression is not read here. Convert it first: gdal_translate -co COMPRESS=DEFLATE ${baseName(fileName)} out.tif`,
      { file: fileName },
    );
  if (!SUPPORTED_COMPRESSION.has(compression)) bad(`compression ${compression}`);
  if (spp < 1) bad('no samples per pixel');
  const tiled = image.isTiled;
  const damaged = (why: string): never => {
    throw new AppError(
      'CORRUPT_TIFF',
      `${fileName} is damaged: ${why}. Re-download or re-export it (GDAL refuses it too).`,
      { file: fileName },
    );
  };
  const width = Number(await fd.loadValue('ImageWidth'));
  const height = Number(await fd.loadValue('ImageLength'));
  if (!(width >= 1) || !(height >= 1)) damaged(`image size ${width}x${height}`);
  const blockWidth = Number(tiled ? await fd.loadValue('TileWidth') : width);
  const rowsPerStrip = await fd.loadValue(tiled ? 'TileLength' : 'RowsPerStrip');
  const blockHeight =
    rowsPerStrip === undefined ? height : Math.min(Number(rowsPerStrip), tiled ? Infinity : height);
  if (!(blockWidth >= 1) || !(blockHeight >= 1))
    damaged(`${tiled ? 'TileWidth/TileLength' : 'RowsPerStrip'} ${blockWidth}x${blockHeight}`);
  const predictor = Number((await fd.loadValue('Predictor')) ?? 1);
  if (![1, 2, 3].includes(predictor)) damaged(`predictor ${predictor}`);
  if (predictor === 3 && fmt !== 3) damaged('floating-point predictor (3) on integer samples');
  beforeBlocks?.({ width, height, bytesPerSample: bps / 8 });
  const planar = Number((await fd.loadValue('PlanarConfiguration')) ?? 1);
  const blocks = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight) * (planar === 2 ? spp : 1);
  const { offsets, byteCounts: counts } = table;
  const what = tiled ? 'tile' : 'strip';
  if (offsets.length !== blocks || counts.length !== blocks)
    damaged(`${offsets.length} ${what} offsets and ${counts.length} byte counts for ${blocks} ${what}s`);
  let end = 0;
  for (let i = 0; i < offsets.length; i++) end = Math.max(end, offsets[i] + (counts[i] ?? 0));
  if (offsets.length === 0 || end > byteLength) {
    throw new AppError(
      'CORRUPT_TIFF',
      `${fileName} is truncated: image data reaches byte ${end} but the file has ${byteLength} bytes. Re-download or re-export it.`,
      { file: fileName },
    );
  }
  return {
    bitsPerSample: bps,
    sampleFormat: fmt,
    compression,
    tiled,
    blockWidth,
    blockHeight,
  };
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** `w` clipped to the image (the whole image when undefined); BAD_ARGUMENT when nothing is left. */
export function clipWindow(
  w: PixelWindow | undefined,
  width: number,
  height: number,
  fileName: string,
): PixelWindow {
  if (!w) return { col: 0, row: 0, width, height };
  const col = Math.max(0, Math.floor(w.col));
  const row = Math.max(0, Math.floor(w.row));
  const c1 = Math.min(width, Math.floor(w.col + w.width));
  const r1 = Math.min(height, Math.floor(w.row + w.height));
  if (c1 <= col || r1 <= row)
    throw new AppError(
      'BAD_ARGUMENT',
      `${fileName}: window ${JSON.stringify(w)} is outside the ${width}x${height} image.`,
      { file: fileName },
    );
  return { col, row, width: c1 - col, height: r1 - row };
}
