/**
 * Array memory of placing one 7000 x 7000 cloud mask (30 m, UTM) on an LST grid: on the LST's own
 * grid, and under a 990 m LST of the same CRS (sampled 33 x 33 times per LST pixel). Prints, for
 * each, the peak of `process.memoryUsage().arrayBuffers` above the inputs (read at every step of the
 * generator, after a gc before the start), the process's max RSS and the time.
 * Run: node --expose-gc --import tsx bench/cloud-mask-memory.ts [same-grid|finer]
 */
import { cloudOnLstGridInSteps } from '../src/pipeline/cloud-mask.ts';
import type { Raster } from '../src/core/raster/raster.ts';
import type { LabelledBand } from '../src/pipeline/scene-assembly.ts';

const N = 7000;
const crs = { epsg: 32615, proj4: '+proj=utm +zone=15 +datum=WGS84 +units=m +no_defs', name: 'UTM 15N', isGeographic: false };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const MB = 1 << 20;

function fmaskLike(): Raster {
  const data = new Float32Array(N * N);
  // Clouds in blocks of 300 x 300 pixels, one in three (value 4), shadow in the next (2).
  for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) data[r * N + c] = [0, 4, 2][((r / 300) ^ (c / 300)) % 3 | 0];
  return { width: N, height: N, transform: [400000, 30, 0, 2000000, 0, -30], crs, data };
}

const which = process.argv[2] ?? 'same-grid';
const mask = fmaskLike();
const lstPx = which === 'finer' ? 990 : 30;
const side = Math.floor((N * 30) / lstPx);
const lst: Raster = { width: side, height: side, transform: [400000, lstPx, 0, 2000000, 0, -lstPx], crs, data: new Float32Array(side * side).fill(300) };
const band = { name: 'fmask.tif', key: 'fmask', role: 'cloud-mask', band: { name: 'fmask', raster: mask } } as unknown as LabelledBand;
gc();
const base = process.memoryUsage().arrayBuffers;
let peak = base;
const t0 = performance.now();
const gen = cloudOnLstGridInSteps(lst, band);
let step = gen.next();
for (; !step.done; step = gen.next()) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
peak = Math.max(peak, process.memoryUsage().arrayBuffers);
const ms = performance.now() - t0;
const out = step.value;
const masked = 'notClear' in out ? out.notClear.reduce((n, v) => n + v, 0) : -1;
console.log(
  `${which}: LST ${side}x${side} at ${lstPx} m, inputs ${((mask.data.byteLength + lst.data.byteLength) / MB).toFixed(0)} MB; ` +
    `peak array bytes above the inputs ${((peak - base) / MB).toFixed(0)} MB, max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, ` +
    `${(ms / 1000).toFixed(1)} s, ${masked} LST pixels not clear`,
);
