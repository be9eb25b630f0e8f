import { describe, expect, it } from 'vitest';
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
    const s = describeError({ code: 'ALL_NODATA', message: `${lst} has no valid pixel inside the area covered by Annual_NLCD_LndCov_2021_CU_C1V0.tif.`, file: lst });
    expect(s).toBe(
      `“${lst}” has no valid pixels inside the area Annual_NLCD_LndCov_2021_CU_C1V0.tif covers. Drop a guide that covers a clear part of the LST, remove that one to refine the LST alone, or choose a date with less cloud there.`,
    );
    expect(describeError({ code: 'ALL_NODATA', message: `${lst} has no valid LST pixel (all fill, cloud or QC-rejected).`, file: lst })).toMatch(/contains no valid pixels\. Choose a date/);
  });

  it('mentions further unreadable files from the same drop', () => {
    const s = describeError({
      code: 'CORRUPT_TIFF',
      message: 'bad (and 2 more unreadable file(s): see the table)',
      file: 'c.tif',
    });
    expect(s).toContain('2 more file(s) could not be read either');
  });
});
