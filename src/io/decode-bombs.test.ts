import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { deflateBomb, oneStripTiff } from '../test-support/bomb-tiff.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'srda-bombs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 1200x1200 uint16 image in one strip (a MOD11A1 LST tile's shape): 2.9 MB once decoded.
const W = 1200;
const H = 1200;

/** A little-endian one-strip uint16 GeoTIFF (EPSG:4326) whose strip is `strip`, compressed with `compression`. */
function writeTiff(name: string, compression: number, strip: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, oneStripTiff(W, H, compression, strip));
  return file;
}

/**
 * A TIFF LZW stream of zeros at the format's highest ratio: each code names the entry being built
 * (strings of 2, 3, ... 3839 zeros), then the longest entry over and over with the table full.
 * Returns the stream and the bytes it decodes to.
 */
function lzwBomb(decodedBytes: number): { stream: Uint8Array; decoded: number } {
  const out: number[] = [];
  let acc = 0;
  let nBits = 0;
  const put = (code: number, width: number) => {
    acc = (acc << width) | code;
    nBits += width;
    while (nBits >= 8) {
      out.push((acc >>> (nBits - 8)) & 0xff);
      nBits -= 8;
    }
    acc &= (1 << nBits) - 1;
  };
  // The decoder's state ("early change" widths), mirrored so that every code has the width it expects.
  let width = 9;
  let next = 258;
  let prevLen = 0;
  let decoded = 0;
  const lens = new Int32Array(4096);
  const emit = (code: number) => {
    put(code, width);
    const len = code < 256 ? 1 : code === next ? prevLen + 1 : lens[code];
    if (prevLen > 0 && next < 4096) lens[next++] = prevLen + 1;
    if (next + 1 >= 1 << width && width < 12) width++;
    prevLen = len;
    decoded += len;
  };
  put(256, 9);
  emit(0);
  while (next < 4096) emit(next);
  while (decoded < decodedBytes) emit(4095);
  put(257, width);
  if (nBits > 0) out.push((acc << (8 - nBits)) & 0xff);
  return { stream: Uint8Array.from(out), decoded };
}

function readInChild(file: string): { outcome: string; code?: string; message?: string; samples?: number; peakRssMb: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/test-support/read-peak-rss.ts'), file], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`reader child ended with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('decompression bombs of realistic size (1-2 MB streams that decode to gigabytes)', () => {
  // The same image with an honest strip: the peak memory a 1200x1200 read costs anyway.
  const honest = writeTiff('honest.tif', 8, deflateSync(new Uint8Array(W * H * 2).fill(7)));
  let baselineMb = 0;

  it('reads the honest file (the baseline of peak memory)', () => {
    const r = readInChild(honest);
    expect(r).toMatchObject({ outcome: 'read', samples: W * H });
    baselineMb = r.peakRssMb;
  });

  it.each([
    ['LZW', () => lzwBomb(2 ** 31)],
    ['Deflate', () => ({ stream: deflateBomb(2 ** 31), decoded: 2 ** 31 })],
  ])('a %s strip that decodes to 2 GiB stays within 64 MB of that peak and ends as a read or an AppError', (kind, make) => {
    const { stream, decoded } = make();
    expect(decoded).toBeGreaterThanOrEqual(2 ** 31);
    expect(stream.length).toBeGreaterThan(2 ** 19);
    expect(stream.length).toBeLessThan(3 * 2 ** 20);
    const file = writeTiff(`${kind}-bomb.tif`, kind === 'LZW' ? 5 : 8, stream);
    const r = readInChild(file);
    expect(['read', 'app-error']).toContain(r.outcome);
    if (r.outcome === 'read') expect(r.samples).toBe(W * H);
    else expect(r.message).toContain(file);
    expect(baselineMb).toBeGreaterThan(0);
    expect(r.peakRssMb - baselineMb).toBeLessThan(64);
  });
});

