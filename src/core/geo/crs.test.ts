import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import {
  MODIS_SINUSOIDAL,
  WEB_MERCATOR,
  WGS84,
  crsFromEpsg,
  crsFromProj4,
  sameCrs,
  transformPoint,
  transformPoints,
} from './crs.ts';

describe('crsFromEpsg', () => {
  it('knows WGS 84, NAD83 and SIRGAS UTM zones by their codes', () => {
    expect(crsFromEpsg(32616).proj4).toContain('+zone=16');
    expect(crsFromEpsg(32723).proj4).toContain('+south');
    expect(crsFromEpsg(26917).name).toBe('NAD83 / UTM zone 17N');
    expect(crsFromEpsg(31985).name).toBe('SIRGAS 2000 / UTM zone 25S');
    expect(crsFromEpsg(31976).name).toBe('SIRGAS 2000 / UTM zone 22N');
    expect(crsFromEpsg(4326).isGeographic).toBe(true);
    expect(crsFromEpsg(3857).isGeographic).toBe(false);
  });

  it('rejects unknown codes with UNSUPPORTED_CRS naming the code', () => {
    try {
      crsFromEpsg(2154);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('UNSUPPORTED_CRS');
      expect((e as AppError).message).toContain('EPSG:2154');
    }
  });

  it('rejects a proj4 definition proj4 cannot parse', () => {
    expect(() => crsFromProj4('+proj=nonsense', 'bad')).toThrow(AppError);
  });
});

describe('sameCrs', () => {
  it('matches the Raleigh file definition (GRS80 + zero towgs84) with EPSG:32119', () => {
    const fromFile = crsFromProj4(
      '+proj=lcc +lat_0=33.75 +lon_0=-79 +lat_1=36.1666666666667 +lat_2=34.3333333333333 +x_0=609601.22 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      'unnamed',
    );
    expect(sameCrs(fromFile, crsFromEpsg(32119))).toBe(true);
    // The io reader spells the ellipsoid out from the GeoKeys.
    const fromGeoKeys = crsFromProj4(
      '+proj=lcc +lat_0=33.75 +lon_0=-79 +lat_1=36.16666666666666 +lat_2=34.33333333333334 +x_0=609601.22 +y_0=0 +a=6378137 +rf=298.257222101 +towgs84=0,0,0 +units=m +no_defs',
      'unnamed',
    );
    expect(sameCrs(fromGeoKeys, crsFromEpsg(32119))).toBe(true);
    expect(sameCrs(crsFromProj4('+proj=utm +zone=16 +ellps=WGS84 +units=m', 'x'), crsFromEpsg(32616))).toBe(
      true,
    );
  });

  it('tells different zones and projections apart', () => {
    expect(sameCrs(crsFromEpsg(32616), crsFromEpsg(32617))).toBe(false);
    expect(sameCrs(crsFromEpsg(32616), crsFromEpsg(32716))).toBe(false);
    expect(sameCrs(MODIS_SINUSOIDAL, WEB_MERCATOR)).toBe(false);
    const feet = crsFromProj4(crsFromEpsg(32119).proj4.replace('+units=m', '+units=us-ft'), 'NC feet');
    expect(sameCrs(feet, crsFromEpsg(32119))).toBe(false);
  });
});

describe('transformPoints', () => {
  // Reference values from PROJ 9.1 (cs2cs).
  it('converts a UTM 16N point to lon/lat as PROJ does', () => {
    const [lon, lat] = transformPoint(crsFromEpsg(32616), WGS84, 500000, 3400000);
    expect(lon).toBeCloseTo(-87, 9);
    expect(Math.abs(lat - 30.73288956)).toBeLessThan(1e-6);
  });

  it('converts NC state plane and SIRGAS 25S points as PROJ does', () => {
    const [lon1, lat1] = transformPoint(crsFromEpsg(32119), WGS84, 630000, 230000);
    expect(Math.abs(lon1 - -78.7742435983)).toBeLessThan(1e-6);
    expect(Math.abs(lat1 - 35.8231293371)).toBeLessThan(1e-6);
    const [lon2, lat2] = transformPoint(crsFromEpsg(31985), WGS84, 290000, 9110000);
    expect(Math.abs(lon2 - -34.9055199603)).toBeLessThan(1e-6);
    expect(Math.abs(lat2 - -8.047155942)).toBeLessThan(1e-6);
  });

  it('converts MODIS sinusoidal to Web Mercator within 1 mm of PROJ', () => {
    const [x, y] = transformPoint(MODIS_SINUSOIDAL, WEB_MERCATOR, -7000000, -1200000);
    expect(Math.abs(x - -7134006.44898961)).toBeLessThan(1e-3);
    expect(Math.abs(y - -1208509.91332633)).toBeLessThan(1e-3);
    const [lon, lat] = transformPoint(MODIS_SINUSOIDAL, WGS84, -7000000, -1200000);
    expect(Math.abs(lon - -64.0858703013)).toBeLessThan(1e-6);
    expect(Math.abs(lat - -10.7918471071)).toBeLessThan(1e-6);
  });

  it('marks points outside the sinusoidal domain as NaN instead of wrapping them', () => {
    const xs = Float64Array.of(-19000000, 0);
    const ys = Float64Array.of(6000000, 0);
    transformPoints(MODIS_SINUSOIDAL, WEB_MERCATOR, xs, ys);
    expect(Number.isNaN(xs[0])).toBe(true);
    expect(xs[1]).toBeCloseTo(0, 6);
  });

  it('round-trips a batch through UTM and back', () => {
    const n = 1000;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = -88 + (i % 40) * 0.05;
      ys[i] = 29 + Math.floor(i / 40) * 0.1;
    }
    const x0 = xs.slice();
    const y0 = ys.slice();
    const utm = crsFromEpsg(32616);
    transformPoints(WGS84, utm, xs, ys);
    transformPoints(utm, WGS84, xs, ys);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(xs[i] - x0[i])).toBeLessThan(1e-9);
      expect(Math.abs(ys[i] - y0[i])).toBeLessThan(1e-9);
    }
  });
});

describe('transformPoints speed', () => {
  it('converts sinusoidal points to Web Mercator fast enough for whole scenes (about 0.4 s per million unloaded)', () => {
    const n = 250_000;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = -7000000 + (i % 1000) * 463;
      ys[i] = -1200000 + Math.floor(i / 1000) * 463;
    }
    const [x0, y0] = [xs[0], ys[0]];
    const [xl, yl] = [xs[n - 1], ys[n - 1]];
    transformPoints(MODIS_SINUSOIDAL, WEB_MERCATOR, xs, ys);
    // In place and point for point what the single-point transform gives (its speed is benchmarked, not tested).
    expect(xs.every(Number.isFinite) && ys.every(Number.isFinite)).toBe(true);
    expect([xs[0], ys[0]]).toEqual(transformPoint(MODIS_SINUSOIDAL, WEB_MERCATOR, x0, y0));
    expect([xs[n - 1], ys[n - 1]]).toEqual(transformPoint(MODIS_SINUSOIDAL, WEB_MERCATOR, xl, yl));
  });
});
