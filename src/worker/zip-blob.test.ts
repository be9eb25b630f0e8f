import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress.ts';
import { crc32, writeZipBlob } from './zip-blob.ts';

/** Bytes that do not compress (a fixed xorshift stream). */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('ZIP written as a Blob', () => {
  it('computes the CRC-32 zlib does, whole or continued chunk by chunk', () => {
    const bytes = noise(100_003, 7);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(bytes.subarray(50_001), crc32(bytes.subarray(0, 50_001)))).toBe(zlibCrc32(bytes));
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });

  it('writes a ZIP that fflate, unzip and Python read back byte for byte, counting its bytes up to its size', async () => {
    const a = noise(2_500_000, 1);
    const b = noise(1_000, 2);
    const report = strToU8(JSON.stringify({ layers: Array.from({ length: 200 }, (_, i) => ({ id: `lst-${i}` })) }, null, 2));
    const progress: Progress[] = [];
    const zip = await writeZipBlob(
      [
        { name: 'dhaka_lst-250m.tif', bytes: a },
        { name: '2024-04-06/dhaka_lst-250m.tif', bytes: b },
        { name: 'report.json', bytes: report, isDeflated: true },
        { name: 'map.png', bytes: new Uint8Array() },
      ],
      'dhaka.zip',
      { onProgress: (p) => progress.push(p) },
      2 ** 20,
    );
    const bytes = new Uint8Array(await zip.arrayBuffer());
    expect(zip.type).toBe('application/zip');
    const back = unzipSync(bytes);
    expect(Object.keys(back)).toEqual(['dhaka_lst-250m.tif', '2024-04-06/dhaka_lst-250m.tif', 'report.json', 'map.png']);
    expect(Buffer.from(back['dhaka_lst-250m.tif']).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(back['2024-04-06/dhaka_lst-250m.tif']).equals(Buffer.from(b))).toBe(true);
    expect(strFromU8(back['report.json'])).toBe(strFromU8(report));
    expect(back['map.png']).toHaveLength(0);
    // Stored GeoTIFFs, a deflated report.
    expect(bytes.length).toBeLessThan(a.length + b.length + report.length);
    expect(bytes.length).toBeGreaterThan(a.length + b.length);

    const dir = mkdtempSync(join(tmpdir(), 'srda-zip-'));
    writeFileSync(join(dir, 'dhaka.zip'), bytes);
    // unzip -t checks every entry's CRC; Python's zipfile reads the central directory and local headers.
    expect(execFileSync('unzip', ['-t', join(dir, 'dhaka.zip')], { encoding: 'utf8' })).toContain('No errors detected');
    const py = 'import sys, zipfile, hashlib; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip()); print(",".join(f"{i.filename}:{i.compress_type}:{i.file_size}" for i in z.infolist()))';
    const listed = execFileSync('python3', ['-c', py, join(dir, 'dhaka.zip')], { encoding: 'utf8' }).trim().split('\n');
    expect(listed[0]).toBe('None');
    expect(listed[1]).toBe(`dhaka_lst-250m.tif:0:${a.length},2024-04-06/dhaka_lst-250m.tif:0:1000,report.json:8:${report.length},map.png:0:0`);

    // Bytes of the ZIP built, 0 first, rising chunk by chunk, its size last.
    expect(progress.every((p) => p.stage === 'zip' && p.total === bytes.length)).toBe(true);
    expect(progress[0].done).toBe(0);
    expect(progress.at(-1)!.done).toBe(bytes.length);
    const dones = progress.map((p) => p.done);
    expect(dones).toEqual([...dones].sort((x, y) => x - y));
    // The 2.5 MB entry in 1 MiB chunks: a count after each of its first two.
    expect(dones).toEqual(expect.arrayContaining([2 ** 20, 2 ** 21]));
  });

  it('stops at the next ~8 MiB when cancelled, and at the start when cancelled before', async () => {
    const ctrl = new AbortController();
    const progress: number[] = [];
    const big = noise(20 * 2 ** 20, 3);
    const p = writeZipBlob([{ name: 'big.tif', bytes: big }], 'big.zip', {
      signal: ctrl.signal,
      onProgress: (x) => {
        progress.push(x.done);
        if (x.done >= 2 ** 20) ctrl.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Math.max(...progress)).toBeLessThanOrEqual(8 * 2 ** 20);
    const before = new AbortController();
    before.abort();
    await expect(writeZipBlob([{ name: 'a', bytes: big }], 'a.zip', { signal: before.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses more files than a ZIP without ZIP64 holds, saying what to download instead', async () => {
    const entries = Array.from({ length: 0xffff }, (_, i) => ({ name: `layer${i}.tif`, bytes: new Uint8Array(0) }));
    await expect(writeZipBlob(entries, 'dhaka_all.zip')).rejects.toMatchObject({
      code: 'WRITE_FAILED',
      message: expect.stringMatching(/^dhaka_all\.zip would be .* in 65535 files; .*Download the layers one at a time with the GeoTIFF button beside each layer instead\.$/),
    });
  });
});
