import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { isAppError } from '../core/errors.ts';
import { fflateCodec, type DeflateCodec } from '../io/deflate-codec.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { readFileRangeSync } from './file-range.ts';
import { readGeoTiffFile } from './load.ts';
import { packRaster } from '../core/raster/pack-raster.ts';
import type { PackedRaster } from '../core/raster/packed.ts';
import type { Raster } from '../core/raster/raster.ts';
import { poolDeflateCodec } from '../pipeline/deflate-pool.ts';
import { serveDeflate, type DeflatePort } from '../pipeline/deflate-serve.ts';
import { channelLog, channelWorkers } from '../test-support/channel-workers.ts';
import { closeReadWorkers, holdReadWorkers, nodeReadCodec, packOnPool, packOnReadWorkers, prestartReadWorkers, startReadWorkers } from './read-workers.ts';
import { setDeflateCodec } from '../io/deflate-codec.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'srda-read-workers-'));
afterAll(() => {
  closeReadWorkers();
  rmSync(tmp, { recursive: true, force: true });
});

// A tiled float32 file with the floating-point predictor, as MODIS GeoTIFFs are stored: several
// groups of blocks (~4 MB decoded), edge tiles, NaN and -0.
const [W, H] = [1100, 900];
const values = new Float32Array(W * H).map((_, i) => 250 + ((i * 7919) % 997) / 13);
values[0] = -0;
values[5] = Number.NaN;
values[W * 600 + 1000] = 3.4e38;
const file = writeGeoTiff(
  { width: W, height: H, transform: [0, 1000, 0, 0, 0, -1000], crs: MODIS_SINUSOIDAL, data: values },
  { cog: false, tileSizePx: 128 },
);
const filePath = path.join(tmp, 'tiles.tif');
writeFileSync(filePath, file);

/** `codec` with each `decodeBlocks` call's stored bytes noted: 'file' (read by the workers) or 'bytes'. */
function counted(codec: DeflateCodec, seen: string[]): DeflateCodec {
  return { ...codec, decodeBlocks: (raw, spans, form) => (seen.push(raw instanceof Uint8Array ? 'bytes' : 'fd' in raw ? 'file' : 'blob'), codec.decodeBlocks!(raw, spans, form)) };
}

const bits = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; length: number }) => new Uint32Array(a.buffer, a.byteOffset, a.length);

async function expectCode(p: Promise<unknown>, code: string, file: string): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isAppError(e), String(e)).toBe(true);
  expect((e as { code: string }).code, (e as Error).message).toBe(code);
  expect((e as Error).message).toContain(file);
  return e as Error;
}

describe('the CLI read workers', () => {
  it('read the blocks from the open file and decode them to the bits this thread decodes, whole and windowed', async () => {
    const seen: string[] = [];
    const codec = counted(nodeReadCodec, seen);
    for (const window of [undefined, { col: 3, row: 130, width: 1000, height: 600 }]) {
      const mine = (await readGeoTiffFile(filePath, 'tiles.tif', { codec, ...(window ? { window } : {}) })).bands[0].raster.data;
      const here = (await readGeoTiffFile(filePath, 'tiles.tif', { codec: fflateCodec, ...(window ? { window } : {}) })).bands[0].raster.data;
      expect(mine.length).toBe(window ? window.width * window.height : W * H);
      expect(bits(mine)).toEqual(bits(here));
    }
    expect(Object.is((await readGeoTiffFile(filePath, 'tiles.tif', { codec })).bands[0].raster.data[0], 0)).toBe(true);
    // Every group went to the workers as a range of the file (several groups per read).
    expect(seen.length).toBeGreaterThan(4);
    expect(new Set(seen)).toEqual(new Set(['file']));
  });

  it('fail on damaged and truncated files with CORRUPT_TIFF naming the file', async () => {
    const garbled = Buffer.from(file);
    for (let i = Math.floor(garbled.length / 2); i < Math.floor(garbled.length / 2) + 3000; i++) garbled[i] = (i * 97) & 0xff;
    const garbledPath = path.join(tmp, 'garbled.tif');
    writeFileSync(garbledPath, garbled);
    await expectCode(readGeoTiffFile(garbledPath, garbledPath, { codec: nodeReadCodec }), 'CORRUPT_TIFF', garbledPath);
    for (const share of [0.3, 0.6, 0.95]) {
      const cutPath = path.join(tmp, `cut-${share}.tif`);
      writeFileSync(cutPath, file.subarray(0, Math.floor(file.length * share)));
      await expectCode(readGeoTiffFile(cutPath, cutPath, { codec: nodeReadCodec }), 'CORRUPT_TIFF', cutPath);
    }
  });

  it('refuse a range the file no longer holds (cut after it was opened) instead of decoding short bytes', () => {
    const fd = openSync(filePath, 'r');
    try {
      const into = new Uint8Array(64);
      expect(Array.from(readFileRangeSync({ fd, offset: 0, length: 4 }, into))).toEqual(Array.from(file.subarray(0, 4)));
      expect(() => readFileRangeSync({ fd, offset: file.length - 10, length: 20 }, into)).toThrow(/20 bytes asked at \d+, 10 read/);
    } finally {
      closeSync(fd);
    }
  });

  it.each([
    ['exits', 'process.exit(3);', /deflate worker stopped \(thread exited \(code 3\)\)/],
    ['throws', "throw new Error('worker broke');", /deflate worker stopped \(worker broke\)/],
  ])('fail the read with INTERNAL naming the file, not hang, when a worker %s', async (_, onMessage, why) => {
    const script = path.join(tmp, `dies-${_}.mjs`);
    writeFileSync(script, `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { ${onMessage} });\n`);
    const pool = await startReadWorkers(2, pathToFileURL(script));
    try {
      const e = await expectCode(readGeoTiffFile(filePath, 'tiles.tif', { codec: pool }), 'INTERNAL', 'tiles.tif');
      expect(e.message).toMatch(why);
      // Each read a worker dies under fails so; with no worker left the pool decodes on this thread: the same bits.
      for (let i = 0; i < 3 && pool.workers > 0; i++)
        await readGeoTiffFile(filePath, 'tiles.tif', { codec: pool }).then(
          () => undefined,
          (e: unknown) => expect((e as Error).message).toMatch(why),
        );
      expect(pool.workers).toBe(0);
      const again = (await readGeoTiffFile(filePath, 'tiles.tif', { codec: pool })).bands[0].raster.data;
      const here = (await readGeoTiffFile(filePath, 'tiles.tif', { codec: fflateCodec })).bands[0].raster.data;
      expect(bits(again)).toEqual(bits(here));
    } finally {
      pool.close();
    }
  });
});

// Layers as a scene holds them on its output grid: MODIS NDVI (DN x 1e-4, fill NaN), DEM metres, a
// uint16 product whose codes need a base, -0 (does not pack: it would come back +0), float data.
// Several bands of ~2 MiB each.
const LW = 2000;
const LH = 1200;
const layerGrid = { width: LW, height: LH, transform: [0, 250, 0, 0, 0, -250] as [number, number, number, number, number, number], crs: MODIS_SINUSOIDAL };
const layer = (f: (i: number) => number): Raster => ({ ...layerGrid, data: Float32Array.from({ length: LW * LH }, (_, i) => f(i)) });
const LAYERS: Array<[string, Raster]> = [
  ['ndvi', layer((i) => (i % 977 === 0 ? Number.NaN : (((i * 7919) % 12001) - 2000) * 1e-4))],
  ['dem', layer((i) => ((i * 31) % 5000) - 80)],
  ['wide', layer((i) => (i * 4099) % 65000)],
  ['minus-zero', layer((i) => (i === 1234 ? -0 : i % 300))],
  ['float', layer((i) => 280 + ((i * 13) % 997) / 7)],
];

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function expectSamePacked(a: PackedRaster | undefined, b: PackedRaster | undefined): void {
  expect(a === undefined).toBe(b === undefined);
  if (!a || !b) return;
  expect([a.width, a.height, a.bandRows, a.scale, a.base, a.bands.length]).toEqual([b.width, b.height, b.bandRows, b.scale, b.base, b.bands.length]);
  expect(a.bands.length).toBeGreaterThan(1);
  a.bands.forEach((band, k) => expect(sameBytes(band!, b.bands[k]!)).toBe(true));
}

describe('layers packed on the read workers', () => {
  it.each([false, true])('give packRaster\'s codes bit for bit, the field moved there and back where it does not pack (keep %s)', async (keep) => {
    const pool = await startReadWorkers(2);
    try {
      for (const [name, r] of LAYERS) {
        const here = packRaster(r);
        const sent = { ...r, data: r.data.slice() };
        const got = await packOnPool(pool, sent, `${name}.tif`, keep);
        // Moved to the worker, not copied.
        expect(sent.data.length, name).toBe(0);
        expectSamePacked(got.packed, here);
        expect(got.raster !== undefined, name).toBe(!here || keep);
        if (got.raster) expect(sameBytes(got.raster.data, r.data), name).toBe(true);
      }
      expect(packRaster(LAYERS[2][1])!.base).not.toBe(0);
      expect(packRaster(LAYERS[3][1])).toBeUndefined();
    } finally {
      pool.close();
    }
  });

  it('pack on this thread where no worker runs, or the field shares its buffer', async () => {
    const pool = await startReadWorkers(1);
    const [, dem] = LAYERS[1];
    try {
      const whole = new Float32Array(dem.data.length + 8);
      whole.set(dem.data, 8);
      const shared = { ...dem, data: whole.subarray(8) };
      expectSamePacked((await packOnPool(pool, shared, 'dem.tif', false)).packed, packRaster(dem));
      expect(shared.data.length).toBe(dem.data.length);
      pool.close();
      const alone = { ...dem, data: dem.data.slice() };
      expectSamePacked((await packOnPool(pool, alone, 'dem.tif', false)).packed, packRaster(dem));
      expect(alone.data.length).toBe(dem.data.length);
    } finally {
      pool.close();
    }
  });

  it('pack here what a worker cannot pack: it hands the field back', async () => {
    const broken = poolDeflateCodec(
      channelWorkers(channelLog(), (port: DeflatePort) =>
        serveDeflate(port, fflateCodec, undefined, () => {
          throw new Error('packer broke');
        }),
      ),
      1,
      fflateCodec,
    );
    const bare = poolDeflateCodec(channelWorkers(channelLog(), (port: DeflatePort) => serveDeflate(port, fflateCodec)), 1, fflateCodec);
    try {
      for (const pool of [broken, bare]) {
        for (const [name, r] of LAYERS) {
          const got = await packOnPool(pool, { ...r, data: r.data.slice() }, `${name}.tif`, false);
          expectSamePacked(got.packed, packRaster(r));
          if (got.raster) expect(sameBytes(got.raster.data, r.data)).toBe(true);
        }
      }
    } finally {
      broken.close();
      bare.close();
    }
  });

  it.each([
    ['exits', 'process.exit(3);', /deflate worker stopped \(thread exited \(code 3\)\)/],
    ['throws', "throw new Error('worker broke');", /deflate worker stopped \(worker broke\)/],
  ])('fail with INTERNAL naming the layer\'s file, not hang, when the worker %s', async (_, onMessage, why) => {
    const script = path.join(tmp, `pack-dies-${_}.mjs`);
    writeFileSync(script, `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { ${onMessage} });\n`);
    const pool = await startReadWorkers(1, pathToFileURL(script));
    try {
      const [, dem] = LAYERS[1];
      const e = await expectCode(packOnPool(pool, { ...dem, data: dem.data.slice() }, 'dem.tif', false), 'INTERNAL', 'dem.tif');
      expect(e.message).toMatch(why);
      expect((e as { file?: string }).file).toBe('dem.tif');
      // No worker left: the next layer packs on this thread.
      expect(pool.workers).toBe(0);
      expectSamePacked((await packOnPool(pool, { ...dem, data: dem.data.slice() }, 'dem.tif', false)).packed, packRaster(dem));
    } finally {
      pool.close();
    }
  });
});

describe('the CLI read workers between commands', () => {
  it('stay up while held after a command that held them without starting them and a prestart (an old idle timer closed them under a pack)', async () => {
    closeReadWorkers();
    setDeflateCodec(nodeReadCodec);
    try {
      // A command that held the workers but read nothing through them: its release arms the idle timer.
      holdReadWorkers()();
      // The next command starts them ahead of its reads, and holds them through its reads and preparation.
      prestartReadWorkers();
      const release = holdReadWorkers();
      try {
        await new Promise((r) => setTimeout(r, 900)); // past the 500 ms idle timer of the first release
        const [, dem] = LAYERS[1];
        const field = { ...dem, data: dem.data.slice() };
        const got = await packOnReadWorkers(field, 'dem.tif', false);
        expectSamePacked(got.packed, packRaster(dem));
        // Packed on a read worker (the field was moved there), not on this thread because they had been closed.
        expect(field.data.length).toBe(0);
      } finally {
        release();
      }
    } finally {
      setDeflateCodec(undefined);
      closeReadWorkers();
    }
  });
});
