import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { fromWireError } from '../worker/client.ts';
import { toWire } from './state/worker-handle.ts';
import { describeError, MESSAGES } from './messages.ts';

describe('error messages', () => {
  it('says what happened and what to do for every code', () => {
    for (const [code, m] of Object.entries(MESSAGES)) {
      expect(m.what.length, code).toBeGreaterThan(10);
      expect(m.todo.length, code).toBeGreaterThan(10);
    }
  });

  it('names the file when there is one, in the sentence or after it', () => {
    expect(describeError({ code: 'NOT_GEOTIFF', message: 'x', file: 'a.txt' })).toMatch(
      /^“a\.txt” is not a GeoTIFF, LAADS \.hdf or AppEEARS \.nc file\. Drop/,
    );
    // The app reads HDF4 and NetCDF as they are delivered: the advice names them, not GeoTIFF alone.
    expect(describeError({ code: 'NOT_GEOTIFF', message: 'x', file: 'README.md' })).toContain(
      'Drop GeoTIFF (.tif), LAADS HDF4 (.hdf) or AppEEARS NetCDF (.nc) files',
    );
    expect(describeError({ code: 'GRID_MISMATCH', message: 'x', file: 'b.tif' })).toContain('(b.tif)');
    expect(describeError({ code: 'MISSING_BAND', message: 'x' })).toMatch(/^A required input is missing\./);
  });

  it('says "A file" at the start of a sentence and "a file" inside one when no file is named', () => {
    expect(describeError({ code: 'UNSUPPORTED_CRS', message: 'x' })).toMatch(/^The coordinate system of a file is not supported\./);
    expect(describeError({ code: 'TOO_LARGE', message: 'x' })).toMatch(/^A file is too large/);
  });

  it('says an LST with no clear pixel under the guides has none there, not none at all, and what to do', () => {
    const lst = 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf [band 1: LST_Day_1km]';
    const nlcd = 'Annual_NLCD_LndCov_2021_CU_C1V0.tif';
    const words = `“${lst}” has no valid pixels inside the area ${nlcd} covers. Drop a guide that covers a clear part of the LST, remove that one to refine the LST alone, or choose a date with less cloud there.`;
    // The guide comes as a field: the developer message may say it in any words.
    expect(describeError({ code: 'ALL_NODATA', message: `${lst}: 0 valid pixels in the window of ${nlcd}`, file: lst, outsideOf: nlcd })).toBe(words);
    // A guide label ending in a period is not cut at it.
    expect(describeError({ code: 'ALL_NODATA', message: 'x', file: lst, outsideOf: 'ndvi v2.' })).toContain('inside the area ndvi v2. covers.');
    expect(describeError({ code: 'ALL_NODATA', message: `${lst} has no valid LST pixel (all fill, cloud or QC-rejected).`, file: lst })).toMatch(/contains no valid pixels\. Choose a date/);
  });

  it('keeps the guide an LST has no clear pixel under when the error reaches the error box', () => {
    const wire = { code: 'ALL_NODATA' as const, message: 'x', file: 'lst.tif', outsideOf: 'ndvi.tif' };
    expect(toWire(fromWireError(wire))).toEqual(wire);
    expect(toWire(Object.assign(new AppError('ALL_NODATA', 'x'), { outsideOf: 'ndvi.tif', hint: 'h' }))).toMatchObject({ outsideOf: 'ndvi.tif', hint: 'h' });
  });

  it('mentions further unreadable files from the same drop, once, after the advice for the first', () => {
    const s = describeError({ code: 'CORRUPT_TIFF', message: 'bad', file: 'c.tif', moreUnreadable: 2 });
    expect(s).toBe('“c.tif” is damaged or incomplete. Download it again and drop the new copy. 2 more file(s) could not be read either: see the table.');
  });

  it('gives the advice the reader gave for the kind of file (its hint), then the count of the others unreadable', () => {
    const convert = `Convert the layer you need first, e.g. gdal_translate 'NETCDF:"lst.nc":LST_Day_1km' -b 1 out.tif (list layers with gdalinfo lst.nc).`;
    const nc = { code: 'NOT_GEOTIFF' as const, message: `lst.nc is not a GeoTIFF: it is a netCDF file. ${convert}`, file: 'lst.nc', hint: convert };
    expect(describeError({ ...nc, moreUnreadable: 2 })).toBe(
      `“lst.nc” is not a GeoTIFF, LAADS .hdf or AppEEARS .nc file. ${convert} 2 more file(s) could not be read either: see the table.`,
    );
    const zip = { code: 'NOT_GEOTIFF' as const, message: 'scene.zip is not a GeoTIFF: it is a ZIP archive.', file: 'scene.zip', hint: 'Unzip it and drop the .tif files inside.' };
    expect(describeError(zip)).toBe('“scene.zip” is not a GeoTIFF, LAADS .hdf or AppEEARS .nc file. Unzip it and drop the .tif files inside.');
  });
});
