import { unzlibSync } from 'fflate';
import type { PixelWindow } from '../core/geo/grid.ts';
import { throwIfAborted, type Progress } from '../core/progress.ts';
import { lzwDecode } from './lzw.ts';

/** Typed arrays a TIFF band decodes to. */
export type SampleArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** The storage facts the fast decoder needs (from the IFD). */
export interface BlockLayout {
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  sampleFormat: number;
  compression: number;
  predictor: number;
  /** 1 chunky (pixel-interleaved), 2 separate planes. */
  planar: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets: number[];
  byteCounts: number[];
  littleEndian: boolean;
}

/**
 * True when `decodeWindow` handles this layout: little-endian, uncompressed, LZW or Deflate,
 * predictor 1/2/3, 8/16/32/64-bit samples. Everything else goes through geotiff.js.
 */
export function canDecodeFast(l: BlockLayout): boolean {
  return (
    l.littleEndian &&
    (l.compression === 1 || l.compression === 5 || l.compression === 8 || l.compression === 32946) &&
    [1, 2, 3].includes(l.predictor) &&
    [8, 16, 32, 64].includes(l.bitsPerSample) &&
    (l.predictor !== 3 || l.sampleFormat === 3) &&
    l.offsets.length === l.byteCounts.length
  );
}

/**
 * zlib-inflates one block and checks the stream's Adler-32 (fflate does not), so a damaged block
 * is refused instead of read as wrong values. Throws a plain Error; the reader wraps it as CORRUPT_TIFF.
 */
function inflateChecked(raw: Uint8Array, expected: number): Uint8Array {
  const out = unzlibSync(raw, { out: new Uint8Array(expected) });
  // A damaged stream often stops early (and used to be padded with zeros): checked all the same.
  if (raw.length >= 6) {
    let a = 1;
    let b = 0;
    for (let i = 0; i < out.length;) {
      const end = Math.min(out.length, i + 5552);
      for (; i < end; i++) {
        a += out[i];
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    const n = raw.length;
    const stored = ((raw[n - 4] << 24) | (raw[n - 3] << 16) | (raw[n - 2] << 8) | raw[n - 1]) >>> 0;
    if (stored !== ((b << 16) | a) >>> 0) throw new Error('Deflate block fails its Adler-32 check');
  }
  return out;
}

function arrayFor(format: number, bits: number, buffer: ArrayBuffer, length: number): SampleArray {
  if (format === 3)
    return bits === 64 ? new Float64Array(buffer, 0, length) : new Float32Array(buffer, 0, length);
  if (format === 2)
    return bits === 8
      ? new Int8Array(buffer, 0, length)
      : bits === 16
        ? new Int16Array(buffer, 0, length)
        : new Int32Array(buffer, 0, length);
  return bits === 8
    ? new Uint8Array(buffer, 0, length)
    : bits === 16
      ? new Uint16Array(buffer, 0, length)
      : new Uint32Array(buffer, 0, length);
}

function allocate(format: number, bits: number, length: number): SampleArray {
  return arrayFor(format, bits, new ArrayBuffer(length * (bits / 8)), length);
}

/** Undoes the horizontal predictor (2) in place on native-endian samples, row by row. */
function undoHorizontal(a: SampleArray, rowSamples: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let i = stride; i < rowSamples; i++) a[base + i] += a[base + i - stride];
  }
}

/** Undoes the floating-point predictor (3): byte accumulation then byte-plane de-interleave (MSB plane first). */
function undoFloatPredictor(
  bytes: Uint8Array,
  rowSamples: number,
  rows: number,
  stride: number,
  bps: number,
): Uint8Array {
  const rowBytes = rowSamples * bps;
  const out = new Uint8Array(rowBytes * rows);
  const out32 = bps === 4 ? new Uint32Array(out.buffer) : undefined;
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    // Uint8Array stores wrap modulo 256 by themselves.
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

/**
 * Decodes the pixels of `win` from a (Big)TIFF's blocks into one array per band, typed like the
 * samples. `read(offset, length)` returns the raw block bytes. Checks `signal` and reports
 * progress (stage 'decode', block rows done) between block rows.
 */
export async function decodeWindow(
  l: BlockLayout,
  win: PixelWindow,
  read: (offset: number, length: number) => Promise<Uint8Array> | Uint8Array,
  signal?: AbortSignal,
  onProgress?: (p: Progress) => void,
): Promise<SampleArray[]> {
  const spp = l.samplesPerPixel;
  const bytesPerSample = l.bitsPerSample / 8;
  const out = Array.from({ length: spp }, () =>
    allocate(l.sampleFormat, l.bitsPerSample, win.width * win.height),
  );
  const across = Math.ceil(l.width / l.blockWidth);
  const down = Math.ceil(l.height / l.blockHeight);
  const blocksPerPlane = across * down;
  const planes = l.planar === 2 ? spp : 1;
  const samplesInBlock = l.planar === 2 ? 1 : spp;
  const bx0 = Math.floor(win.col / l.blockWidth);
  const bx1 = Math.floor((win.col + win.width - 1) / l.blockWidth);
  const by0 = Math.floor(win.row / l.blockHeight);
  const by1 = Math.floor((win.row + win.height - 1) / l.blockHeight);
  const totalRows = planes * (by1 - by0 + 1);
  for (let plane = 0; plane < planes; plane++) {
    for (let by = by0; by <= by1; by++) {
      throwIfAborted(signal);
      onProgress?.({ stage: 'decode', done: plane * (by1 - by0 + 1) + (by - by0), total: totalRows });
      for (let bx = bx0; bx <= bx1; bx++) {
        const index = plane * blocksPerPlane + by * across + bx;
        const raw = await read(l.offsets[index], l.byteCounts[index]);
        // Strips at the bottom hold fewer rows; tiles are always full size.
        const rows = l.tiled ? l.blockHeight : Math.min(l.blockHeight, l.height - by * l.blockHeight);
        const rowSamples = l.blockWidth * samplesInBlock;
        const expected = rowSamples * rows * bytesPerSample;
        let bytes: Uint8Array =
          l.compression === 1
            ? raw.slice(0, expected)
            : l.compression === 5
              ? lzwDecode(raw, expected)
              : inflateChecked(raw, expected);
        if (bytes.length < expected) {
          const padded = new Uint8Array(expected);
          padded.set(bytes);
          bytes = padded;
        }
        if (l.predictor === 3)
          bytes = undoFloatPredictor(bytes, rowSamples, rows, samplesInBlock, bytesPerSample);
        if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
        const block = arrayFor(
          l.sampleFormat,
          l.bitsPerSample,
          bytes.buffer as ArrayBuffer,
          rowSamples * rows,
        );
        if (l.predictor === 2) undoHorizontal(block, rowSamples, rows, samplesInBlock);
        const c0 = Math.max(win.col, bx * l.blockWidth);
        const c1 = Math.min(win.col + win.width, (bx + 1) * l.blockWidth, l.width);
        const r0 = Math.max(win.row, by * l.blockHeight);
        const r1 = Math.min(win.row + win.height, by * l.blockHeight + rows);
        for (let r = r0; r < r1; r++) {
          const srcRow = (r - by * l.blockHeight) * rowSamples;
          const dstRow = (r - win.row) * win.width - win.col;
          if (samplesInBlock === 1) {
            const dst = out[plane];
            const srcStart = srcRow + (c0 - bx * l.blockWidth);
            dst.set(block.subarray(srcStart, srcStart + (c1 - c0)), dstRow + c0);
          } else {
            for (let c = c0; c < c1; c++) {
              const s = srcRow + (c - bx * l.blockWidth) * spp;
              for (let k = 0; k < spp; k++) out[k][dstRow + c] = block[s + k];
            }
          }
        }
      }
    }
  }
  return out;
}
