import { describe, expect, it } from 'vitest';
import { collectGarbage } from './collect-garbage.ts';

describe('collectGarbage', () => {
  it('frees large buffers nothing references any more (RSS falls by most of their size)', async () => {
    const rss = () => process.memoryUsage.rss() / 2 ** 20;
    let held: Uint8Array[] | undefined = Array.from({ length: 16 }, () => new Uint8Array(16 << 20).fill(1));
    const before = rss();
    expect(held.length).toBe(16);
    held = undefined;
    collectGarbage();
    // V8 releases the backing stores on a background task after the collection.
    let after = rss();
    for (let i = 0; i < 40 && after > before - 192; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = rss();
    }
    expect(before - after).toBeGreaterThan(192);
  });
});
