import type { AppErrorCode } from '../core/errors.ts';
import type { WireError } from '../worker/protocol.ts';

/** Plain words per error code: what happened and what to do. `{file}` is replaced by the file name. */
export const MESSAGES: Record<AppErrorCode, { what: string; todo: string }> = {
  NOT_GEOTIFF: {
    what: '{file} is not a GeoTIFF, LAADS .hdf or AppEEARS .nc file.',
    todo: 'Drop GeoTIFF (.tif), LAADS HDF4 (.hdf) or AppEEARS NetCDF (.nc) files, or convert this one to GeoTIFF with gdal_translate first.',
  },
  CORRUPT_TIFF: {
    what: '{file} is damaged or incomplete.',
    todo: 'Download it again and drop the new copy.',
  },
  CORRUPT_HDF: {
    what: '{file} is a damaged or incomplete HDF file.',
    todo: 'Download it again from LAADS or AppEEARS and drop the new copy.',
  },
  UNSUPPORTED_HDF: {
    what: '{file} stores its data in an HDF layout this app cannot decode.',
    todo: 'Export the layer you need as GeoTIFF (AppEEARS offers GeoTIFF output) and drop that file.',
  },
  NO_GEOREFERENCE: {
    what: '{file} has no map position (no geotransform or CRS).',
    todo: 'Export it again with georeferencing, e.g. gdal_translate with -a_srs and -a_ullr.',
  },
  UNSUPPORTED_LAYOUT: {
    what: '{file} uses a TIFF layout this app cannot read.',
    todo: 'Convert it with gdal_translate -of GTiff.',
  },
  UNSUPPORTED_CRS: {
    what: 'The coordinate system of {file} is not supported.',
    todo: 'Reproject it to WGS 84, UTM or MODIS sinusoidal with gdalwarp.',
  },
  TOO_LARGE: {
    what: '{file} is too large to process in the browser.',
    todo: 'Clip it to your area of interest first, or use the srda-lst command line.',
  },
  ALL_NODATA: {
    what: '{file} contains no valid pixels.',
    todo: 'Choose a date with less cloud, or check the nodata value.',
  },
  BAD_VALUES: {
    what: 'The values in {file} are outside the expected range.',
    todo: 'Check the role assigned to it, and its scale factor.',
  },
  GRID_MISMATCH: {
    what: 'The input grids do not line up.',
    todo: 'Use LST and auxiliary files of the same area and projection (for instance from one AppEEARS request).',
  },
  NOT_COARSER: {
    what: 'The LST {file} is already as fine as the guide layers: there is nothing finer to downscale to.',
    todo: 'Pick a reference factor (×2 or ×4) next to Run: the LST is averaged by that factor and downscaled back onto the guides, which shows how well each method recovers it.',
  },
  DATE_MISMATCH: {
    what: '{file} is of another date than the LST.',
    todo: 'Drop the file of the same date as the LST, or remove this one in the table.',
  },
  NO_OVERLAP: {
    what: 'The LST and the auxiliary files cover different places.',
    todo: 'Drop files of the same area.',
  },
  MISSING_BAND: {
    what: 'A required input is missing.',
    todo: 'Add an LST file (MOD11A1/MOD11A2 LST or a Landsat thermal band), or set the role of your LST file to "lst" in the table.',
  },
  BAD_ARGUMENT: { what: 'A setting is not valid.', todo: 'Check the options and try again.' },
  MODEL_LOAD_FAILED: {
    what: 'The SRDA-Net weights could not be loaded.',
    todo: 'Reload the page while online once so they are cached, or choose a classical method.',
  },
  NO_BACKEND: {
    what: 'No compute backend could start in this browser.',
    todo: 'Use a recent Chrome, Edge or Firefox, or choose a classical method.',
  },
  OUT_OF_MEMORY: {
    what: 'The browser ran out of memory.',
    todo: 'Clip the scene to a smaller area or close other tabs, then run again.',
  },
  WRITE_FAILED: {
    what: 'The export could not be written.',
    todo: 'Try again; if it persists, export fewer layers at once.',
  },
  CANCELLED: { what: 'The run was cancelled.', todo: 'Press Run to start again.' },
  INTERNAL: {
    what: 'Something went wrong inside the app.',
    todo: 'Reload the page and try again; your files are not changed.',
  },
};

/** An error as the app shows it: its wire form, and how many more files of the same drop could not be read either. */
export interface ShownError extends WireError {
  moreUnreadable?: number;
}

/** The sentence shown to people for an error, naming the file when there is one. */
export function describeError(e: ShownError): string {
  const m = MESSAGES[e.code] ?? MESSAGES.INTERNAL;
  // Without a file name: "A file ..." at the start of the sentence, "... of a file ..." inside it.
  const file = e.file ? `“${e.file}”` : m.what.startsWith('{file}') ? 'A file' : 'a file';
  const more = e.moreUnreadable ? ` ${e.moreUnreadable} more file(s) could not be read either: see the table.` : '';
  // An LST with clear pixels, none of them where the guides are: not "contains no valid pixels".
  if (e.code === 'ALL_NODATA' && e.outsideOf)
    return `${file} has no valid pixels inside the area ${e.outsideOf} covers. Drop a guide that covers a clear part of the LST, remove that one to refine the LST alone, or choose a date with less cloud there.${more}`;
  const what = m.what.includes('{file}')
    ? m.what.replace('{file}', file)
    : e.file
      ? `${m.what} (${e.file})`
      : m.what;
  return `${what} ${e.hint ?? m.todo}${more}`;
}
