import { describe, expect, it } from 'vitest';
import { celsiusConversion, describeNotKelvin, suggestLstUnits, valueRange } from './unit-sanity.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('degrees Celsius in an LST, in words', () => {
  it('finds the range of the valid values and whether they are whole numbers', () => {
    expect(valueRange(f32([NaN, 27, 42, 30]))).toEqual({ min: 27, max: 42, isWhole: true });
    expect(valueRange(f32([-3.5, 12]))).toEqual({ min: -3.5, max: 12, isWhole: false });
    expect(valueRange(f32([NaN]))).toBeUndefined();
  });

  it('takes whole degrees Celsius, frost included, for degrees Celsius; not kelvin, nor Celsius x 10', () => {
    expect(celsiusConversion(f32([-12, -3, 0, 8, 25, 41]))?.code).toBe('C');
    expect(celsiusConversion(f32([27, 30, 33, 42]))?.code).toBe('C');
    expect(celsiusConversion(f32([290, 300, 310]))).toBeUndefined();
    // Celsius x 10 (deci-degrees): its own conversion, not plain Celsius.
    expect(celsiusConversion(f32([270, 300, 330, 410]))).toBeUndefined();
  });

  it('says the range and what the values look like', () => {
    const whole = f32([NaN, 27, 42, 31]);
    expect(describeNotKelvin(whole, suggestLstUnits(whole))).toBe('every value is a whole number from 27 to 42: they look like degrees Celsius, not kelvin');
    expect(describeNotKelvin(whole, suggestLstUnits(whole), true)).toBe('every value is a whole number from 27 to 42: they look like degrees Celsius (C), not kelvin');
    const frac = f32([26.25, 41.5]);
    expect(describeNotKelvin(frac, suggestLstUnits(frac))).toBe('the values run from 26.25 to 41.50: they look like degrees Celsius, not kelvin');
    expect(describeNotKelvin(f32([1e6]), [])).toBe('every value is a whole number from 1000000 to 1000000: they are not kelvin');
  });
});
