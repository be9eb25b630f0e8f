import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../test-support/fuzz-watchdog.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const runner = path.join(repoRoot, 'e2e/fixtures/fuzz-runner.ts');

describe('readGeoTiff fuzz (seeded mutations of real TIFFs)', () => {
  it('parses or throws an AppError for 300 byte-flipped, truncated and tag-corrupted files, each within 10 s', async () => {
    const lines = await runFuzz(runner, 20261124, 0, 300, 10_000);
    expect(lines).toHaveLength(300);
    const bad = lines.filter((l) => l.outcome === 'other' || l.outcome === 'hang');
    expect(bad, JSON.stringify(bad.slice(0, 5), null, 1)).toEqual([]);
    // The corpus exercises both sides: some mutations still parse, most are rejected.
    expect(lines.filter((l) => l.outcome === 'ok').length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.outcome === 'app-error').length).toBeGreaterThan(150);
    const kinds = new Set(lines.map((l) => l.kind));
    expect([...kinds].sort()).toEqual(['flip', 'tag', 'truncate']);
  }, 600_000);
});
