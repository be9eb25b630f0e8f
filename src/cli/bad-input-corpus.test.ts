import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBadInputCorpus, type BadCase } from '../../e2e/fixtures/bad-inputs.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'srda-corpus-'));
const cases = makeBadInputCorpus(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const printed = capturePrinted();

/** Runs the CLI in-process; what it printed is all the test printed, as each test runs it once. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await main(argv);
  return { code, stdout: printed.out, stderr: printed.err };
}

function argvOf(c: BadCase, out: string): string[] {
  return c.command === 'info'
    ? ['info', c.file!]
    : ['downscale', '--lst', c.lst!, '--ndvi', c.ndvi!, '--method', 'bicubic', '--out', out, '--quiet'];
}

const ab = (b: Buffer): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('bad-input corpus through the CLI', () => {
  const failing = cases.filter((c) => c.code !== undefined);
  it('covers every kind of bad input the issue lists', () => {
    const names = cases.map((c) => c.name).join('\n');
    for (const kind of [
      'empty',
      'random',
      'PNG',
      'truncated',
      'georeference',
      'CRS',
      'overlap',
      'power of two',
      'nodata',
      'NaN',
      'scale',
      'huge',
      'hostile',
    ])
      expect(names).toContain(kind);
  });

  it.each(failing.map((c) => [c.name, c] as const))(
    '%s: exit 1 and one line with the specific code and the file',
    async (_name, c) => {
      // A hang fails on Vitest's test timeout; how fast a refusal is belongs in the benchmark.
      const r = await cli(argvOf(c, path.join(dir, `out-${c.name.replace(/\W+/g, '-')}`)));
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^srda-lst ${c.command}: ${c.code}: `));
      const named = path.basename(
        c.command === 'info'
          ? c.file!
          : c.code === 'GRID_MISMATCH' || c.code === 'NOT_COARSER' || c.code === 'NO_OVERLAP'
            ? c.ndvi!
            : c.lst!,
      );
      expect(lines[0]).toContain(named);
      expect(r.stdout).toBe('');
    },
  );

  it.each([
    ['truncated', 'CORRUPT_TIFF'],
    ['missing', 'BAD_ARGUMENT'],
  ])('downscale with a %s LST: one line naming its path once, not before a message that names it already', async (kind, code) => {
    const ndvi = cases.find((x) => x.name === 'zero overlap')!.ndvi!;
    const lst = kind === 'missing' ? path.join(dir, 'no-such-lst.tif') : cases.find((x) => x.name === 'truncated TIFF (half)')!.file!;
    const r = await cli(['downscale', '--lst', lst, '--ndvi', ndvi, '--method', 'bicubic', '--out', path.join(dir, `out-${kind}`), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^srda-lst downscale: ${code}: [^\\n]*\\n$`));
    expect(r.stderr.split(lst)).toHaveLength(2);
  });

  it('treats NaN and +-Inf LST pixels as invalid: the run completes and their blocks stay nodata', async () => {
    const c = cases.find((x) => x.name.startsWith('NaN'))!;
    const out = path.join(dir, 'out-naninf');
    const r = await cli(argvOf(c, out));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s1 = (await readGeoTiff(ab(readFileSync(path.join(out, 'lst_stage1.tif'))), 'lst_stage1.tif'))
      .bands[0].raster;
    const v = (col: number, row: number) => s1.data[row * s1.width + col];
    // LST (3,3) is +Inf, (2,13) is -Inf, (5,1) is NaN, (1,2) is valid: their 2x2 blocks at stage 1.
    for (const [x, y] of [
      [3, 3],
      [2, 13],
      [5, 1],
    ])
      for (const [dx, dy] of [
        [0, 0],
        [1, 1],
      ])
        expect(v(2 * x + dx, 2 * y + dy)).toBeNaN();
    expect(v(2, 4)).toBeGreaterThan(290);
    expect(v(2, 4)).toBeLessThan(310);
  });

  it('reads hostile metadata strings as inert text (JSON-escaped in the CLI output)', async () => {
    const c = cases.find((x) => x.name.startsWith('hostile'))!;
    const r = await cli(argvOf(c, dir));
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout.trim()) as { file: string; role: string; bands: { name: string }[] };
    expect(info.file).toContain('<img src=x onerror=window.__pwned=1>');
    expect(info.role).toBe('lst');
    expect(JSON.stringify(info)).toContain('<script>window.__pwned=2</script>');
  });
});
