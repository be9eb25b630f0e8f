/** A 256-entry RGB lookup table, `lut[3*i + c]` in 0..255. */
export type Lut = Uint8Array;

function fromAnchors(hex: string[]): Lut {
  const rgb = hex.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(rgb[k][c] * (1 - f) + rgb[k + 1][c] * f);
  }
  return lut;
}

// Inferno sampled at 11 evenly spaced points; linear interpolation between them keeps it monotonic in lightness.
const INFERNO_ANCHORS = [
  '#000004',
  '#160b39',
  '#420a68',
  '#6a176e',
  '#932667',
  '#bc3754',
  '#dd513a',
  '#f37819',
  '#fca50a',
  '#f6d746',
  '#fcffa4',
];

// Turbo through its published degree-5 polynomial fit (coefficients per channel, ascending powers).
const TURBO_COEFFS = [
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
];

function turbo(): Lut {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let p = 5; p >= 0; p--) v = v * x + TURBO_COEFFS[c][p];
      lut[3 * i + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return lut;
}

// Blue-white-red for signed differences (centre = 0 K).
const DIVERGING_ANCHORS = ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'];

/** The colour tables the app draws with. */
export const LUTS = {
  inferno: fromAnchors(INFERNO_ANCHORS),
  turbo: turbo(),
  diverging: fromAnchors(DIVERGING_ANCHORS),
} as const;

export type LutName = keyof typeof LUTS;

/**
 * Colours `values` into RGBA (NaN -> transparent) with `lut` over `[min, max]` (values outside clamp).
 * Returns a new array of `4 * values.length` bytes, or `into` written over where it is that long:
 * a display grid's RGBA is ~13 MB, whose new pages cost ~3 k first touches (~16 us each on the
 * bench VM: bench/perf-log.md), and a caller that colours grid after grid only reads each once.
 */
export function colorize(
  values: Float32Array,
  lut: Lut,
  min: number,
  max: number,
  into?: Uint8ClampedArray<ArrayBuffer>,
): Uint8ClampedArray<ArrayBuffer> {
  const reused = into !== undefined && into.length === values.length * 4 && into.byteOffset === 0;
  const out = reused ? into : new Uint8ClampedArray(values.length * 4);
  // One word per pixel: the table's RGBA entries as words in memory order (NaN 0: transparent).
  const words = new Uint32Array(out.buffer, 0, values.length);
  const rgba = new Uint32Array(256);
  new Uint8Array(rgba.buffer).forEach((_, b, bytes) => (bytes[b] = b % 4 === 3 ? 255 : lut[3 * (b >> 2) + (b % 4)]));
  const scale = max > min ? 255 / (max - min) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      words[i] = 0;
      continue;
    }
    const k = Math.round((v - min) * scale);
    words[i] = rgba[k > 0 ? (k < 255 ? k : 255) : 0];
  }
  return out;
}

/**
 * `colorize` into the array the last call of this returned, where it is the right length and that
 * call was less than `REUSE_MS` ago: for a caller that hands each RGBA on before it colours the
 * next (the map's layer images: `putImageData` copies it), so a run's display grids, all of one
 * size, share one array instead of ~13 MB of new memory each. Let go `REUSE_MS` after the last
 * call (held weakly it was collected between layers: the page collects often while a run's files
 * are written).
 */
export function colorizeReusing(values: Float32Array, lut: Lut, min: number, max: number): Uint8ClampedArray<ArrayBuffer> {
  const out = colorize(values, lut, min, max, lastRgba);
  lastRgba = out;
  clearTimeout(letGo);
  letGo = setTimeout(() => (lastRgba = undefined), REUSE_MS);
  // Node (tests): the timer does not keep the process alive.
  (letGo as { unref?: () => void }).unref?.();
  return out;
}

const REUSE_MS = 5000;
let lastRgba: Uint8ClampedArray<ArrayBuffer> | undefined;
let letGo: ReturnType<typeof setTimeout> | undefined;

/** CSS `rgb()` of the table at fraction `t` in 0..1 (for legends). */
export function lutCss(lut: Lut, t: number): string {
  const k = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${lut[3 * k]}, ${lut[3 * k + 1]}, ${lut[3 * k + 2]})`;
}

/** A CSS linear-gradient through the table, left (min) to right (max). */
export function lutGradient(lut: Lut, stops = 16): string {
  const parts = Array.from(
    { length: stops + 1 },
    (_, i) => `${lutCss(lut, i / stops)} ${((100 * i) / stops).toFixed(1)}%`,
  );
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/** Perceived lightness proxy (Rec. 709 luma, 0..255) of entry `k`; used to check monotonic maps. */
export function lutLuma(lut: Lut, k: number): number {
  return 0.2126 * lut[3 * k] + 0.7152 * lut[3 * k + 1] + 0.0722 * lut[3 * k + 2];
}
