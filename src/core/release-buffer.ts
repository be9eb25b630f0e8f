type Transferable = ArrayBuffer & { transfer?: (byteLength: number) => ArrayBuffer; detached?: boolean };

/**
 * Frees `buffer`'s memory at once where the engine can (`ArrayBuffer.prototype.transfer`: the
 * buffer is detached and its memory let go without waiting for a garbage collection, which a page
 * cannot ask for), else leaves it to the next collection. Only for a caller that holds the only
 * reference to `buffer`: every array on it reads as empty afterwards. A SharedArrayBuffer or a
 * buffer already detached is left alone. Returns the bytes freed at once (0 where none).
 */
export function releaseBuffer(buffer: ArrayBufferLike): number {
  if (!(buffer instanceof ArrayBuffer)) return 0;
  const b = buffer as Transferable;
  if (!b.transfer || b.detached || b.byteLength === 0) return 0;
  const bytes = b.byteLength;
  b.transfer(0);
  return bytes;
}

/**
 * `releaseBuffer` of `array`'s buffer when the array spans all of it (a view of part of a buffer
 * may share it with other arrays: left to the collector). Returns the bytes freed at once.
 */
export function releaseArray(array: ArrayBufferView): number {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? releaseBuffer(array.buffer) : 0;
}
