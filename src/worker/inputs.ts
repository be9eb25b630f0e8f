import { gridPixelSize } from '../core/geo/grid.ts';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { validFraction, type Raster } from '../core/raster/raster.ts';
import type { Dataset, DatasetBand } from '../io/dataset.ts';
import { readRasterFile } from '../io/read-raster.ts';
import type { InputInfo, WireError } from './protocol.ts';

/** One ingested band held by the worker. */
export interface StoredInput {
  info: InputInfo;
  dataset: Dataset;
  band: DatasetBand;
}

const inputs = new Map<string, StoredInput>();
let nextId = 1;

/** The stored band, or an INTERNAL error when the UI refers to one that is gone. */
export function getInput(id: string): StoredInput {
  const s = inputs.get(id);
  if (!s) throw new AppError('BAD_ARGUMENT', `Input ${id} is no longer loaded; drop the file again.`);
  return s;
}

export function removeInput(id: string): void {
  inputs.delete(id);
}

/** Approximate pixel size in metres at the grid centre (geographic grids scaled by cos(latitude)). */
export function pixelSizeMetres(r: Raster): number {
  const p = gridPixelSize(r);
  if (!r.crs.isGeographic) return p.x;
  const lat = r.transform[3] + (r.height / 2) * r.transform[5];
  return p.x * 111320 * Math.cos((lat * Math.PI) / 180);
}

function wire(e: unknown, fileName: string): WireError {
  const err = isAppError(e) ? e : toAppError(e, 'CORRUPT_TIFF', `${fileName} could not be read`, fileName);
  return { code: err.code, message: err.message, file: err.file ?? fileName };
}

function describe(id: string, file: File, ds: Dataset, band: DatasetBand, index: number): InputInfo {
  const r = band.raster;
  const vf = validFraction(r.data);
  const info: InputInfo = {
    id,
    fileName: ds.bands.length > 1 ? `${file.name} [band ${index + 1}: ${band.name}]` : file.name,
    sizeBytes: file.size,
    band: index,
    role: band.role,
    product: ds.product,
    layer: ds.layer ?? band.name,
    date: ds.date,
    width: r.width,
    height: r.height,
    pixelSize: gridPixelSize(r),
    pixelSizeM: pixelSizeMetres(r),
    crsName: r.crs.epsg !== undefined ? `EPSG:${r.crs.epsg}` : r.crs.name,
    epsg: r.crs.epsg,
    validFraction: vf,
  };
  if (vf === 0 && band.role !== 'lst-qc' && band.role !== 'qc') {
    info.problem = {
      code: 'ALL_NODATA',
      message: `${file.name}: every pixel is nodata or fill.`,
      file: file.name,
    };
  }
  return info;
}

/** SHA-256 of a file, hex; undefined where WebCrypto is unavailable (plain http on another host). */
async function checksum(file: File): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads each file (one failing file does not stop the others: it gets a row with its problem)
 * and stores every band. Returns one row per band.
 */
export async function ingestFiles(files: File[], signal?: AbortSignal): Promise<InputInfo[]> {
  const rows: InputInfo[] = [];
  for (const file of files) {
    try {
      const sha256 = await checksum(file);
      for (const ds of await readRasterFile(file, file.name, { signal })) {
        ds.bands.forEach((band, i) => {
          const id = `in${nextId++}`;
          const info = { ...describe(id, file, ds, band, i), ...(sha256 ? { sha256 } : {}) };
          inputs.set(id, { info, dataset: ds, band });
          rows.push(info);
        });
      }
    } catch (e) {
      if (isAppError(e) && e.code === 'CANCELLED') throw e;
      rows.push({
        id: `bad${nextId++}`,
        fileName: file.name,
        sizeBytes: file.size,
        band: 0,
        role: 'unknown',
        problem: wire(e, file.name),
      });
    }
  }
  return rows;
}
