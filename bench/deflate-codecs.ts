// Deflate of the GeoTIFF writer's tiles, codec against codec: the float32 tiles of a real LST
// (first band of FILE, upsampled bicubically by --factor, default 4: a 1200x1200 MODIS LST becomes
// the 4800x4800 of a full tile's stage 2), cut and predicted as the writer does (planGeoTiff), then
// compressed one after the other on this thread (`--factor 1` for a file as it is, e.g. an
// uncertainty file of `downscale`). Prints MB/s of input (wall and this process's CPU) and the
// compressed size per codec and level, and checks that every stream inflates back to its tile.
// `--only REGEX` keeps the codecs whose name matches. Run with
//   npx tsx bench/deflate-codecs.ts FILE.tif [--factor 4] [--only REGEX]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { zlibSync } from 'fflate';
import { upsample } from '../src/core/raster/resample.ts';
import { webStreamsCodec } from '../src/io/deflate-codec.ts';
import { readGeoTiff } from '../src/io/geotiff-read.ts';
import { planGeoTiff } from '../src/io/geotiff-plan.ts';
import { floatDeflate } from '../src/worker/float-deflate.ts';
import { rleDeflate } from '../src/worker/rle-deflate.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { factor: { type: 'string' }, only: { type: 'string' } } });
const file = positionals[0];
if (!file) throw new Error('usage: deflate-codecs.ts FILE.tif [--factor N]');
const bytes = await readFile(file);
const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
let raster = (await readGeoTiff(ab, path.basename(file))).bands[0].raster;
const factor = Number(values.factor ?? 4);
if (factor > 1) raster = upsample(raster, factor, 'bicubic');
const float = { ...raster, data: Float32Array.from(raster.data) };
const plan = planGeoTiff(float, { cog: true });
const tiles: Uint8Array[] = [];
for (const t of plan.tiles()) if ('bytes' in t) tiles.push(t.bytes);
const inMB = tiles.reduce((s, t) => s + t.length, 0) / 1e6;
console.log(`${float.width}x${float.height}, ${tiles.length} tiles, ${inMB.toFixed(1)} MB predicted`);

type Deflate = (t: Uint8Array) => Uint8Array | Promise<Uint8Array>;
const codecs: Array<[string, Deflate]> = [
  ['CompressionStream (zlib 6)', (t) => webStreamsCodec.deflate(t, 6)],
  ...[1, 2, 3, 6].map((l): [string, Deflate] => [`node:zlib level ${l}`, (t) => deflateSync(t, { level: l })]),
  ...[1, 2, 3, 6].map((l): [string, Deflate] => [`fflate level ${l}`, (t) => zlibSync(t, { level: l as 1 })]),
  // The uncertainty files' match search: runs of the previous byte only.
  ['node:zlib level 2, Z_RLE', (t) => deflateSync(t, { level: 2, strategy: constants.Z_RLE })],
  ['rleDeflate (JavaScript)', rleDeflate],
  // The browser's LST tiles: runs, and in the first two byte planes a hashed match or the row above.
  ['floatDeflate (JavaScript)', (t) => floatDeflate(t, plan.rowBytes)],
];
const only = values.only ? new RegExp(values.only) : undefined;
for (const [name, deflate] of codecs) {
  if (only && !only.test(name)) continue;
  let best = Infinity;
  let bestCpu = Infinity;
  let size = 0;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out: Uint8Array[] = [];
    for (const t of tiles) out.push(await deflate(t));
    best = Math.min(best, (performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
    size = out.reduce((s, o) => s + o.length, 0);
    if (rep === 0) out.forEach((o, i) => {
      if (Buffer.compare(inflateSync(o), tiles[i]) !== 0) throw new Error(`${name}: tile ${i} does not inflate back`);
    });
  }
  console.log(`${name.padEnd(28)} ${(inMB / best).toFixed(1).padStart(6)} MB/s  ${best.toFixed(2)} s  CPU ${bestCpu.toFixed(2)} s (${((1000 * bestCpu) / inMB).toFixed(1)} ms/MB)  ${(size / 1e6).toFixed(2)} MB (${((100 * size) / 1e6 / inMB).toFixed(1)} %)`);
}
