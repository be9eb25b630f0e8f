/** A conversion of LST values to kelvin the user can choose: kelvin = value * scale + offset. */
export interface UnitConversion {
  /** Short code (also the CLI's `--lst-units` value). */
  code: LstUnitCode;
  /** What the values would be, in words. */
  label: string;
  scale: number;
  offset: number;
}

export type LstUnitCode = 'C' | 'dC' | 'cC' | 'dK' | 'cK' | 'modis';

/** Every conversion offered, in the order they are listed. */
export const LST_UNIT_CONVERSIONS: readonly UnitConversion[] = [
  { code: 'C', label: 'degrees Celsius', scale: 1, offset: 273.15 },
  { code: 'dC', label: 'degrees Celsius x 10', scale: 0.1, offset: 273.15 },
  { code: 'cC', label: 'degrees Celsius x 100', scale: 0.01, offset: 273.15 },
  { code: 'dK', label: 'kelvin x 10', scale: 0.1, offset: 0 },
  { code: 'cK', label: 'kelvin x 100', scale: 0.01, offset: 0 },
  { code: 'modis', label: 'MODIS LST digital numbers (x 0.02 K)', scale: 0.02, offset: 0 },
];

/** Percentiles 1, 50 and 99 of the valid values (from at most ~20000 samples), or undefined. */
function percentiles(data: Float32Array): [number, number, number] | undefined {
  const step = Math.max(1, Math.floor(data.length / 20000));
  const s: number[] = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) s.push(data[i]);
  if (s.length === 0) return undefined;
  s.sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
  return [at(0.01), at(0.5), at(0.99)];
}

const plausibleK = (p1: number, p50: number, p99: number) =>
  p1 >= 180 && p99 <= 360 && p50 >= 220 && p50 <= 335;

/** True when the valid values are plausible land temperatures in kelvin (all within 180-360 K, or the 1st-99th percentile within it and the median 220-335 K). */
export function looksLikeKelvin(data: Float32Array): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= 180 && hi <= 360) return true;
  const p = percentiles(data);
  return !!p && plausibleK(...p);
}

/**
 * For an LST band whose values are not plausible kelvin (1st-99th percentile outside 180-360 K),
 * the conversions that would make them plausible land temperatures, so that the user can be told
 * and choose one. Empty when the values already look like kelvin or nothing fits.
 */
export function suggestLstUnits(data: Float32Array): UnitConversion[] {
  if (looksLikeKelvin(data)) return [];
  const p = percentiles(data);
  if (!p) return [];
  const fits = (c: UnitConversion) =>
    plausibleK(...(p.map((v) => v * c.scale + c.offset) as [number, number, number]));
  // Within a family the least scaling that fits wins: Celsius 31-40 is not also "Celsius x 10" (3.1-4.0 C).
  const families: LstUnitCode[][] = [['C', 'dC', 'cC'], ['dK', 'cK'], ['modis']];
  return families.flatMap((f) =>
    LST_UNIT_CONVERSIONS.filter((c) => f.includes(c.code) && fits(c)).slice(0, 1),
  );
}

/** The conversion named by `code` (e.g. from `--lst-units`), or undefined. */
export function lstUnitConversion(code: string): UnitConversion | undefined {
  return LST_UNIT_CONVERSIONS.find((c) => c.code === code);
}

/** Applies `c` in place (NaN stays NaN). */
export function applyUnitConversion(data: Float32Array, c: UnitConversion): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i] * c.scale + c.offset;
}

/** One sentence naming the candidates, e.g. "degrees Celsius (C) or kelvin x 10 (dK)". */
export function describeCandidates(cs: readonly UnitConversion[]): string {
  return cs.map((c) => `${c.label} (${c.code})`).join(' or ');
}

/** The valid values' range, and whether every one is a whole number; undefined without a valid value. */
export function valueRange(data: Float32Array): { min: number; max: number; isWhole: boolean } | undefined {
  let min = Infinity;
  let max = -Infinity;
  let isWhole = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (isWhole && v !== Math.floor(v)) isWhole = false;
  }
  return min <= max ? { min, max, isWhole } : undefined;
}

/**
 * The plain degrees-Celsius conversion when an LST's values look like degrees Celsius (the first
 * suggestion of `suggestLstUnits` is `C`: 1st-99th percentile -93..87, median -53..62), else undefined.
 */
export function celsiusConversion(data: Float32Array): UnitConversion | undefined {
  const first = suggestLstUnits(data)[0];
  return first?.code === 'C' ? first : undefined;
}

/**
 * What an LST's values look like when they are not kelvin, for messages in the app and the CLI:
 * 'every value is a whole number from -12 to 41: they look like degrees Celsius, not kelvin'.
 * `cs`: the conversions that fit (`suggestLstUnits`); `withCodes` names each with its code ('degrees Celsius (C)').
 */
export function describeNotKelvin(data: Float32Array, cs: readonly UnitConversion[], withCodes = false): string {
  const r = valueRange(data);
  const what = cs.length > 0 ? `they look like ${withCodes ? describeCandidates(cs) : cs.map((c) => c.label).join(' or ')}, not kelvin` : 'they are not kelvin';
  if (!r) return what;
  const num = (v: number) => (r.isWhole ? String(v) : v.toPrecision(4));
  const range = r.isWhole ? `every value is a whole number from ${num(r.min)} to ${num(r.max)}` : `the values run from ${num(r.min)} to ${num(r.max)}`;
  return `${range}: ${what}`;
}
