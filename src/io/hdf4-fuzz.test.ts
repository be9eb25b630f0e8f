import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const runner = path.join(repoRoot, 'e2e/fixtures/hdf4-fuzz-runner.ts');
const seedsPresent = existsSync(path.join(repoRoot, '../shared/data/modis-misc-testfiles-modistsp'));

interface CaseLine {
  index: number;
  outcome: 'ok' | 'app-error' | 'other' | 'hang';
  code?: string;
  message?: string;
  kind?: string;
  detail?: string;
  seedName?: string;
  ms?: number;
}

/**
 * Runs cases [from, to) in a child process; a case that gives no answer within `caseMs` is a hang:
 * the child is killed and the run resumes after it. Sync infinite loops are caught this way too.
 */
async function runFuzz(seed: number, from: number, to: number, caseMs: number): Promise<CaseLine[]> {
  const lines: CaseLine[] = [];
  let next = from;
  while (next < to) {
    const start = next;
    await new Promise<void>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', runner, String(seed), String(start), String(to)],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let buf = '';
      let hung = false;
      // The first case also pays for module loading.
      let timer = setTimeout(() => onHang(), caseMs + 30_000);
      const onHang = () => {
        hung = true;
        lines.push({ index: next, outcome: 'hang' });
        next++;
        child.kill('SIGKILL');
      };
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as CaseLine;
          buf = buf.slice(nl + 1);
          lines.push(line);
          next = line.index + 1;
          clearTimeout(timer);
          timer = setTimeout(() => onHang(), caseMs);
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        // A crash (not a kill for a hang) counts as a failure of the case it was on.
        if (!hung && code !== 0 && next < to) {
          lines.push({ index: next, outcome: 'other', message: `reader process exited with ${code}` });
          next++;
        }
        resolve();
      });
    });
  }
  return lines;
}

describe.skipIf(!seedsPresent)('readHdf4 fuzz (seeded mutations of real MODIS HDF4 granules)', () => {
  it('parses or throws an AppError for 150 byte-flipped, truncated and DD-corrupted files, each within 10 s', async () => {
    const lines = await runFuzz(20261128, 0, 150, 10_000);
    expect(lines).toHaveLength(150);
    const bad = lines.filter((l) => l.outcome === 'other' || l.outcome === 'hang');
    expect(bad, JSON.stringify(bad.slice(0, 5), null, 1)).toEqual([]);
    expect(lines.filter((l) => l.outcome === 'app-error').length).toBeGreaterThan(50);
    expect(new Set(lines.filter((l) => l.outcome === 'app-error').map((l) => l.code))).toContain(
      'CORRUPT_HDF',
    );
    expect([...new Set(lines.map((l) => l.kind))].sort()).toEqual(['dd', 'flip', 'truncate']);
  }, 600_000);
});
