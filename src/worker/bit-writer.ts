/** Deflate's bit stream: values written LSB first into bytes. */
export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private held = 0;
  /** `reuse`: an earlier writer's `buffer`, written over instead of a new one where it holds `capacity` bytes. */
  constructor(capacity: number, reuse?: Uint8Array) {
    this.buf = reuse && reuse.length >= capacity ? reuse : new Uint8Array(capacity);
  }
  /** The array written into (past `bytes()`' end: any bytes); a later writer may take it as `reuse`. */
  get buffer(): Uint8Array {
    return this.buf;
  }
  /** Appends the low `count` (<= 16) bits of `value`. */
  bits(value: number, count: number): void {
    this.acc |= value << this.held;
    this.held += count;
    while (this.held >= 8) {
      this.push(this.acc & 255);
      this.acc >>>= 8;
      this.held -= 8;
    }
  }
  /** Appends each symbol's bit string (`codes[s]`, `lengths[s]` <= 21 bits) of `symbols[0, count)`. */
  symbols(symbols: Uint16Array, count: number, codes: Uint32Array, lengths: Uint8Array): void {
    // Room for every symbol at its longest, so the loop needs no bounds check.
    this.reserve(Math.ceil((count * 21) / 8) + 8);
    const buf = this.buf;
    let pos = this.pos;
    let acc = this.acc;
    let held = this.held;
    for (let k = 0; k < count; k++) {
      const s = symbols[k];
      acc |= codes[s] << held;
      held += lengths[s];
      // At most 7 bits held after this, so the next 21 fit in the 32-bit accumulator.
      if (held >= 16) {
        buf[pos++] = acc & 255;
        buf[pos++] = (acc >>> 8) & 255;
        acc >>>= 16;
        held -= 16;
      }
      if (held >= 8) {
        buf[pos++] = acc & 255;
        acc >>>= 8;
        held -= 8;
      }
    }
    this.pos = pos;
    this.acc = acc;
    this.held = held;
  }
  /**
   * Appends `symbols[0, count)` as `symbols` does, each followed where `dists[k]` > 0 by that match
   * distance: the code `distCodeOf[d]` as `distCodes` / `distLengths` give it, then `d -
   * distBase[code]` in `distExtraBits[code]` bits. `totalBits`: what they take in all, at most.
   */
  pairs(
    symbols: Uint16Array,
    dists: Uint16Array,
    count: number,
    codes: Uint32Array,
    lengths: Uint8Array,
    dist: { codeOf: Uint8Array; codes: Uint16Array; lengths: Uint8Array; base: Uint16Array; extraBits: Uint8Array },
    totalBits: number,
  ): void {
    this.reserve(Math.ceil(totalBits / 8) + 8);
    const buf = this.buf;
    const { codeOf, codes: dCodes, lengths: dLengths, base, extraBits } = dist;
    let pos = this.pos;
    let acc = this.acc;
    let held = this.held;
    for (let k = 0; k < count; k++) {
      const s = symbols[k];
      acc |= codes[s] << held;
      held += lengths[s];
      if (held >= 16) {
        buf[pos++] = acc & 255;
        buf[pos++] = (acc >>> 8) & 255;
        acc >>>= 16;
        held -= 16;
      }
      if (held >= 8) {
        buf[pos++] = acc & 255;
        acc >>>= 8;
        held -= 8;
      }
      const d = dists[k];
      if (d === 0) continue;
      const c = codeOf[d];
      // Code (<= 15 bits) and extra bits (<= 13) apart, so at most 7 + 15 are held at once.
      acc |= dCodes[c] << held;
      held += dLengths[c];
      if (held >= 16) {
        buf[pos++] = acc & 255;
        buf[pos++] = (acc >>> 8) & 255;
        acc >>>= 16;
        held -= 16;
      }
      if (held >= 8) {
        buf[pos++] = acc & 255;
        acc >>>= 8;
        held -= 8;
      }
      const x = extraBits[c];
      if (x === 0) continue;
      acc |= (d - base[c]) << held;
      held += x;
      if (held >= 16) {
        buf[pos++] = acc & 255;
        buf[pos++] = (acc >>> 8) & 255;
        acc >>>= 16;
        held -= 16;
      }
      if (held >= 8) {
        buf[pos++] = acc & 255;
        acc >>>= 8;
        held -= 8;
      }
    }
    this.pos = pos;
    this.acc = acc;
    this.held = held;
  }
  byte(v: number): void {
    this.push(v);
  }
  /** Pads to a byte boundary with zero bits. */
  align(): void {
    if (this.held > 0) this.push(this.acc & 255);
    this.acc = 0;
    this.held = 0;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  private push(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }
  private reserve(more: number): void {
    if (this.pos + more <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + more));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}
