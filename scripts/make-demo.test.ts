import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDemo } from './make-demo.ts';

describe('bundled demo scene', () => {
  it('is what scripts/make-demo.ts generates, byte for byte (rerun it after changing the generator)', () => {
    const out = mkdtempSync(join(tmpdir(), 'srda-demo-'));
    const names = makeDemo(out, false);
    const committed = resolve(import.meta.dirname, '../public/demo');
    for (const name of [...names, 'manifest.json']) {
      expect(readFileSync(join(out, name)).equals(readFileSync(join(committed, name))), name).toBe(true);
    }
    const total = names.reduce((n, f) => n + readFileSync(join(committed, f)).length, 0);
    expect(total).toBeLessThan(400 * 1024);
  });
});
