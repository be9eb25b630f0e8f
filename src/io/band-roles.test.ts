import { describe, expect, it } from 'vitest';
import { detectRole, parseProductName, productScale } from './band-roles.ts';

describe('parseProductName', () => {
  it('reads product, layer and date from AppEEARS names', () => {
    expect(parseProductName('MOD11A1.061_LST_Day_1km_doy2020123_aid0001.tif')).toMatchObject({
      product: 'MOD11A1',
      layer: 'LST_Day_1km',
      date: '2020-05-02',
    });
    expect(parseProductName('MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif')).toMatchObject({
      product: 'MOD13Q1',
      layer: '_250m_16_days_NDVI',
      date: '2024-04-06',
    });
  });
  it('reads LAADS granule names with a GDAL subdataset suffix', () => {
    expect(parseProductName('MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif')).toMatchObject({
      product: 'MOD11A1',
      tile: 'h14v09',
      date: '2019-11-01',
      layer: 'LST_Day_1km',
    });
  });
  it('reads Landsat collection and pre-collection names', () => {
    expect(parseProductName('LC08_L2SP_204033_20210525_20210529_02_T1_ST_B10.TIF')).toMatchObject({
      product: 'LANDSAT_8',
      landsatLevel: 'L2',
      date: '2021-05-25',
      layer: 'ST_B10',
    });
    expect(parseProductName('LT52240631988227CUB02_B6.TIF')).toMatchObject({
      product: 'LANDSAT_5',
      date: '1988-08-14',
      layer: 'B6',
    });
  });
  it('reads plain YYYYMMDD and YYYY_DDD dates', () => {
    expect(parseProductName('LST_20190704.tif').date).toBe('2019-07-04');
    expect(parseProductName('MOD13A1_NDVI_2016_337.tif')).toMatchObject({
      product: 'MOD13A1',
      date: '2016-12-02',
    });
  });
});

describe('detectRole', () => {
  const role = (fileName: string, description?: string, bandIndex?: number, bandCount?: number) =>
    detectRole({ fileName, description, bandIndex, bandCount }).role;
  it('recognises AppEEARS MODIS layers', () => {
    expect(detectRole({ fileName: 'MOD11A1.061_LST_Night_1km_doy2020123_aid0001.tif' })).toMatchObject({
      role: 'lst',
      dayNight: 'night',
    });
    expect(role('MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif')).toBe('lst-qc');
    expect(role('MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif')).toBe('ndvi');
    expect(role('MOD13Q1.061__250m_16_days_VI_Quality_doy2024097000000_aid0001.tif')).toBe('qc');
    expect(role('MOD13Q1.061__250m_16_days_EVI_doy2024097000000_aid0001.tif')).toBe('unknown');
    expect(role('MOD09GA.061_sur_refl_b01_1_doy2021227_aid0001.tif')).toBe('red');
    expect(role('MOD09GA.061_sur_refl_b02_1_doy2021227_aid0001.tif')).toBe('nir');
    expect(role('MOD09GA.061_sur_refl_b06_1_doy2021227_aid0001.tif')).toBe('swir');
    expect(role('MOD09GA.061_sur_refl_b07_1_doy2021227_aid0001.tif')).toBe('swir2');
    expect(role('MCD43A3.061_Albedo_WSA_shortwave_doy2021227_aid0001.tif')).toBe('albedo');
    expect(role('MCD12Q1.061_LC_Type1_doy2021001_aid0001.tif')).toBe('landcover');
    expect(role('MOD11A1.061_Emis_31_doy2020123_aid0001.tif')).toBe('unknown');
    expect(role('MOD11A1.061_Day_view_time_doy2020123_aid0001.tif')).toBe('unknown');
    expect(role('MOD11A1.061_Day_view_angl_doy2020123_aid0001.tif')).toBe('view-angle');
  });
  it('recognises ECOSTRESS layers, keeping QC, cloud and water masks apart from LST; the QC is the LST QC, as MOD11 QC is', () => {
    expect(role('ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif')).toBe('lst');
    expect(role('ECO_L2_LSTE.002_LST_err_doy2023217182715_aid0001.tif')).toBe('unknown');
    // Before: 'qc', a generic quality band nothing applied.
    expect(role('ECO_L2_LSTE.002_QC_doy2023217182715_aid0001.tif')).toBe('lst-qc');
    expect(role('ECO2LSTE.001_SDS_QC_doy2021168211214_aid0001.tif')).toBe('lst-qc');
    expect(role('ECO_L2_LSTE.002_QC_err_doy2023217182715_aid0001.tif')).toBe('unknown');
    expect(role('ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif')).toBe('cloud-mask');
    expect(role('ECO_L2_LSTE.002_water_mask_doy2023217182715_aid0001.tif')).toBe('water-mask');
  });
  it('uses GEE band names and GDAL long names from the description', () => {
    expect(role('export.tif', 'LST_Day_1km')).toBe('lst');
    expect(role('export.tif', 'QC_Day')).toBe('lst-qc');
    expect(role('export.tif', 'elevation')).toBe('dem');
    expect(role('export.tif', 'NDVI')).toBe('ndvi');
    expect(role('x.tif', 'Daily daytime 1km grid Land-surface Temperature')).toBe('lst');
    expect(role('x.tif', 'Quality control for daytime LST and emissivity')).toBe('lst-qc');
  });
  it('maps Landsat band files to roles per sensor', () => {
    expect(detectRole({ fileName: 'LC08_L1TP_204033_20210525_20210529_02_T1_B10.TIF' })).toMatchObject({
      role: 'lst',
      landsat: { mission: 8, band: 10, level: 'L1' },
    });
    expect(role('LC08_L1TP_204033_20210525_20210529_02_T1_B4.TIF')).toBe('red');
    expect(role('LC08_L2SP_204033_20210525_20210529_02_T1_SR_B5.TIF')).toBe('nir');
    expect(detectRole({ fileName: 'LC08_L2SP_204033_20210525_20210529_02_T1_ST_B10.TIF' })).toMatchObject({
      role: 'lst',
      landsat: { level: 'L2' },
    });
    // Landsat's quality bands are read by their cloud bits: cloud masks, applied to the LST of their date.
    expect(role('LC08_L2SP_204033_20210525_20210529_02_T1_QA_PIXEL.TIF')).toBe('cloud-mask');
    expect(role('LC08_L1TP_173049_20140310_20170425_01_T1_BQA.TIF')).toBe('cloud-mask');
    expect(role('l8_BQA.tif')).toBe('cloud-mask');
    expect(role('LC08_L2SP_204033_20210525_20210529_02_T1_QA_RADSAT.TIF')).toBe('qc');
    expect(role('LT52240631988227CUB02_B3.TIF')).toBe('red');
    expect(role('LT52240631988227CUB02_B6.TIF')).toBe('lst');
    expect(role('LE07_L1TP_016035_20000523_20200918_02_T1_B6_VCID_1.TIF')).toBe('lst');
    expect(role('lsat7_2000_40.tif')).toBe('nir');
    expect(role('L7_ETMs.tif', undefined, 2, 6)).toBe('red');
    expect(role('L7_ETMs.tif', undefined, 5, 6)).toBe('swir2');
    expect(role('LC08_cube.tiff', 'Band10 - Thermal IR1 [10.6-11.19]', 6, 7)).toBe('lst');
    expect(role('LC08_cube.tiff', 'Band6 - SWIR1 [1.57-1.65]', 4, 7)).toBe('swir');
  });
  it('reads ESPA/LEDAPS product names: sr_bandN x 0.0001, band 6 temperature in degrees C x 100', () => {
    expect(detectRole({ fileName: 'LC82320832016040LGN00_sr_band4.tif' })).toMatchObject({
      role: 'red',
      scale: { scale: 0.0001 },
    });
    expect(detectRole({ fileName: 'LC82320832016040LGN00_sr_band4.tif' }).landsat).toBeUndefined();
    expect(detectRole({ fileName: 'LC82320832016040LGN00_band10.tif' })).toMatchObject({
      role: 'lst',
      landsat: { mission: 8, band: 10, level: 'L1' },
    });
    const stack = 'LE70220491999322EDC01_stack.gtif';
    // The .gtif extension is not part of the layer name (it read 'stack.gtif', the name of Chiapas 1999's unnamed band 8).
    expect(parseProductName(stack)).toMatchObject({ product: 'LANDSAT_7', date: '1999-11-18', layer: 'stack' });
    expect(detectRole({ fileName: stack, description: 'band 7 reflectance' })).toMatchObject({
      role: 'swir2',
      scale: { scale: 0.0001 },
    });
    expect(detectRole({ fileName: stack, description: 'band 6 temperature' })).toMatchObject({
      role: 'lst',
      scale: { scale: 0.01, offset: 273.15, units: 'K' },
    });
  });
  it("takes a Landsat-named cloud mask by its name over GDAL's default band name; before, 'Band 8' made it the panchromatic band, role unknown", () => {
    expect(role('LE70220492002106EDC00_west_cloud_mask.tif', 'Band 8')).toBe('cloud-mask');
    expect(role('LC08_L1TP_173049_20140310_20170425_01_T1_west_cloud_mask.tif', 'Band 1')).toBe('cloud-mask');
    // A band name that says more than GDAL's default still comes first, and the default still numbers the band of a stack.
    expect(role('LC08_L1TP_173049_20140310_20170425_01_T1_cloud_mask.tif', 'Band10 - Thermal IR1')).toBe('lst');
    expect(detectRole({ fileName: 'LE70220492002106EDC00_stack.gtif', description: 'Band 8', bandIndex: 7, bandCount: 8 })).toMatchObject({ role: 'unknown', landsat: { band: 8 } });
  });
  it('takes band 6 of an unnamed ETM+ stack as the low-gain thermal B6_VCID_1', () => {
    expect(detectRole({ fileName: 'L7_Talca.tif', bandIndex: 5, bandCount: 7 })).toMatchObject({
      role: 'lst',
      landsat: { mission: 7, band: 61 },
    });
  });
  it('returns unknown for names it cannot place', () => {
    expect(role('scene.tif')).toBe('unknown');
    expect(role('LandMask_2019.tif')).toBe('unknown');
  });
});

describe('productScale', () => {
  it('gives the MODIS and Landsat L2 conventions', () => {
    expect(productScale('MOD11A1', 'lst')?.scale).toBe(0.02);
    expect(productScale('MOD09GA', 'red')?.scale).toBe(0.0001);
    expect(productScale('MOD13Q1', 'ndvi')?.scale).toBe(0.0001);
    expect(productScale('LANDSAT_8', 'lst', 'L2')).toMatchObject({ scale: 0.00341802, offset: 149 });
    expect(productScale('LANDSAT_8', 'lst', 'L1')).toBeUndefined();
    expect(productScale(undefined, 'dem')).toBeUndefined();
  });
});
