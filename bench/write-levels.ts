// Time the GeoTIFF writer on a real LST: fflate in this thread (the writer before node:zlib) against
// node:zlib at Deflate levels 1, 2 and 6, wall and process CPU, file size. Run with
//   npx tsx bench/write-levels.ts FILE.tif [--factor 4]
// FILE's first band is read (its Deflate blocks through node:zlib), optionally upsampled bicubically
// by --factor (4: a MODIS 1200x1200 LST becomes the 4800x4800 shape of a full tile's stage 2).
import { open, rm } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { upsample } from '../src/core/raster/resample.ts';
import { fflateCodec, setDeflateCodec } from '../src/io/deflate-codec.ts';
import { readGeoTiff } from '../src/io/geotiff-read.ts';
import { writeGeoTiff } from '../src/io/geotiff-write.ts';
import { nodeZlibCodec, writeGeoTiffFile } from '../src/cli/native-deflate.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { factor: { type: 'string' } } });
const file = positionals[0];
if (!file) throw new Error('usage: write-levels.ts FILE.tif [--factor N]');
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const time = async <T>(f: () => Promise<T>): Promise<{ wallS: number; cpuS: number; value: T }> => {
  const c0 = cpu();
  const t0 = performance.now();
  const value = await f();
  return { wallS: (performance.now() - t0) / 1000, cpuS: cpu() - c0, value };
};
const bytes = await readFile(file);
const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
for (const codec of [fflateCodec, nodeZlibCodec]) {
  const r = await time(() => readGeoTiff(ab, path.basename(file), { codec }));
  console.log(`read ${path.basename(file)} (${codec.name}): ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU`);
}
setDeflateCodec(nodeZlibCodec);
let raster = (await readGeoTiff(ab, path.basename(file))).bands[0].raster;
const factor = Number(values.factor ?? 1);
if (factor > 1) raster = upsample(raster, factor, 'bicubic');
const float = { ...raster, data: Float32Array.from(raster.data) };
console.log(`raster ${float.width}x${float.height}`);
const out = path.join(os.tmpdir(), `write-levels-${process.pid}.tif`);
const js = await time(async () => writeGeoTiff(float, { level: 2 }).length);
console.log(`fflate level 2, this thread: ${js.wallS.toFixed(2)} s wall, ${js.cpuS.toFixed(2)} s CPU, ${(js.value / 2 ** 20).toFixed(1)} MiB`);
for (const level of [1, 2, 6]) {
  const r = await time(async () => {
    const fh = await open(out, 'w');
    try {
      return await writeGeoTiffFile(fh, float, { level });
    } finally {
      await fh.close();
    }
  });
  console.log(`node:zlib level ${level}, streamed to disk: ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU, ${(r.value / 2 ** 20).toFixed(1)} MiB`);
}
await rm(out, { force: true });
