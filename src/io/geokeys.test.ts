import { describe, expect, it } from 'vitest';
import { crsFromEpsg, MODIS_SINUSOIDAL, sameCrs, transformPoint, WGS84 } from '../core/geo/crs.ts';
import { crsFromProj4 } from '../core/geo/crs.ts';
import { crsFromGeoKeys, parseGeoKeyDirectory } from './geokeys.ts';
import { encodeGeoKeys, geoKeysForCrs } from './geokeys-encode.ts';

function roundTrip(def: string) {
  const crs = crsFromProj4(def, 'test');
  const enc = encodeGeoKeys(geoKeysForCrs(crs));
  return crsFromGeoKeys(parseGeoKeyDirectory(enc.directory, enc.doubles, enc.ascii), 'rt.tif');
}

describe('GeoKeys <-> CRS', () => {
  it('reads GDAL-style user-defined sinusoidal keys as MODIS sinusoidal', () => {
    // The key directory GDAL wrote for the h14v09 extract (GeoKeyDirectory, doubles, ascii).
    const dir = [
      1, 1, 0, 18, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 8, 0, 2048, 0, 1, 32767, 2049, 34737, 153, 8,
      2050, 0, 1, 32767, 2054, 0, 1, 9102, 2056, 0, 1, 32767, 2057, 34736, 1, 3, 2058, 34736, 1, 4, 2061,
      34736, 1, 5, 3072, 0, 1, 32767, 3074, 0, 1, 32767, 3075, 0, 1, 24, 3076, 0, 1, 9001, 3082, 34736, 1, 1,
      3083, 34736, 1, 2, 3088, 34736, 1, 0,
    ];
    const keys = parseGeoKeyDirectory(
      dir,
      [0, 0, 0, 6371007.181, 6371007.181, 0],
      'unnamed|' + 'x'.repeat(152) + '|',
    );
    expect(crsFromGeoKeys(keys, 'h14v09.tif')).toBe(MODIS_SINUSOIDAL);
  });

  it('round-trips EPSG codes and user-defined projections through encode/parse', () => {
    for (const code of [4326, 32629, 32722, 31985]) {
      const crs = crsFromEpsg(code);
      const enc = encodeGeoKeys(geoKeysForCrs(crs));
      expect(crsFromGeoKeys(parseGeoKeyDirectory(enc.directory, enc.doubles, enc.ascii), 'x.tif').epsg).toBe(
        code,
      );
    }
    expect(roundTrip(MODIS_SINUSOIDAL.proj4)).toBe(MODIS_SINUSOIDAL);
    for (const def of [
      '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
      '+proj=lcc +lat_0=33.75 +lon_0=-79 +lat_1=36.1666666666667 +lat_2=34.3333333333333 +x_0=609601.22 +y_0=0 +datum=NAD83 +units=m +no_defs',
      '+proj=tmerc +lat_0=0 +lon_0=-75 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs',
      '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs',
    ]) {
      const back = roundTrip(def);
      // Same projection: a point far from the origin maps to the same place (1 mm).
      const [x1, y1] = transformPoint(WGS84, crsFromProj4(def, 'a'), -80, 35.5);
      const [x2, y2] = transformPoint(WGS84, back, -80, 35.5);
      expect(Math.abs(x1 - x2)).toBeLessThan(1e-3);
      expect(Math.abs(y1 - y2)).toBeLessThan(1e-3);
    }
  });

  it('reads EPSG UTM projection codes on a custom ellipsoid (Olinda DEM keys)', () => {
    const keys = new Map<number, number | number[] | string>([
      [1024, 1],
      [2048, 32767],
      [2050, 32767],
      [2057, 6378137],
      [2059, 298.257222101],
      [3072, 32767],
      [3074, 16125],
      [3076, 9001],
    ]);
    const crs = crsFromGeoKeys(keys, 'dem.tif');
    expect(sameCrs(crs, crsFromEpsg(31985))).toBe(true);
  });

  it('rejects unsupported projections with UNSUPPORTED_CRS naming the file', () => {
    const keys = new Map<number, number | number[] | string>([
      [1024, 1],
      [2048, 4326],
      [3072, 32767],
      [3075, 99],
    ]);
    expect(() => crsFromGeoKeys(keys, 'odd.tif')).toThrow(/odd\.tif/);
    expect(() =>
      geoKeysForCrs({ proj4: '+proj=robin +lon_0=0 +datum=WGS84', name: 'Robinson', isGeographic: false }),
    ).toThrow(/Robinson/);
  });

  it('reads the datum of a geographic CRS the core table does not know (ED50, OSGB 36) instead of taking WGS 84', () => {
    const geographic = (code: number) => new Map<number, number | number[] | string>([[1024, 2], [1025, 1], [2048, code]]);
    const ed50 = crsFromGeoKeys(geographic(4230), 'ed50.tif');
    expect(ed50.proj4).toMatch(/\+ellps=intl \+towgs84=-87,-98,-121/);
    expect(ed50.isGeographic).toBe(true);
    // ED50 -> WGS 84 in Madrid moves a point by ~100 m (EPSG:1133's three-parameter shift).
    const [lon, lat] = transformPoint(ed50, WGS84, -3.7, 40.4);
    const shiftM = Math.hypot((lon + 3.7) * 111320 * Math.cos((40.4 * Math.PI) / 180), (lat - 40.4) * 110574);
    expect(shiftM).toBeGreaterThan(80);
    expect(shiftM).toBeLessThan(200);
    expect(crsFromGeoKeys(geographic(4277), 'osgb.tif').proj4).toMatch(/\+ellps=airy \+towgs84=446\.448/);
  });

  it('builds a user-defined geographic CRS from its axes, and refuses an unknown code with none', () => {
    const everest = new Map<number, number | number[] | string>([[1024, 2], [2048, 32767], [2057, 6377276.345], [2059, 300.8017]]);
    expect(crsFromGeoKeys(everest, 'everest.tif').proj4).toMatch(/\+a=6377276\.345 \+rf=300\.8017/);
    const unknown = new Map<number, number | number[] | string>([[1024, 2], [2048, 4901]]);
    expect(() => crsFromGeoKeys(unknown, 'paris.tif')).toThrow(/paris\.tif: geographic CRS EPSG:4901 is not known here .* gdalwarp -t_srs EPSG:4326/);
    const projected = new Map<number, number | number[] | string>([[1024, 1], [2048, 4901], [3072, 32767], [3075, 24]]);
    expect(() => crsFromGeoKeys(projected, 'paris-sinu.tif')).toThrow(/EPSG:4901/);
  });

  it('says so when the keys name no datum or ellipsoid at all (WGS 84 assumed)', () => {
    const bare = new Map<number, number | number[] | string>([[1024, 1], [3072, 32767], [3075, 24]]);
    const notes: string[] = [];
    expect(crsFromGeoKeys(bare, 'bare.tif', notes).proj4).toMatch(/\+datum=WGS84/);
    expect(notes).toEqual(['the GeoTIFF keys name no datum or ellipsoid: WGS 84 assumed']);
  });
});
