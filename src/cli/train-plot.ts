import { readFile, writeFile } from 'node:fs/promises';
import { zlibSync } from 'fflate';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes an RGB image (`width*height*3` bytes, row-major) as a PNG file. */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 3x5 bitmap glyphs (rows of 3 bits, top first) for axis labels. */
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  e: [0, 7, 5, 6, 7],
  '-': [0, 0, 7, 0, 0],
  '.': [0, 0, 0, 0, 2],
  k: [4, 5, 6, 5, 5],
};

function drawText(img: Uint8Array, width: number, height: number, text: string, x0: number, y0: number, scale = 2): void {
  let x = x0;
  for (const ch of text) {
    const g = GLYPHS[ch];
    if (g) {
      for (let r = 0; r < 5; r++) {
        for (let c = 0; c < 3; c++) {
          if (!((g[r] >> (2 - c)) & 1)) continue;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const px = x + c * scale + dx;
              const py = y0 + r * scale + dy;
              if (px >= 0 && py >= 0 && px < width && py < height) img.set([0, 0, 0], (py * width + px) * 3);
            }
          }
        }
      }
    }
    x += 4 * scale;
  }
}

/** A series to plot: points (x, y) and an RGB colour. */
interface Series {
  x: number[];
  y: number[];
  color: [number, number, number];
}

/**
 * Plots series on a log-y axis (y > 0) into an RGB canvas with light decade grid lines.
 * No text: the card's caption names the series and axes.
 */
export function plotLogY(series: Series[], width = 720, height = 360): Uint8Array {
  const img = new Uint8Array(width * height * 3).fill(255);
  const pts = series.flatMap((s) => s.y.filter((v) => v > 0 && Number.isFinite(v)));
  const xs = series.flatMap((s) => s.x);
  if (pts.length === 0 || xs.length === 0) return img;
  // Folded, not spread: a long run's log (tens of thousands of steps per series) overflows the call stack as arguments.
  const ly0 = Math.floor(Math.log10(pts.reduce((a, v) => Math.min(a, v), Infinity)));
  const ly1 = Math.ceil(Math.log10(pts.reduce((a, v) => Math.max(a, v), -Infinity)));
  const x0 = xs.reduce((a, v) => Math.min(a, v), Infinity);
  const x1 = Math.max(xs.reduce((a, v) => Math.max(a, v), -Infinity), x0 + 1);
  const m = 20;
  const left = 56;
  const px = (x: number) => Math.round(left + ((x - x0) / (x1 - x0)) * (width - left - m));
  const py = (y: number) => Math.round(height - m - ((Math.log10(y) - ly0) / Math.max(1, ly1 - ly0)) * (height - 2 * m));
  const set = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    img.set(c, (y * width + x) * 3);
  };
  for (let d = ly0; d <= ly1; d++) {
    for (let k = 1; k < 10; k++) {
      const y = py(k * 10 ** d);
      if (d === ly1 && k > 1) break;
      for (let x = left; x < width - m; x++) set(x, y, k === 1 ? [170, 170, 170] : [230, 230, 230]);
      if (k === 1) drawText(img, width, height, `1e${d}`, 4, y - 5);
    }
  }
  for (let x = left; x < width - m; x++) set(x, height - m, [0, 0, 0]);
  for (let y = m; y < height - m; y++) set(left, y, [0, 0, 0]);
  const stepTick = 10 ** Math.floor(Math.log10(Math.max(1, x1 - x0) / 2));
  for (let t = Math.ceil(x0 / stepTick) * stepTick; t <= x1; t += stepTick) {
    for (let y = height - m; y < height - m + 4; y++) set(px(t), y, [0, 0, 0]);
    const label = t >= 1000 ? `${t / 1000}k` : String(t);
    if (px(t) < width - 30) drawText(img, width, height, label, px(t) - 4, height - m + 6, 1);
  }
  for (const s of series) {
    let prev: [number, number] | undefined;
    for (let i = 0; i < s.x.length; i++) {
      if (!(s.y[i] > 0)) continue;
      const p: [number, number] = [px(s.x[i]), py(s.y[i])];
      if (prev) {
        const n = Math.max(Math.abs(p[0] - prev[0]), Math.abs(p[1] - prev[1]), 1);
        for (let t = 0; t <= n; t++) set(Math.round(prev[0] + ((p[0] - prev[0]) * t) / n), Math.round(prev[1] + ((p[1] - prev[1]) * t) / n), s.color);
      }
      prev = p;
    }
  }
  return img;
}

function smooth(y: number[], k: number): number[] {
  return y.map((_, i) => {
    const a = y.slice(Math.max(0, i - k), i + 1).filter(Number.isFinite);
    return a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  });
}

/**
 * Writes the learning curve of a training log (loss.csv) as a PNG: Charbonnier (blue), degradation
 * (orange), 1 - MS-SSIM (green), each a 50-step running mean, in normalised units; validation RMSE
 * of the network (red) and of bicubic (grey) in K on the same log axis.
 */
export async function writeLearningCurve(csvPath: string, pngPath: string): Promise<void> {
  const lines = (await readFile(csvPath, 'utf8')).trim().split('\n');
  const head = lines[0].split(',');
  // A resumed run appends from its checkpoint step again: keep the last row of each step.
  const byStep = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const r = l.split(',');
    byStep.delete(r[0]);
    byStep.set(r[0], r);
  }
  const rows = [...byStep.values()].sort((a, b) => Number(a[0]) - Number(b[0]));
  const col = (name: string) => rows.map((r) => Number(r[head.indexOf(name)] || Number.NaN));
  const step = col('step');
  const val = rows.map((r, i) => ({ i, v: Number(r[head.indexOf('val_rmse_k')] || Number.NaN), b: Number(r[head.indexOf('val_bicubic_rmse_k')] || Number.NaN) })).filter((r) => Number.isFinite(r.v));
  const series: Series[] = [
    { x: step, y: smooth(col('charbonnier'), 50), color: [31, 119, 180] },
    { x: step, y: smooth(col('degradation'), 50), color: [255, 127, 14] },
    { x: step, y: smooth(col('msssim'), 50), color: [44, 160, 44] },
    { x: val.map((r) => step[r.i]), y: val.map((r) => r.v), color: [214, 39, 40] },
    { x: val.map((r) => step[r.i]), y: val.map((r) => r.b), color: [127, 127, 127] },
  ];
  await writeFile(pngPath, encodePngRgb(plotLogY(series), 720, 360));
}
