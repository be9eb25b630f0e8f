/**
 * Decodes a TIFF LZW block (MSB-first codes of 9-12 bits, "early change" code widths). Returns
 * the decoded bytes (at most `maxBytes`; the rest of a short block stays zero). Throws on codes
 * that cannot occur in a valid stream.
 */
export function lzwDecode(input: Uint8Array, maxBytes: number): Uint8Array {
  const out = new Uint8Array(maxBytes);
  // Every dictionary string is a substring already written to `out`: keep its offset and length.
  const entOff = new Int32Array(4096);
  const entLen = new Int32Array(4096);
  const totalBits = input.length * 8;
  let bitPos = 0;
  let codeLen = 9;
  let next = 258;
  let o = 0;
  let oldOff = -1;
  let oldLen = 0;
  while (bitPos + codeLen <= totalBits) {
    // Read `codeLen` bits MSB-first, spanning up to three bytes.
    const byte = bitPos >>> 3;
    const window = ((input[byte] << 16) | ((input[byte + 1] ?? 0) << 8) | (input[byte + 2] ?? 0)) >>> 0;
    const code = (window >>> (24 - (bitPos & 7) - codeLen)) & ((1 << codeLen) - 1);
    bitPos += codeLen;
    if (code === 257) break;
    if (code === 256) {
      codeLen = 9;
      next = 258;
      oldOff = -1;
      continue;
    }
    const curOff = o;
    let curLen: number;
    if (code < 256) {
      if (o < maxBytes) out[o] = code;
      curLen = 1;
    } else if (code < next && oldOff >= 0) {
      curLen = entLen[code];
      out.copyWithin(o, entOff[code], Math.min(entOff[code] + curLen, maxBytes));
    } else if (code === next && oldOff >= 0) {
      curLen = oldLen + 1;
      out.copyWithin(o, oldOff, Math.min(oldOff + oldLen, maxBytes));
      if (o + oldLen < maxBytes) out[o + oldLen] = out[oldOff];
    } else {
      throw new Error(`invalid LZW code ${code} (next ${next}) at bit ${bitPos - codeLen}`);
    }
    o += curLen;
    if (oldOff >= 0 && next < 4096) {
      entOff[next] = oldOff;
      entLen[next] = oldLen + 1;
      next++;
    }
    if (next + 1 >= 1 << codeLen && codeLen < 12) codeLen++;
    oldOff = curOff;
    oldLen = curLen;
    if (o >= maxBytes) break;
  }
  return out;
}
