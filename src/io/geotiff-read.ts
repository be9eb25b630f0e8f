import { fromArrayBuffer, fromBlob, GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { Affine } from '../core/geo/affine.ts';
import type { PixelWindow } from '../core/geo/grid.ts';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { Crs } from '../core/raster/raster.ts';
import { parseProductName } from './band-roles.ts';
import type { BandRole, Dataset } from './dataset.ts';
import { deflateCodec, type DeflateCodec } from './deflate-codec.ts';
import { decodeSamples } from './band-decode.ts';
import { decodeBands, itemsFor, settingsAhead, type BandMetadata } from './geotiff-bands.ts';
import { crsFromGeoKeys, parseGeoKeyDirectory } from './geokeys.ts';
import { mtlDate, parseMtl, type Mtl } from './landsat-mtl.ts';
import { espaBandOf, parseEspaXml } from './espa.ts';
import { canDecodeFast, decodeWindow, type BlockLayout, type OpenFile } from './tiff-fast-decode.ts';
import { readBlockTable } from './tiff-ifd.ts';
import { parsePamAux, type PamBand } from './pam-aux.ts';
import {
  checkDecodeBudget,
  checkNorthUpOrSouthUp,
  DEFAULT_MAX_DECODED_BYTES,
  flipSouthUp,
} from './read-checks.ts';
import { parseGdalMetadata, requireTiff } from './tiff-sniff.ts';
import { asNumbers, clipWindow, readLayout, readTransform } from './tiff-tags.ts';

/** Options of `readGeoTiff`. */
export interface ReadGeoTiffOptions extends RunOptions {
  /** Read only this pixel window (clipped to the image). */
  window?: PixelWindow;
  /** Landsat MTL text found beside the file (the embedded `MTL` metadata item is used otherwise). */
  mtlText?: string;
  /** Text of the ESPA metadata file (`<scene>.xml`) of the file's folder. */
  espaXmlText?: string;
  /** Name of that ESPA metadata file (what a band scaled by it names as its scale's source). */
  espaXmlName?: string;
  /** Names of the other files of the folder (or drop), for the choice between band files of one role. */
  siblingNames?: readonly string[];
  /** Override the detected role of every band (e.g. a role the user picked). */
  roleOverride?: BandRole;
  /** Largest number of pixels (width x height x bands) to decode; default 2^28. */
  maxPixels?: number;
  /** Largest number of bytes (raw samples + float32 values) one read decodes; default 1 GiB. */
  maxDecodedBytes?: number;
  /** Text of the GDAL `.aux.xml` sidecar beside the file (band scale, offset, nodata). */
  auxXmlText?: string;
  /** Decode through geotiff.js even where the built-in block decoder applies (checks, debugging). */
  useGeotiffJsDecoder?: boolean;
  /** Inflates Deflate blocks (default `deflateCodec()`: node:zlib in the CLI, the platform's DecompressionStream elsewhere). */
  codec?: DeflateCodec;
}

/**
 * A file read piece by piece instead of whole (the CLI's: an open file handle), so that its bytes
 * never all sit in memory: the block decoder reads each row of blocks into one of two buffers it
 * reuses (bench/perf-log.md, 2026-11-30: fresh memory is what the read costs).
 */
export interface RandomAccessBytes {
  readonly byteLength: number;
  /**
   * `length` bytes from `offset` (fewer only past the end of the file): into `into` (a view of its
   * first bytes) where given and long enough, else a new array.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * The file's descriptor, where the codec's threads can read it themselves (Node's worker
   * threads share the process's descriptors): the Deflate blocks' bytes are then read there
   * (`DeflateCodec.decodeBlocks` with a `FileRange`), not on this thread.
   */
  readonly fd?: number;
}

type ByteReader = (offset: number, length: number, into?: Uint8Array) => Promise<Uint8Array> | Uint8Array;

function isRandomAccess(source: ArrayBuffer | Blob | RandomAccessBytes): source is RandomAccessBytes {
  return !(source instanceof ArrayBuffer) && !(typeof Blob !== 'undefined' && source instanceof Blob) && typeof (source as RandomAccessBytes).read === 'function';
}

/** `src`'s bytes as geotiff.js asks for them (the IFDs and tag values it parses; the blocks are read by `decodeWindow`). */
function geotiffSource(src: RandomAccessBytes) {
  return {
    fileSize: src.byteLength,
    fetch: async (slices: Array<{ offset: number; length: number }>): Promise<ArrayBuffer[]> =>
      Promise.all(
        slices.map(async ({ offset, length }) => {
          // As geotiff.js's ArrayBuffer source: a slice past the end is cut short, not refused.
          const from = Math.min(Math.max(0, offset), src.byteLength);
          const bytes = await src.read(from, Math.max(0, Math.min(length, src.byteLength - from)));
          return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
        }),
      ),
    close: async () => undefined,
  };
}

/** Reads `length` bytes at `offset` of `src`, all of them: a short read (a truncated file) is refused. */
async function readExactly(src: RandomAccessBytes, offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > src.byteLength) throw new RangeError(`bytes ${offset}..${offset + length} lie past the end of the file (${src.byteLength} bytes)`);
  const bytes = await src.read(offset, length, into);
  if (bytes.length !== length) throw new RangeError(`${length} bytes asked at ${offset}, ${bytes.length} read`);
  return bytes;
}

async function openTiff(
  source: ArrayBuffer | Blob | RandomAccessBytes,
  fileName: string,
): Promise<{ image: GeoTIFFImage; byteLength: number; read: ByteReader; blob?: Blob | OpenFile }> {
  if (isRandomAccess(source)) {
    requireTiff(await source.read(0, Math.min(16, source.byteLength)), fileName);
    try {
      const tiff = await GeoTIFF.fromSource(geotiffSource(source) as unknown as Parameters<typeof GeoTIFF.fromSource>[0]);
      const image = await tiff.getImage(0);
      const read: ByteReader = (offset, length, into) => readExactly(source, offset, length, into);
      return { image, byteLength: source.byteLength, read, ...(source.fd !== undefined ? { blob: { fd: source.fd, size: source.byteLength } } : {}) };
    } catch (e) {
      throw toAppError(
        e,
        'CORRUPT_TIFF',
        `${fileName}: the TIFF structure cannot be read (truncated or damaged file; re-download or re-export it)`,
        fileName,
      );
    }
  }
  const head =
    source instanceof ArrayBuffer
      ? new Uint8Array(source, 0, Math.min(16, source.byteLength))
      : new Uint8Array(await source.slice(0, 16).arrayBuffer());
  requireTiff(head, fileName);
  // geotiff.js reads Blobs through FileReader, which Node lacks: read those whole.
  const src =
    source instanceof ArrayBuffer || typeof FileReader !== 'undefined' ? source : await source.arrayBuffer();
  try {
    const tiff = src instanceof ArrayBuffer ? await fromArrayBuffer(src) : await fromBlob(src);
    const image = await tiff.getImage(0);
    const read: ByteReader =
      src instanceof ArrayBuffer
        ? (offset, length) => new Uint8Array(src, offset, length)
        : async (offset, length) => new Uint8Array(await src.slice(offset, offset + length).arrayBuffer());
    // A Blob goes on to the block decoder even where it was read whole here: deflate workers read their slices of it.
    return { image, byteLength: src instanceof ArrayBuffer ? src.byteLength : src.size, read, ...(source instanceof ArrayBuffer ? {} : { blob: source }) };
  } catch (e) {
    throw toAppError(
      e,
      'CORRUPT_TIFF',
      `${fileName}: the TIFF structure cannot be read (truncated or damaged file; re-download or re-export it)`,
      fileName,
    );
  }
}

/**
 * Reads a GeoTIFF (File/Blob/ArrayBuffer, or a file read piece by piece: `RandomAccessBytes`) into the project's raster shape: every band as float32
 * in physical units (scale/offset applied, nodata/fill/out-of-range -> NaN, Landsat L1 calibrated
 * when an MTL is known), with its grid, CRS (EPSG or proj4 from GeoKeys), role and metadata.
 * Bad input throws AppError NOT_GEOTIFF, CORRUPT_TIFF, NO_GEOREFERENCE, UNSUPPORTED_LAYOUT,
 * UNSUPPORTED_CRS or TOO_LARGE naming `fileName`. The returned arrays are owned by the caller.
 */
export async function readGeoTiff(
  source: ArrayBuffer | Blob | RandomAccessBytes,
  fileName: string,
  opts: ReadGeoTiffOptions = {},
): Promise<Dataset> {
  throwIfAborted(opts.signal);
  const { image, byteLength, read, blob } = await openTiff(source, fileName);
  try {
    return await decodeImage(image, byteLength, read, fileName, opts, blob);
  } catch (e) {
    // A decoding thread that stopped (INTERNAL, from its pool) is named with the file it was reading.
    if (isAppError(e) && e.code === 'INTERNAL' && !e.file) throw new AppError('INTERNAL', `${fileName}: ${e.message}`, { file: fileName, cause: e });
    if (isAppError(e)) throw e;
    throw toAppError(
      e,
      'CORRUPT_TIFF',
      `${fileName}: image data cannot be decoded (damaged or truncated file)`,
      fileName,
    );
  }
}

async function decodeImage(
  image: GeoTIFFImage,
  byteLength: number,
  read: ByteReader,
  fileName: string,
  opts: ReadGeoTiffOptions,
  blob: Blob | OpenFile | undefined,
): Promise<Dataset> {
  const fd = image.getFileDirectory();
  const table = await readBlockTable(read, byteLength, image.isTiled, fileName);
  const bandCount = image.getSamplesPerPixel();
  const layout = await readLayout(image, byteLength, fileName, table, (d) => {
    const w = clipWindow(opts.window, d.width, d.height, fileName);
    checkDecodeBudget(
      { width: w.width, height: w.height, bands: bandCount, bytesPerSample: d.bytesPerSample },
      opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES,
      fileName,
    );
  });
  const width = image.getWidth();
  const height = image.getHeight();

  const dirTag = asNumbers(await fd.loadValue('GeoKeyDirectory'));
  if (dirTag.length < 4) {
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName} has no GeoTIFF keys (no CRS). Assign one first, e.g. gdal_translate -a_srs EPSG:4326 in.tif out.tif.`,
      { file: fileName },
    );
  }
  const keys = parseGeoKeyDirectory(
    dirTag,
    asNumbers(await fd.loadValue('GeoDoubleParams')),
    (await fd.loadValue('GeoAsciiParams')) as string | undefined,
    fileName,
  );
  const crsNotes: string[] = [];
  const crs: Crs = crsFromGeoKeys(keys, fileName, crsNotes);
  const fullTransform = readTransform(
    {
      transformation: asNumbers(await fd.loadValue('ModelTransformation')),
      tiepoint: asNumbers(await fd.loadValue('ModelTiepoint')),
      scale: asNumbers(await fd.loadValue('ModelPixelScale')),
    },
    keys.get(1025) === 2,
    fileName,
  );

  const items = parseGdalMetadata((await fd.loadValue('GDAL_METADATA')) as string | undefined);
  const metadata = itemsFor(items, undefined);
  const nodataText = (await fd.loadValue('GDAL_NODATA')) as string | undefined;
  const nodataTag =
    nodataText === undefined ? null : /nan/i.test(nodataText) ? Number.NaN : Number.parseFloat(nodataText);

  checkNorthUpOrSouthUp(fullTransform, fileName);
  const pam = opts.auxXmlText ? parsePamAux(opts.auxXmlText) : new Map<number, PamBand>();
  const win = clipWindow(opts.window, width, height, fileName);
  const maxPixels = opts.maxPixels ?? 2 ** 28;
  if (win.width * win.height * bandCount > maxPixels) {
    throw new AppError(
      'TOO_LARGE',
      `${fileName}: ${win.width}x${win.height}x${bandCount} pixels exceed the ${maxPixels} this reader decodes at once; read a window or crop it with gdal_translate -srcwin.`,
      { file: fileName },
    );
  }
  const [x0, y0] = [
    fullTransform[0] + win.col * fullTransform[1] + win.row * fullTransform[2],
    fullTransform[3] + win.col * fullTransform[4] + win.row * fullTransform[5],
  ];
  const fileTransform: Affine = [
    x0,
    fullTransform[1],
    fullTransform[2],
    y0,
    fullTransform[4],
    fullTransform[5],
  ];

  const name = parseProductName(fileName);
  const mtl: Mtl | undefined = opts.mtlText
    ? parseMtl(opts.mtlText)
    : metadata.MTL
      ? parseMtl(metadata.MTL)
      : undefined;
  const espa = opts.espaXmlText ? parseEspaXml(opts.espaXmlText) : undefined;
  const espaBand = espa ? espaBandOf(espa, fileName) : undefined;
  const warnings: string[] = [...crsNotes];
  throwIfAborted(opts.signal);
  opts.onProgress?.({ stage: 'read', done: 0, total: 1, detail: fileName });
  const blockLayout: BlockLayout = {
    width,
    height,
    samplesPerPixel: bandCount,
    bitsPerSample: layout.bitsPerSample,
    sampleFormat: layout.sampleFormat,
    compression: layout.compression,
    predictor: Number((await fd.loadValue('Predictor')) ?? 1),
    planar: Number((await fd.loadValue('PlanarConfiguration')) ?? 1),
    tiled: layout.tiled,
    blockWidth: layout.blockWidth,
    blockHeight: layout.blockHeight,
    offsets: table.offsets,
    byteCounts: table.byteCounts,
    littleEndian: image.littleEndian,
  };
  const bandMetadata: BandMetadata = {
    fileName,
    items,
    metadata,
    pam,
    nodataTag,
    isFloat: layout.sampleFormat === 3,
    product: name.product,
    layer: name.layer,
    mtl,
    ...(espaBand ? { espaBand, ...(opts.espaXmlName ? { espaXmlName: opts.espaXmlName } : {}) } : {}),
    ...(opts.siblingNames ? { siblingNames: opts.siblingNames } : {}),
    roleOverride: opts.roleOverride,
  };
  // Float32 bands whose values do not depend on their samples are decoded in place row by row as
  // their blocks come back from the decoding threads, while this thread would otherwise wait,
  // instead of whole once the last block is in (bench/perf-log.md).
  const ahead = layout.bitsPerSample === 32 ? settingsAhead(bandMetadata, bandCount) : undefined;
  const decodedSamples = new Float64Array(bandCount);
  const onRowsPlaced = ahead
    ? (bands: readonly ArrayLike<number>[], band: number, from: number, to: number) => {
        const data = (bands[band] as Float32Array).subarray(from, to);
        decodeSamples(data, ahead[band], data);
        decodedSamples[band] += to - from;
      }
    : undefined;
  const rasters: ArrayLike<number>[] =
    canDecodeFast(blockLayout) && !opts.useGeotiffJsDecoder
      ? await decodeWindow(blockLayout, win, read, opts.signal, opts.onProgress, opts.codec ?? deflateCodec(), blob, onRowsPlaced)
      : ((await image.readRasters({
          window: [win.col, win.row, win.col + win.width, win.row + win.height],
          interleave: false,
          signal: opts.signal,
        })) as unknown as ArrayLike<number>[]);
  throwIfAborted(opts.signal);
  const transform = flipSouthUp(fileTransform, win.height, rasters);
  if (transform !== fileTransform)
    warnings.push('south-up raster (positive pixel height): rows turned north-up');

  // Either every sample was decoded ahead or none was (the reader's own path, or no decoding threads).
  const length = win.width * win.height;
  const decodedAhead = decodedSamples.some((n) => n > 0);
  if (decodedAhead && !decodedSamples.every((n) => n === length))
    throw new AppError('INTERNAL', `${fileName}: ${Array.from(decodedSamples).join(', ')} of ${length} samples per band decoded ahead`, { file: fileName });
  const bands = decodeBands({
    ...bandMetadata,
    rasters,
    ownsRasters: true,
    decodedAhead,
    raster: { width: win.width, height: win.height, transform, crs },
    warnings,
  });
  opts.onProgress?.({ stage: 'read', done: 1, total: 1, detail: fileName });
  const date =
    name.date ??
    isoDate(metadata.RANGEBEGINNINGDATE) ??
    (mtl ? mtlDate(mtl) : undefined) ??
    (espaBand ? espa?.date : undefined) ??
    isoDate(metadata.ACQUISITIONDATETIME);
  const product = name.product ?? metadata.SHORTNAME ?? (mtl ? mtlProduct(mtl) : undefined);
  return {
    fileName,
    width: win.width,
    height: win.height,
    transform,
    crs,
    ...(product ? { product } : {}),
    ...(date ? { date } : {}),
    ...(name.layer ? { layer: name.layer } : {}),
    bands,
    metadata,
    layout,
    warnings,
  };
}

function mtlProduct(mtl: Mtl): string | undefined {
  for (const [k, v] of mtl.entries) if (k.endsWith('.SPACECRAFT_ID')) return v;
  return undefined;
}

function isoDate(v: string | undefined): string | undefined {
  const m = v ? /^(\d{4})-(\d{2})-(\d{2})/.exec(v) : null;
  return m && m[1] !== '1970' ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}
