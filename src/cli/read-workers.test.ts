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
import { closeReadWorkers, nodeReadCodec, startReadWorkers } from './read-workers.ts';

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
