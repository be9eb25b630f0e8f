import { describe, expect, it } from 'vitest';
import { smapsLine, summariseSmaps } from './smaps.ts';

/** One smaps entry: a mapping of `sizeKb` at `start` (kB), `rssKb` resident, named `name`. */
const entry = (start: number, sizeKb: number, rssKb: number, name = '') =>
  [
    `${(start * 1024).toString(16)}-${((start + sizeKb) * 1024).toString(16)} rw-p 00000000 00:00 0${name ? `                          ${name}` : ''}`,
    `Size:           ${sizeKb} kB`,
    `KernelPageSize:        4 kB`,
    `Rss:            ${rssKb} kB`,
    `Pss:            ${rssKb} kB`,
    `Anonymous:      ${name.startsWith('/') ? 0 : rssKb} kB`,
  ].join('\n');

describe('summariseSmaps', () => {
  it('sums resident memory by file-backed, large, mid-sized (grouped by size) and other mappings', () => {
    const text = [
      entry(0, 90_000, 88_000), // a 4800x4800 float32 raster
      entry(100_000, 85_095, 75_000), // a WebAssembly memory
      entry(200_000, 20_000, 100), // large but hardly resident: left out of the list
      entry(300_000, 4_800, 4_800),
      entry(310_000, 4_800, 4_000),
      entry(320_000, 2_048, 1_000),
      entry(330_000, 512, 300),
      entry(340_000, 132, 40, '[stack]'),
      entry(400_000, 230_000, 100_000, '/usr/lib/chromium/chromium'),
      '',
    ].join('\n');
    const s = summariseSmaps(text);
    expect(s.rssMB).toBeCloseTo((88_000 + 75_000 + 100 + 4_800 + 4_000 + 1_000 + 300 + 40 + 100_000) / 1024, 6);
    expect(s.fileMB).toBeCloseTo(100_000 / 1024, 6);
    expect(s.largeAnonMB).toEqual([88_000 / 1024, 75_000 / 1024]);
    expect(s.midAnonMB).toBeCloseTo(9_800 / 1024, 6);
    expect(s.midAnonBySize).toEqual([
      { sizeMB: 4.7, count: 2, rssMB: 8_800 / 1024 },
      { sizeMB: 2, count: 1, rssMB: 1_000 / 1024 },
    ]);
    expect(s.otherMB).toBeCloseTo(340 / 1024, 6);
    expect(smapsLine(s)).toBe('resident 266.8 MB: file-backed 97.7; anonymous >= 16 MB 85.9 + 73.2; 1-16 MB 9.6 (2 x 4.7 MB: 8.6, 1 x 2.0 MB: 1.0); other 0.3');
  });

  it('gives zeros for no mappings', () => {
    expect(summariseSmaps('')).toEqual({ rssMB: 0, fileMB: 0, largeAnonMB: [], midAnonMB: 0, midAnonBySize: [], otherMB: 0 });
  });
});
