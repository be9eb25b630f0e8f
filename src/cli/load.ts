import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { parseProductName } from '../io/band-roles.ts';
import type { Dataset } from '../io/dataset.ts';
import { readGeoTiff, type ReadGeoTiffOptions } from '../io/geotiff-read.ts';
import { isMtlText } from '../io/landsat-mtl.ts';

/** Reads a whole file into a fresh ArrayBuffer; missing files -> BAD_ARGUMENT naming the path. */
export async function readFileArrayBuffer(filePath: string): Promise<ArrayBuffer> {
  let buf: Buffer;
  try {
    buf = await readFile(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new AppError('BAD_ARGUMENT', `${filePath}: ${why}.`, { file: filePath, cause: e });
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
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
  const mtls = names.filter((n) => /mtl.*\.txt$/i.test(n));
  const prefix = base
    .replace(/\.(tif|tiff)$/i, '')
    .replace(/_(B\d+|BQA|B6_VCID_\d|SR_B\d+|ST_B\d+|QA_\w+|ST_\w+|SR_\w+|band\d+|sr_band\d+)$/i, '');
  const chosen =
    mtls.find((n) => n.toLowerCase() === `${prefix}_mtl.txt`.toLowerCase()) ??
    (mtls.length === 1 ? mtls[0] : undefined);
  if (!chosen) return undefined;
  const text = await readFile(path.join(dir, chosen), 'latin1');
  return isMtlText(text) ? text : undefined;
}

/** Reads one GeoTIFF from disk (with a Landsat MTL beside it, when there is one). */
export async function loadDataset(filePath: string, opts: ReadGeoTiffOptions = {}): Promise<Dataset> {
  try {
    const s = await stat(filePath).catch(() => undefined);
    if (s?.isDirectory())
      throw new AppError('BAD_ARGUMENT', `${filePath} is a directory; pass the .tif files inside it.`, {
        file: filePath,
      });
    const buffer = await readFileArrayBuffer(filePath);
    const mtlText = opts.mtlText ?? (await findMtlBeside(filePath));
    return await readGeoTiff(buffer, filePath, { ...opts, ...(mtlText ? { mtlText } : {}) });
  } catch (e) {
    if (isAppError(e)) throw e;
    throw toAppError(e, 'INTERNAL', `${filePath}: unexpected failure while reading`, filePath);
  }
}

/** Outcome of loading one path: the dataset, or the AppError that names it. */
export type LoadResult = { path: string; dataset: Dataset } | { path: string; error: AppError };

/** Reads several files one after another; one bad file does not stop the others. */
export async function loadDatasets(paths: string[], opts: ReadGeoTiffOptions = {}): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (const p of paths) {
    try {
      out.push({ path: p, dataset: await loadDataset(p, opts) });
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
