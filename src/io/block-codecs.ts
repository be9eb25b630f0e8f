import { Unzlib, unzlibSync } from 'fflate';
import { ZSTDDecoder } from 'zstddec';
import { adler32 } from './adler32.ts';
import type { DeflateCodec } from './deflate-codec.ts';
import { lzwDecode } from './lzw.ts';

/** TIFF compression codes the built-in block decoder inflates. */
export const BLOCK_COMPRESSIONS = new Set([1, 5, 8, 32946, 50000]);

let zstd: ZSTDDecoder | undefined;
let zstdReady: Promise<void> | undefined;

/** Loads the ZSTD decoder (WebAssembly) once; call before `decompressBlock` on ZSTD data. */
export async function prepareCodec(compression: number): Promise<void> {
  if (compression !== 50000) return;
  if (!zstd) {
    zstd = new ZSTDDecoder();
    zstdReady = zstd.init();
  }
  await zstdReady;
}

/**
 * Content size declared in a ZSTD frame header (RFC 8878 3.1.1.1), undefined when the frame does
 * not declare one; throws on a stream that is not a ZSTD frame.
 */
export function zstdContentSize(b: Uint8Array): number | undefined {
  if (b.length < 5 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd)
    throw new Error('not a ZSTD frame');
  const fhd = b[4];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const dictFlag = fhd & 3;
  let p = 5 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag];
  const size = fcsFlag === 0 ? (single ? 1 : 0) : [1, 2, 4, 8][fcsFlag];
  if (size === 0) return undefined;
  if (p + size > b.length) throw new Error('truncated ZSTD frame header');
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[p + i];
  p += size;
  return fcsFlag === 1 ? v + 256 : v;
}

/**
 * Inflates one block to at most `expected` bytes: a stream that would decode to more stops there
 * (Deflate, LZW) or is refused before any output is allocated (ZSTD, whose frame declares its
 * size). Short streams are zero-padded. Throws a plain Error on damaged data; the caller wraps it.
 */
/**
 * zlib-inflates one block and checks the stream's Adler-32 (fflate does not), so a damaged block
 * is refused instead of read as wrong values. Throws a plain Error; the reader wraps it as CORRUPT_TIFF.
 */
function inflateChecked(raw: Uint8Array, expected: number): Uint8Array {
  const out = inflateBounded(raw, expected);
  // A damaged stream often stops early (and used to be padded with zeros): checked all the same.
  if (raw.length >= 6) {
    const n = raw.length;
    const stored = ((raw[n - 4] << 24) | (raw[n - 3] << 16) | (raw[n - 2] << 8) | raw[n - 1]) >>> 0;
    if (stored !== adler32(out)) throw new Error('Deflate block fails its Adler-32 check');
  }
  return out;
}

export function decompressBlock(raw: Uint8Array, compression: number, expected: number): Uint8Array {
  let bytes: Uint8Array;
  if (compression === 1) bytes = raw.slice(0, expected);
  else if (compression === 5) bytes = lzwDecode(raw, expected);
  else if (compression === 8 || compression === 32946) bytes = inflateChecked(raw, expected);
  else if (compression === 50000) {
    if (!zstd) throw new Error('ZSTD decoder not loaded');
    const declared = zstdContentSize(raw);
    if (declared !== undefined && declared > expected)
      throw new Error(`ZSTD block declares ${declared} bytes where the tile holds ${expected}`);
    bytes = zstd.decode(raw, expected);
    // The decoder returns nothing for a damaged frame or one larger than `expected`.
    if (bytes.length === 0 && expected > 0) throw new Error('damaged ZSTD block');
  } else throw new Error(`compression ${compression}`);
  if (bytes.length < expected) {
    const padded = new Uint8Array(expected);
    padded.set(bytes);
    bytes = padded;
  }
  return bytes;
}

/**
 * `decompressBlock` with Deflate blocks inflated by `codec` (native zlib in the CLI, off this
 * thread) where the codec stops by itself past the block or the stream cannot be a bomb; a stream the codec refuses (damaged, too long) goes
 * through `decompressBlock`, which decides what it is, so the result and errors are the same.
 */
export async function decompressBlockAsync(
  raw: Uint8Array,
  compression: number,
  expected: number,
  codec: DeflateCodec | undefined,
  into?: Uint8Array,
): Promise<Uint8Array> {
  const isDeflate = compression === 8 || compression === 32946;
  const mayBomb = raw.length * DEFLATE_MAX_RATIO > 4 * expected + 2 ** 20;
  if (!isDeflate || !codec?.inflate || (mayBomb && !codec.isBounded))
    return land(decompressBlock(raw, compression, expected), expected, into);
  let bytes: Uint8Array;
  try {
    bytes = await codec.inflate(raw, expected, into);
  } catch {
    return land(decompressBlock(raw, compression, expected), expected, into);
  }
  if (bytes.length > expected) return land(decompressBlock(raw, compression, expected), expected, into);
  return land(bytes, expected, into);
}

/** `bytes` (at most `expected`) zero-padded to `expected` bytes: in `into` where given (and returned), else in a new array unless already full. */
function land(bytes: Uint8Array, expected: number, into: Uint8Array | undefined): Uint8Array {
  if (!into) {
    if (bytes.length >= expected) return bytes;
    const padded = new Uint8Array(expected);
    padded.set(bytes);
    return padded;
  }
  const dst = into.subarray(0, expected);
  if (bytes.buffer !== dst.buffer || bytes.byteOffset !== dst.byteOffset) dst.set(bytes);
  if (bytes.length < expected) dst.fill(0, bytes.length);
  return dst;
}

/** How the blocks of one TIFF image are stored, as far as turning a block's bytes into samples goes. */
export interface BlockForm {
  compression: number;
  /** 1 none, 2 horizontal, 3 floating point. */
  predictor: number;
  bytesPerSample: number;
  /** Samples in one row of a block (its width times the samples each pixel holds there). */
  rowSamples: number;
  /** Samples per pixel within a block: the predictors' stride. */
  samplesInBlock: number;
  littleEndian: boolean;
}

/**
 * Undoes the predictor and the byte order of one inflated block of `rows` rows: native-order
 * samples in an array that spans its own buffer (`bytes` itself where it does, else a new one;
 * `bytes` may be overwritten either way).
 */
export function finishBlock(bytes: Uint8Array, form: BlockForm, rows: number): Uint8Array {
  const { predictor, bytesPerSample, rowSamples, samplesInBlock } = form;
  if (predictor === 3) bytes = undoFloatPredictor(bytes, rowSamples, rows, samplesInBlock, bytesPerSample);
  else if (!form.littleEndian) swapBytes(bytes, bytesPerSample);
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
  if (predictor === 2) undoHorizontal(bytes, bytesPerSample, rowSamples, rows, samplesInBlock);
  return bytes;
}

/**
 * One block of `rows` rows from its stored bytes to native-order samples: `decompressBlockAsync`
 * (Deflate through `codec`, bounded, else the checked fflate path), then `finishBlock`. What the
 * deflate workers run for the browser's reader (pipeline/deflate-serve.ts); same bytes and errors as
 * the reader's own path.
 */
export async function decodeBlock(
  raw: Uint8Array,
  form: BlockForm,
  rows: number,
  codec: DeflateCodec | undefined,
): Promise<Uint8Array> {
  const expected = form.rowSamples * rows * form.bytesPerSample;
  return finishBlock(await decompressBlockAsync(raw, form.compression, expected, codec), form, rows);
}

/**
 * `decodeBlock` into `dst`, which holds exactly the block's decoded bytes (`rowSamples * rows *
 * bytesPerSample`, at an offset of its buffer aligned to the sample size, as a view of a larger
 * buffer may be): inflated there, the predictor and byte order undone in place, so a thread that
 * decodes many blocks reuses its memory instead of allocating two arrays per block. Same bytes and
 * errors as `decodeBlock`; `rowScratch` (at least `rowSamples` words) serves the float predictor.
 */
export async function decodeBlockInto(
  raw: Uint8Array,
  form: BlockForm,
  rows: number,
  codec: DeflateCodec | undefined,
  dst: Uint8Array,
  rowScratch: Uint32Array,
): Promise<void> {
  await decompressBlockAsync(raw, form.compression, dst.length, codec, dst);
  const { predictor, bytesPerSample, rowSamples, samplesInBlock } = form;
  if (predictor === 3) {
    if (canUndoFloatInto(dst, rowSamples, samplesInBlock, bytesPerSample)) {
      const words = new Uint32Array(dst.buffer, dst.byteOffset, rowSamples * rows);
      for (let r = 0; r < rows; r++) {
        // Each row's planes merged through the scratch row: in place they would overwrite the planes still to be read.
        undoFloatRow(words, r * rowSamples, rowSamples, rowScratch, 0);
        words.set(rowScratch.subarray(0, rowSamples), r * rowSamples);
      }
    } else dst.set(undoFloatPredictor(dst, rowSamples, rows, samplesInBlock, bytesPerSample));
    return;
  }
  if (!form.littleEndian) swapBytes(dst, bytesPerSample);
  if (predictor === 2) undoHorizontal(dst, bytesPerSample, rowSamples, rows, samplesInBlock);
}

/** Deflate expands at most ~1032:1. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * Inflates a zlib stream to at most `expected` bytes. A stream that could expand far beyond the
 * block is fed in slices and dropped as soon as the block is full, so a small stream that would
 * inflate to gigabytes costs no more than the block itself.
 */
function inflateBounded(raw: Uint8Array, expected: number): Uint8Array {
  if (raw.length * DEFLATE_MAX_RATIO <= 4 * expected + 2 ** 20)
    return unzlibSync(raw, { out: new Uint8Array(expected) });
  const out = new Uint8Array(expected);
  let filled = 0;
  const z = new Unzlib((chunk) => {
    const n = Math.min(chunk.length, expected - filled);
    out.set(chunk.subarray(0, n), filled);
    filled += n;
  });
  // One push inflates its whole slice before returning, so a slice of a bomb yields up to 1032x its
  // size at once: slices start at what the block still needs and grow (to 64 kB: smaller pushes make
  // the streaming inflater copy its window over and over) only while the data inflate modestly.
  const needed = () => Math.max(2 ** 10, Math.ceil((expected - filled) / DEFLATE_MAX_RATIO));
  let slice = Math.min(2 ** 16, needed());
  for (let p = 0; p < raw.length && filled < expected; ) {
    const end = Math.min(raw.length, p + slice);
    const before = filled;
    z.push(raw.subarray(p, end), end >= raw.length);
    slice = filled - before > 64 * (end - p) ? Math.min(2 ** 16, needed()) : Math.min(2 ** 16, slice * 2);
    p = end;
  }
  return out;
}

/** Reverses the byte order of every `bytesPerSample`-byte sample in place (big-endian files). */
export function swapBytes(bytes: Uint8Array, bytesPerSample: number): void {
  if (bytesPerSample === 1) return;
  for (let i = 0; i + bytesPerSample <= bytes.length; i += bytesPerSample) {
    for (let a = i, b = i + bytesPerSample - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Undoes the horizontal predictor (2) in place on native-order samples. Like libtiff it adds the
 * samples as unsigned integers of their width, floats included (their bit patterns).
 */
export function undoHorizontal(
  bytes: Uint8Array,
  bytesPerSample: number,
  rowSamples: number,
  rows: number,
  stride: number,
): void {
  const n = rowSamples * rows;
  const a =
    bytesPerSample === 1
      ? bytes
      : bytesPerSample === 2
        ? new Uint16Array(bytes.buffer, bytes.byteOffset, n)
        : bytesPerSample === 4
          ? new Uint32Array(bytes.buffer, bytes.byteOffset, n)
          : new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    if (a instanceof BigUint64Array) {
      for (let i = stride; i < rowSamples; i++) a[base + i] += a[base + i - stride];
    } else {
      for (let i = stride; i < rowSamples; i++) a[base + i] += a[base + i - stride];
    }
  }
}

/**
 * Undoes the floating-point predictor (3): byte accumulation, then the byte planes (most
 * significant first, whatever the file's byte order) back into native little-endian samples.
 */
export function undoFloatPredictor(
  bytes: Uint8Array,
  rowSamples: number,
  rows: number,
  stride: number,
  bps: number,
): Uint8Array {
  const rowBytes = rowSamples * bps;
  const out = new Uint8Array(rowBytes * rows);
  const out32 = bps === 4 ? new Uint32Array(out.buffer) : undefined;
  if (out32 && stride === 1 && rowSamples % 4 === 0 && bytes.byteOffset % 4 === 0) {
    undoFloatPredictorWords(new Uint32Array(bytes.buffer, bytes.byteOffset, rowSamples * rows), rowSamples, rows, out32);
    return out;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    // Byte-wise with a stride of samples per pixel, as libtiff does; Uint8Array stores wrap by themselves.
    for (let i = base + stride, end = base + rowBytes; i < end; i++) bytes[i] += bytes[i - stride];
    if (out32) {
      const p0 = base;
      const p1 = base + rowSamples;
      const p2 = base + 2 * rowSamples;
      const p3 = base + 3 * rowSamples;
      const o = r * rowSamples;
      for (let i = 0; i < rowSamples; i++)
        out32[o + i] =
          ((bytes[p0 + i] << 24) | (bytes[p1 + i] << 16) | (bytes[p2 + i] << 8) | bytes[p3 + i]) >>> 0;
    } else {
      for (let i = 0; i < rowSamples; i++) {
        for (let b = 0; b < bps; b++) out[base + i * bps + b] = bytes[base + (bps - b - 1) * rowSamples + i];
      }
    }
  }
  return out;
}

/** Per-byte sum (mod 256) of the four bytes of two 32-bit words (SWAR: no carry between bytes). */
const addBytes = (a: number, b: number): number => ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080);

/**
 * `undoFloatPredictor` for one float32 sample per pixel, rows a multiple of 4 samples: the byte
 * differences summed four at a time within little-endian words (a prefix sum by two shifted
 * per-byte adds, plus the running byte), then the four byte planes merged into words. `words`
 * (the block) is overwritten with its byte prefix sums.
 */
function undoFloatPredictorWords(words: Uint32Array, rowSamples: number, rows: number, out32: Uint32Array): void {
  for (let r = 0; r < rows; r++) undoFloatRow(words, r * rowSamples, rowSamples, out32, r * rowSamples);
}

/** One row of `undoFloatPredictorWords`: the row at word `w0` of `words` into `out32` from word `o`. */
function undoFloatRow(words: Uint32Array, w0: number, rowSamples: number, out32: Uint32Array, o: number): void {
  const q = rowSamples >> 2;
  let carry = 0;
  for (let j = w0, end = w0 + rowSamples; j < end; j++) {
    const x = words[j];
    let y = addBytes(x, x << 8);
    y = addBytes(y, y << 16);
    y = addBytes(y, carry * 0x01010101);
    words[j] = y;
    carry = y >>> 24;
  }
  // Planes: most significant byte first, each rowSamples bytes = q words.
  for (let j = 0; j < q; j++) {
    const a = words[w0 + j];
    const b = words[w0 + q + j];
    const c = words[w0 + 2 * q + j];
    const d = words[w0 + 3 * q + j];
    const k = o + 4 * j;
    out32[k] = ((a & 0xff) << 24) | ((b & 0xff) << 16) | ((c & 0xff) << 8) | (d & 0xff);
    out32[k + 1] = ((a & 0xff00) << 16) | ((b & 0xff00) << 8) | (c & 0xff00) | ((d >>> 8) & 0xff);
    out32[k + 2] = ((a & 0xff0000) << 8) | (b & 0xff0000) | ((c >>> 8) & 0xff00) | ((d >>> 16) & 0xff);
    out32[k + 3] = (a & 0xff000000) | ((b >>> 8) & 0xff0000) | ((c >>> 16) & 0xff00) | (d >>> 24);
  }
}

/** True when `undoFloatPredictorInto` takes a block: float32, one sample per pixel, rows of whole words of planes, aligned. */
export function canUndoFloatInto(bytes: Uint8Array, rowSamples: number, samplesInBlock: number, bps: number): boolean {
  return bps === 4 && samplesInBlock === 1 && rowSamples % 4 === 0 && bytes.byteOffset % 4 === 0;
}

/**
 * `undoFloatPredictor` of a block (see `canUndoFloatInto`) straight into the destination raster,
 * without a block-sized array: rows `r0` to `r1 - 1` of the block, samples `c0` to `c1 - 1` of
 * each, go to `dst` from word `at`, one row every `stride` words. Rows outside are not decoded;
 * `bytes` is overwritten. A clipped row goes through `rowScratch` (at least `rowSamples` words).
 */
export function undoFloatPredictorInto(
  bytes: Uint8Array,
  rowSamples: number,
  rows: [r0: number, r1: number],
  cols: [c0: number, c1: number],
  dst: Uint32Array,
  at: number,
  stride: number,
  rowScratch: Uint32Array,
): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const [r0, r1] = rows;
  const [c0, c1] = cols;
  const whole = c0 === 0 && c1 === rowSamples;
  for (let r = r0; r < r1; r++) {
    const o = at + (r - r0) * stride;
    if (whole) undoFloatRow(words, r * rowSamples, rowSamples, dst, o);
    else {
      undoFloatRow(words, r * rowSamples, rowSamples, rowScratch, 0);
      dst.set(rowScratch.subarray(c0, c1), o);
    }
  }
}

/** IEEE 754 half-precision samples to float32. */
export function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const frac = v & 0x3ff;
    out[i] =
      exp === 0
        ? sign * frac * 2 ** -24
        : exp === 31
          ? frac
            ? Number.NaN
            : sign * Number.POSITIVE_INFINITY
          : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}
