import { describe, expect, it } from 'vitest';
import { f32Of, Scratch } from './scratch.ts';

describe('Scratch', () => {
  it('hands out zero-filled arrays of the asked length, reusing one buffer per role', () => {
    const s = new Scratch();
    const a = s.f32('a', 100);
    a.fill(7);
    const b = s.f32('a', 40);
    expect(b.length).toBe(40);
    expect(b.buffer).toBe(a.buffer);
    expect([...b].every((v) => v === 0)).toBe(true);
    // Grown when a larger one is asked for, and kept at that size.
    const c = s.f32('a', 200);
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.length).toBe(200);
    expect(s.f32('a', 150).buffer).toBe(c.buffer);
    expect(s.bytes).toBe(800);
  });

  it('keeps roles apart and types by role', () => {
    const s = new Scratch();
    const a = s.f32('x', 10).fill(1);
    const b = s.f64('y', 10).fill(2);
    const u = s.u8('z', 3).fill(9);
    expect(a.buffer).not.toBe(b.buffer);
    expect([...a]).toEqual(new Array(10).fill(1));
    expect([...u]).toEqual([9, 9, 9]);
    expect(s.bytes).toBe(40 + 80 + 3);
  });

  it('without a pool gives new arrays', () => {
    const a = f32Of(undefined, 'a', 5);
    const b = f32Of(undefined, 'a', 5);
    expect(a.buffer).not.toBe(b.buffer);
  });
});
