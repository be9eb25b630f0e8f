import { describe, expect, it } from 'vitest';
import type { BandSelf } from './not-temperature.ts';
import { celsiusOffer, describeNotTemperature, notTemperature } from './not-temperature.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);
const unknown = (name: string, more: Partial<BandSelf> = {}): BandSelf => ({ role: 'unknown', name, ...more });

describe('what a band that is not kelvin holds: degrees Celsius or not a temperature', () => {
  const celsius = f32([-12, -3, 0, 8, 25, 41]);

  it('offers degrees Celsius for a band whose name and values say nothing else', () => {
    expect(notTemperature(unknown('july_c'), celsius)).toBeUndefined();
    expect(celsiusOffer(unknown('july_c'), celsius)?.code).toBe('C');
    expect(celsiusOffer(unknown('LST_celsius', { units: 'degC' }), f32([21.5, 30.25, 44]))?.code).toBe('C');
  });

  it('says an NDVI (-1..1 with negative values) is not a temperature, and offers no Celsius', () => {
    const ndvi = f32([-0.3, 0.1, 0.45, 0.8]);
    expect(notTemperature(unknown('layer'), ndvi)).toEqual({ looksLike: 'an NDVI or another index', because: 'every value lies between -1 and 1' });
    expect(celsiusOffer(unknown('layer'), ndvi)).toBeUndefined();
    expect(describeNotTemperature(ndvi, notTemperature(unknown('layer'), ndvi)!)).toBe(
      'the values run from -0.3000 to 0.8000: they look like an NDVI or another index, not a temperature, as every value lies between -1 and 1',
    );
  });

  it('says a 0..1 field is reflectance or a fraction', () => {
    expect(notTemperature(unknown('b'), f32([0.02, 0.1, 0.35]))?.looksLike).toBe('reflectance or a fraction');
  });

  it('takes what the band says about itself first: role, calibration, Landsat band, units, name', () => {
    const refl = f32([0.02, 0.1, 0.35]);
    expect(notTemperature({ role: 'red', name: 'sur_refl_b01' }, refl)).toEqual({
      looksLike: 'a red reflectance band',
      because: 'its name or metadata (sur_refl_b01) says',
      guideRole: 'red',
    });
    expect(notTemperature(unknown('band4', { calibration: 'toa-reflectance' }), refl)?.because).toBe('it was calibrated to top-of-atmosphere reflectance');
    expect(notTemperature(unknown('B4', { landsat: { mission: 8, band: 4, level: 'L1' } }), f32([7000, 9000, 12000]))?.because).toBe(
      'it is Landsat 8 band 4, a reflective band',
    );
    expect(notTemperature(unknown('x', { units: 'reflectance' }), f32([2, 5, 30]))?.because).toBe('its units are reflectance');
    expect(notTemperature(unknown('Time_20190704'), f32([10.6, 12, 13.8]))).toEqual({ looksLike: 'a time of day', because: 'its name (Time_20190704) says' });
    expect(notTemperature(unknown('LandMask_2019'), f32([1, 2, 3]))?.looksLike).toBe('a mask');
  });

  it('says a few whole values over many pixels are classes or flags, and many values or few pixels are not', () => {
    const classes = Float32Array.from({ length: 100 }, (_, i) => 1 + (i % 3));
    expect(notTemperature(unknown('layer'), classes)).toEqual({ looksLike: 'classes or flags', because: 'it holds only 3 distinct whole values (1, 2, 3)' });
    // Few pixels: a small clip of whole degrees, not classes.
    expect(notTemperature(unknown('layer'), classes.subarray(0, 10))).toBeUndefined();
    expect(notTemperature(unknown('layer'), Float32Array.from({ length: 100 }, (_, i) => 18 + (i % 10)))).toBeUndefined();
  });

  it('says nothing for kelvin, for a detected LST, or for a band whose name or units say temperature', () => {
    expect(notTemperature(unknown('ndvi'), f32([290, 300, 310]))).toBeUndefined();
    expect(notTemperature({ role: 'lst', name: 'LST_Day_1km' }, f32([0.1, 0.5]))).toBeUndefined();
    expect(notTemperature(unknown('surface_temp_mask_applied'), celsius)).toBeUndefined();
    expect(notTemperature(unknown('ndvi_like', { units: '°C' }), celsius)).toBeUndefined();
    // 'aqua' is not 'qa', 'academic' not 'dem'.
    expect(notTemperature(unknown('aqua_academic'), celsius)).toBeUndefined();
  });
});
