import { afterEach, describe, expect, it } from 'vitest';
import { recordBufferTransfers } from '../test-support/buffer-transfer.ts';
import { releaseArray, releaseBuffer } from './release-buffer.ts';

describe('releaseBuffer', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('detaches a whole buffer and says how many bytes went', () => {
    const t = recordBufferTransfers();
    restore = t.restore;
    const a = new Float32Array([1, 2, 3]);
    expect(releaseArray(a)).toBe(12);
    expect(a.length).toBe(0);
    expect(a.buffer.byteLength).toBe(0);
    // Already released: nothing more.
    expect(releaseBuffer(a.buffer)).toBe(0);
    expect(t.released).toHaveLength(1);
  });

  it('leaves a view of part of a buffer, a shared buffer and an empty one alone', () => {
    const t = recordBufferTransfers();
    restore = t.restore;
    const whole = new Uint8Array([1, 2, 3, 4]);
    const part = whole.subarray(1, 3);
    expect(releaseArray(part)).toBe(0);
    expect(Array.from(whole)).toEqual([1, 2, 3, 4]);
    expect(releaseBuffer(new SharedArrayBuffer(8))).toBe(0);
    expect(releaseBuffer(new ArrayBuffer(0))).toBe(0);
    expect(t.released).toHaveLength(0);
  });

  it('leaves the buffer to the collector where the engine cannot transfer', () => {
    const proto = ArrayBuffer.prototype as ArrayBuffer & { transfer?: unknown };
    const own = Object.getOwnPropertyDescriptor(proto, 'transfer');
    delete proto.transfer;
    restore = () => {
      if (own) Object.defineProperty(proto, 'transfer', own);
    };
    const a = new Uint8Array([5, 6]);
    expect(releaseArray(a)).toBe(0);
    expect(Array.from(a)).toEqual([5, 6]);
  });
});
