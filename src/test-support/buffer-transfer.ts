type TransferFn = (this: ArrayBuffer, byteLength?: number) => ArrayBuffer;

/**
 * `ArrayBuffer.prototype.transfer` for the tests, recording every buffer it is called on
 * (`released`): the engine's own where it has one, else (Node 20) one that detaches the buffer as
 * the real one does (structuredClone moving it). `restore()` puts the prototype back as it was.
 */
export function recordBufferTransfers(): { released: ArrayBuffer[]; restore(): void } {
  const proto = ArrayBuffer.prototype as ArrayBuffer & { transfer?: TransferFn };
  const own = Object.getOwnPropertyDescriptor(proto, 'transfer');
  const released: ArrayBuffer[] = [];
  const transfer: TransferFn = function (byteLength) {
    released.push(this);
    if (own?.value) return (own.value as TransferFn).call(this, byteLength);
    const length = byteLength ?? this.byteLength;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(this, 0, Math.min(length, this.byteLength)));
    structuredClone(this, { transfer: [this] });
    return copy.buffer;
  };
  Object.defineProperty(proto, 'transfer', { value: transfer, configurable: true, writable: true });
  return {
    released,
    restore() {
      if (own) Object.defineProperty(proto, 'transfer', own);
      else delete proto.transfer;
    },
  };
}
