import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../test-support/fuzz-watchdog.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const runner = path.join(repoRoot, 'e2e/fixtures/hdf4-fuzz-runner.ts');
const seedsPresent = existsSync(path.join(repoRoot, '../shared/data/modis-misc-testfiles-modistsp'));

describe.skipIf(!seedsPresent)('readHdf4 fuzz (seeded mutations of real MODIS HDF4 granules)', () => {
  it('parses or throws an AppError for 150 byte-flipped, truncated and DD-corrupted files, each within 10 s', async () => {
    const lines = await runFuzz(runner, 20261128, 0, 150, 10_000);
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
