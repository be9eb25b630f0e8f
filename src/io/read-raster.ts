import type { Dataset } from './dataset.ts';
import { readGeoTiff, type ReadGeoTiffOptions } from './geotiff-read.ts';
import { readHdf4 } from './hdf4-read.ts';
import { readNetcdf } from './netcdf-read.ts';
import { sniffFileKind } from './tiff-sniff.ts';

/** Options of `readRasterFile`: the GeoTIFF options plus the HDF/NetCDF selections. */
export interface ReadRasterOptions extends ReadGeoTiffOptions {
  /** HDF4 SDS names to read (default: the layers a run uses; `'all'` every one). */
  hdfFields?: readonly string[] | 'all';
  /** NetCDF time steps to read (ISO dates or a predicate; default all). */
  ncDates?: readonly string[] | ((isoDate: string) => boolean);
}

/**
 * Reads any input the project accepts, chosen by the file's first bytes: GeoTIFF (one dataset),
 * LAADS HDF4 / HDF-EOS2 (one dataset per grid) or NetCDF-4 / HDF5 such as AppEEARS exports (one
 * dataset per time step). Anything else throws NOT_GEOTIFF with what the file is and what to do.
 * The heavy NetCDF library loads only when a NetCDF file arrives.
 */
export async function readRasterFile(
  source: ArrayBuffer | Blob,
  fileName: string,
  opts: ReadRasterOptions = {},
): Promise<Dataset[]> {
  const head =
    source instanceof ArrayBuffer
      ? new Uint8Array(source, 0, Math.min(16, source.byteLength))
      : new Uint8Array(await source.slice(0, 16).arrayBuffer());
  const kind = sniffFileKind(head);
  const run = { signal: opts.signal, onProgress: opts.onProgress };
  if (kind === 'hdf4')
    return readHdf4(source, fileName, { ...run, fields: opts.hdfFields, maxPixels: opts.maxPixels });
  if (kind === 'hdf5')
    return readNetcdf(source, fileName, { ...run, dates: opts.ncDates, maxPixels: opts.maxPixels });
  return [await readGeoTiff(source, fileName, opts)];
}
