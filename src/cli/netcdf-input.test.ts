import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';
import { hasGdal } from '../test-support/gdal.ts';

const B = path.resolve(
  import.meta.dirname,
  '../../../shared/data/buffalo-ny-mod11a2-mcd12q1-mod13a2-datasciencedata',
);
const LST = path.join(B, 'MOD11A2.006_aid0001.nc');
const LC = path.join(B, 'MCD12Q1.051_aid0001.nc');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-nc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!existsSync(LST) || !hasGdal())('AppEEARS NetCDF on the command line (Buffalo)', () => {
  const printed = capturePrinted();

  it('downscales one date of the MOD11A2 series 1 km -> 500 m with the MCD12Q1 land cover of the nearest year', async () => {
    const out = path.join(tmp, 'lc');
    const argv = [
      'downscale',
      '--lst',
      LST,
      '--qc',
      LST,
      '--landcover',
      `${LC}:Land_Cover_Type_1`,
      '--date',
      '2005-07-12',
      '--method',
      'dms',
      '--out',
      out,
    ];
    expect(await main(argv), printed.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      stages: { width: number; height: number }[];
    };
    expect(report.stages.map((s) => [s.width, s.height])).toEqual([[84, 92]]);
    const info = JSON.parse(
      execFileSync('gdalinfo', ['-json', '-stats', path.join(out, 'lst_stage1.tif')], {
        env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
      }).toString(),
    ) as {
      geoTransform: number[];
      coordinateSystem: { wkt: string };
      bands: { metadata: Record<string, Record<string, string>> }[];
    };
    expect(info.coordinateSystem.wkt).toMatch(/Albers/);
    expect(info.geoTransform[1]).toBeCloseTo(463.3127, 3);
    const st = info.bands[0].metadata[''];
    // The data README: 2005-07-12 spans 295.28-315.74 K at 1 km; the 500 m field stays near that range.
    expect(Number(st.STATISTICS_MINIMUM)).toBeGreaterThan(285);
    expect(Number(st.STATISTICS_MAXIMUM)).toBeLessThan(325);
  }, 120_000);

  it('asks for --date when a series file is given without one', async () => {
    expect(await main(['downscale', '--lst', LST, '--landcover', LC, '--out', path.join(tmp, 'x')])).not.toBe(
      0,
    );
    expect(printed.err).toMatch(/BAD_ARGUMENT.*811 dates.*--date YYYY-MM-DD.*batch/);
  }, 120_000);
});
