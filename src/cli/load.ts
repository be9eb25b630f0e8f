import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { parseProductName } from '../io/band-roles.ts';
import type { Dataset } from '../io/dataset.ts';
import { readGeoTiff, type RandomAccessBytes, type ReadGeoTiffOptions } from '../io/geotiff-read.ts';
import { readRasterFile, type ReadRasterOptions } from '../io/read-raster.ts';
import { sniffFileKind } from '../io/tiff-sniff.ts';
import { isMtlText, pickMtlName } from '../io/landsat-mtl.ts';
import { isEspaXmlName, parseEspaXml, pickEspaXmlName, type EspaMetadata } from '../io/espa.ts';

/**
 * Reads a whole file into a fresh ArrayBuffer (the one `readFile` filled, not a copy of it: a copy
 * doubles the bytes of a 100 MB input in flight); missing files -> BAD_ARGUMENT naming the path.
 */
export async function readFileArrayBuffer(filePath: string): Promise<ArrayBuffer> {
  let buf: Buffer;
  try {
    buf = await readFile(filePath);
  } catch (e) {
    throw notReadable(filePath, e);
  }
  return arrayBufferOf(buf);
}

/** `readFileArrayBuffer`'s BAD_ARGUMENT for a file that cannot be opened or read. */
function notReadable(filePath: string, e: unknown): AppError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
  return new AppError('BAD_ARGUMENT', `${filePath}: ${why}.`, { file: filePath, cause: e });
}

/** An open file as `RandomAccessBytes`: each piece read where it is asked (into the caller's buffer where given), its descriptor for the read workers. */
export function fileBytes(fh: FileHandle, byteLength: number): RandomAccessBytes {
  return {
    byteLength,
    fd: fh.fd,
    read: async (offset, length, into) => {
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? out : out.subarray(0, got);
    },
  };
}

/**
 * Reads a GeoTIFF from disk piece by piece through a file handle (its IFDs, then each row of
 * blocks into a buffer reused from row to row) instead of whole into memory first: a full MODIS
 * tile's 100 MB NDVI file is never held whole (bench/perf-log.md, 2026-11-30). The same dataset,
 * bits and errors as `readGeoTiff` of the file's bytes.
 */
export function readGeoTiffFile(filePath: string, fileName: string, opts: ReadGeoTiffOptions = {}): Promise<Dataset> {
  return withOpenFile(filePath, async (fh) => readGeoTiff(fileBytes(fh, (await fh.stat()).size), fileName, opts));
}

/** `work` on `filePath` opened for reading (BAD_ARGUMENT, as `readFileArrayBuffer`, when it cannot be), closed after. */
async function withOpenFile<T>(filePath: string, work: (fh: FileHandle) => Promise<T>): Promise<T> {
  let fh: FileHandle;
  try {
    fh = await open(filePath, 'r');
  } catch (e) {
    throw notReadable(filePath, e);
  }
  try {
    return await work(fh);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** The bytes of `buf` as an ArrayBuffer of their own: its own buffer when it spans all of it (readFile's), else a copy. */
export function arrayBufferOf(buf: Buffer): ArrayBuffer {
  const whole = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer;
  return whole ? (buf.buffer as ArrayBuffer) : (buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/**
 * Finds the Landsat MTL text beside a band file: `<scene>_MTL.txt` for `<scene>_B10.TIF`, else the
 * only `*MTL*.txt` in the folder. Only for files whose name looks like Landsat; undefined otherwise.
 */
export async function findMtlBeside(filePath: string): Promise<string | undefined> {
  const base = path.basename(filePath);
  if (parseProductName(base).landsatMission === undefined) return undefined;
  const dir = path.dirname(filePath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const chosen = pickMtlName(base, names);
  if (!chosen) return undefined;
  const text = await readSidecar(path.join(dir, chosen));
  return text !== undefined && isMtlText(text) ? text : undefined;
}

/**
 * The names of the files beside `filePath` (a band file may go unused beside a better one of its
 * role) and the text of the folder's ESPA metadata file for it (`<scene>.xml`), when there is one.
 */
async function folderBeside(filePath: string): Promise<{ names: string[]; espaXmlText?: string; espaXmlName?: string }> {
  const dir = path.dirname(filePath);
  const names = await readdir(dir).catch(() => [] as string[]);
  const xml = pickEspaXmlName(path.basename(filePath), names);
  const text = xml === undefined ? undefined : await readSidecar(path.join(dir, xml));
  return { names, ...(xml !== undefined && text !== undefined && parseEspaXml(text) ? { espaXmlText: text, espaXmlName: xml } : {}) };
}

/** ESPA metadata of an `.xml` file, or undefined when it is not one (or cannot be read). */
export async function loadEspaMetadata(filePath: string): Promise<EspaMetadata | undefined> {
  if (!isEspaXmlName(filePath)) return undefined;
  const text = await readSidecar(filePath);
  return text === undefined ? undefined : parseEspaXml(text);
}

/** The first 16 bytes of a file (fewer for a shorter one). */
function fileHead(filePath: string): Promise<Uint8Array> {
  return withOpenFile(filePath, async (fh) => {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return head.subarray(0, bytesRead);
  });
}

/** Largest sidecar (MTL, .aux.xml) read: real ones are a few kB. */
const MAX_SIDECAR_BYTES = 4 * 2 ** 20;

/**
 * Text of a sidecar file, only when it is a regular file of sane size: a FIFO, device, socket or
 * directory named like a sidecar is ignored (never opened, so it cannot block or fail the read).
 */
export async function readSidecar(filePath: string): Promise<string | undefined> {
  const s = await stat(filePath).catch(() => undefined);
  if (!s?.isFile() || s.size > MAX_SIDECAR_BYTES) return undefined;
  return readFile(filePath, 'latin1').catch(() => undefined);
}

/**
 * Reads one input file from disk: a GeoTIFF (with a Landsat MTL beside it, when there is one), an
 * HDF4 / HDF-EOS2 file (one dataset per grid) or a NetCDF-4 file (one dataset per time step).
 */
export async function loadFileDatasets(filePath: string, opts: ReadRasterOptions = {}): Promise<Dataset[]> {
  try {
    const s = await stat(filePath).catch(() => undefined);
    if (s?.isDirectory())
      throw new AppError(
        'BAD_ARGUMENT',
        `${filePath} is a directory; pass the files inside it (or run srda-lst batch on it).`,
        { file: filePath },
      );
    if (s && !s.isFile())
      throw new AppError(
        'BAD_ARGUMENT',
        `${filePath} is not a regular file (a pipe or device); pass a .tif, .hdf or .nc file.`,
        {
          file: filePath,
        },
      );
    const isTiff = /\.tiff?$/i.test(filePath);
    const mtlText = opts.mtlText ?? (isTiff ? await findMtlBeside(filePath) : undefined);
    const auxXmlText = opts.auxXmlText ?? (isTiff ? await readSidecar(`${filePath}.aux.xml`) : undefined);
    const folder = isTiff && !(opts.siblingNames && opts.espaXmlText) ? await folderBeside(filePath) : undefined;
    const espaXmlText = opts.espaXmlText ?? folder?.espaXmlText;
    const espaXmlName = opts.espaXmlText ? opts.espaXmlName : folder?.espaXmlName;
    const siblingNames = opts.siblingNames ?? folder?.names;
    const withSidecars = {
      ...opts,
      ...(mtlText ? { mtlText } : {}),
      ...(auxXmlText ? { auxXmlText } : {}),
      ...(espaXmlText ? { espaXmlText } : {}),
      ...(espaXmlName ? { espaXmlName } : {}),
      ...(siblingNames ? { siblingNames } : {}),
    };
    // A (Big)TIFF is read piece by piece; HDF, NetCDF and anything else whole, as readRasterFile decides.
    if (s?.isFile()) {
      const kind = await fileHead(filePath).then(sniffFileKind);
      if (kind === 'tiff' || kind === 'bigtiff') return [await readGeoTiffFile(filePath, filePath, withSidecars)];
    }
    return await readRasterFile(await readFileArrayBuffer(filePath), filePath, withSidecars);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw toAppError(e, 'INTERNAL', `${filePath}: unexpected failure while reading`, filePath);
  }
}

/** Reads one file that holds one dataset (any GeoTIFF; an HDF/NetCDF file with one grid and date). */
export async function loadDataset(filePath: string, opts: ReadRasterOptions = {}): Promise<Dataset> {
  const list = await loadFileDatasets(filePath, opts);
  if (list.length !== 1) {
    const what = list
      .map((d) => d.date ?? d.layer ?? '?')
      .slice(0, 5)
      .join(', ');
    throw new AppError(
      'BAD_ARGUMENT',
      `${filePath} holds ${list.length} grids or dates (${what}${list.length > 5 ? ', ...' : ''}): pick one with --date, or run srda-lst batch on it.`,
      { file: filePath },
    );
  }
  return list[0];
}

/** Outcome of loading one path: the dataset, or the AppError that names it. */
export type LoadResult = { path: string; dataset: Dataset } | { path: string; error: AppError };

/** Reads several files one after another (one result per dataset); one bad file does not stop the others. */
export async function loadDatasets(paths: string[], opts: ReadGeoTiffOptions = {}): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (const p of paths) {
    try {
      for (const dataset of await loadFileDatasets(p, opts)) out.push({ path: p, dataset });
    } catch (e) {
      if (isAppError(e) && e.code === 'CANCELLED') throw e;
      out.push({
        path: p,
        error: isAppError(e) ? e : toAppError(e, 'INTERNAL', `${p}: unexpected failure`, p),
      });
    }
  }
  return out;
}
