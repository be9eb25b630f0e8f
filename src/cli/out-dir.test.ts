import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { openOutDir } from './out-dir.ts';
import { terminalSafe } from './terminal.ts';

const root = mkdtempSync(path.join(tmpdir(), 'srda-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repoRoot = path.resolve(import.meta.dirname, '../..');
const dhaka = path.resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isAppError(e) ? `${e.code}: ${e.message}` : `not an AppError: ${String(e)}`;
  }
}

describe('openOutDir', () => {
  it('creates a missing --out (nested) and refuses one that is a file', async () => {
    const dir = path.join(root, 'a/b/c');
    const out = await openOutDir(dir);
    expect(lstatSync(dir).isDirectory()).toBe(true);
    await out.release();
    const file = path.join(root, 'plain-file');
    writeFileSync(file, 'x');
    expect(await codeOf(openOutDir(file))).toMatch(
      /^BAD_ARGUMENT: --out .*plain-file is a file, not a folder/,
    );
    expect(await codeOf(openOutDir(path.join(file, 'sub')))).toMatch(
      /^WRITE_FAILED: --out .*plain-file\/sub cannot be/,
    );
  });

  it('never writes through a planted symlink: the link is replaced, its target untouched', async () => {
    const dir = path.join(root, 'links');
    const victim = path.join(root, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const out = await openOutDir(dir);
    symlinkSync(victim, path.join(dir, 'lst_stage1.tif'));
    await out.write('lst_stage1.tif', new Uint8Array([1, 2, 3]));
    await out.release();
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    const st = lstatSync(path.join(dir, 'lst_stage1.tif'));
    expect([st.isSymbolicLink(), st.isFile(), st.size]).toEqual([false, true, 3]);
  });

  it('writes a file that comes in pieces (small ones and one over a MiB) exactly in order', async () => {
    const dir = path.join(root, 'pieces');
    const out = await openOutDir(dir);
    const big = new Uint8Array(1_500_000).map((_, i) => (i * 31) & 0xff);
    const pieces = [new Uint8Array([1, 2, 3, 4]), ...Array.from({ length: 700 }, (_, i) => new Uint8Array(2000).fill(i & 0xff)), big, new Uint8Array([9])];
    await out.write('pieces.bin', pieces);
    await out.release();
    expect(readFileSync(path.join(dir, 'pieces.bin')).equals(Buffer.concat(pieces))).toBe(true);
  });

  it('holds a lock: a second run into the same folder fails at once, a stale lock is taken over', async () => {
    const dir = path.join(root, 'locked');
    const first = await openOutDir(dir);
    expect(await codeOf(openOutDir(dir))).toMatch(
      /^WRITE_FAILED: --out .* is in use by another srda-lst run \(process \d+\)/,
    );
    await first.release();
    // A lock left by a process that no longer runs.
    writeFileSync(path.join(dir, '.srda-lst.lock'), '999999999\n');
    const again = await openOutDir(dir);
    await again.release();
    expect(existsSync(path.join(dir, '.srda-lst.lock'))).toBe(false);
  });

  it('removes the temp files a killed run left, and only those', async () => {
    const dir = path.join(root, 'killed');
    const first = await openOutDir(dir);
    const left = ['.lst_stage2.tif.4242.0a1b2c3d.tmp', '.lst_stage2_sigma.tif.4242.deadbeef.tiles.tmp'];
    const kept = ['lst_stage1.tif', '.lst_stage2.tif.notes', '.x.4242.tmp', 'a.4242.0a1b2c3d.tmp'];
    for (const n of [...left, ...kept]) writeFileSync(path.join(dir, n), 'x');
    await first.release();
    const again = await openOutDir(dir);
    await again.release();
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
  });
});

describe('terminalSafe', () => {
  it('shows control characters as escapes so a name cannot forge lines or colours', () => {
    expect(terminalSafe('a\nsrda-lst: done\x1b[31m\r\t\x7f\u2028.tif')).toBe(
      'a\\nsrda-lst: done\\x1b[31m\\r\\t\\x7f\\u2028.tif',
    );
    expect(terminalSafe('MOD11A2 LST Dhaka é.tif')).toBe('MOD11A2 LST Dhaka é.tif');
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), ...args], {
      cwd: repoRoot,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!existsSync(dhaka))('srda-lst CLI output safety', () => {
  const lst = path.join(dhaka, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
  const ndvi = path.join(dhaka, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
  const run = (out: string) =>
    cli(['downscale', '--lst', lst, '--ndvi', ndvi, '--method', 'bicubic', '--out', out, '--quiet']);

  it('two runs into one --out at once: one writes complete outputs, the other fails clearly (or waits its turn)', async () => {
    const out = path.join(root, 'concurrent');
    const [a, b] = await Promise.all([run(out), run(out)]);
    const codes = [a.code, b.code].sort();
    const failed = [a, b].find((r) => r.code !== 0);
    if (failed) {
      expect(codes).toEqual([0, 1]);
      expect(failed.stderr.trim().split('\n')).toHaveLength(1);
      expect(failed.stderr).toContain('is in use by another srda-lst run');
    } else expect(codes).toEqual([0, 0]);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { stages: unknown[] };
    expect(report.stages).toHaveLength(2);
    expect(existsSync(path.join(out, '.srda-lst.lock'))).toBe(false);
  }, 120_000);

  it('--out that is a file ends with one BAD_ARGUMENT line, no stack trace', async () => {
    const file = path.join(root, 'out-is-file');
    writeFileSync(file, '');
    const t0 = Date.now();
    const r = await run(file);
    // At once: before, the read workers started ahead of the reads held the process for 30 s.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^srda-lst downscale: BAD_ARGUMENT: .*out-is-file/),
    ]);
  }, 60_000);

  it('escapes a file name with a newline and ANSI escapes in its one error line', async () => {
    const evil = path.join(root, 'x\nsrda-lst downscale: done\x1b[2J.tif');
    writeFileSync(evil, 'not a tiff at all, just text');
    const r = await cli(['info', evil]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('x\\nsrda-lst downscale: done\\x1b[2J.tif');
    expect(r.stderr).not.toContain('\x1b');
  }, 60_000);
});
