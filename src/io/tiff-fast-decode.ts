import type { PixelWindow } from '../core/geo/grid.ts';
import { throwIfAborted, type Progress } from '../core/progress.ts';
import {
  BLOCK_COMPRESSIONS,
  canUndoFloatInto,
  decompressBlockAsync,
  halfToFloat,
  prepareCodec,
  swapBytes,
  undoFloatPredictor,
  undoFloatPredictorInto,
  undoHorizontal,
} from './block-codecs.ts';
import type { DeflateCodec } from './deflate-codec.ts';

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
 * True when `decodeWindow` handles this layout: either byte order, uncompressed, LZW, Deflate or
 * ZSTD, predictor 1/2 (any samples) or 3 (floats), 8/16/32/64-bit samples including half floats,
 * and one offset and byte count per block. Everything else goes through geotiff.js.
 */
export function canDecodeFast(l: BlockLayout): boolean {
  return (
    BLOCK_COMPRESSIONS.has(l.compression) &&
    [1, 2, 3].includes(l.predictor) &&
    [8, 16, 32, 64].includes(l.bitsPerSample) &&
    (l.predictor !== 3 || l.sampleFormat === 3) &&
    l.offsets.length === l.byteCounts.length
  );
}

function arrayFor(format: number, bits: number, buffer: ArrayBuffer, length: number): SampleArray {
  if (format === 3 && bits === 16) return halfToFloat(new Uint16Array(buffer, 0, length));
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
  // Half floats are widened to float32.
  if (format === 3 && bits === 16) return new Float32Array(length);
  return arrayFor(format, bits, new ArrayBuffer(length * (bits / 8)), length);
}

/**
 * Decodes the pixels of `win` from a (Big)TIFF's blocks into one array per band, typed like the
 * samples. `read(offset, length)` returns the raw block bytes. Checks `signal` and reports
 * progress (stage 'decode', block rows done) between block rows. Deflate blocks are inflated by
 * `codec` (a row of blocks at once; see `decompressBlockAsync`), else by fflate here.
 */
export async function decodeWindow(
  l: BlockLayout,
  win: PixelWindow,
  read: (offset: number, length: number) => Promise<Uint8Array> | Uint8Array,
  signal?: AbortSignal,
  onProgress?: (p: Progress) => void,
  codec?: DeflateCodec,
): Promise<SampleArray[]> {
  await prepareCodec(l.compression);
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
  const rowsPerPlane = by1 - by0 + 1;
  const totalRows = planes * rowsPerPlane;
  const rowSamples = l.blockWidth * samplesInBlock;
  // Strips at the bottom hold fewer rows; tiles are always full size.
  const rowsIn = (by: number) =>
    l.tiled ? l.blockHeight : Math.min(l.blockHeight, l.height - by * l.blockHeight);
  // A row's blocks inflate together (on other threads with a native codec).
  const startRow = async (k: number): Promise<Promise<Uint8Array>[]> => {
    const plane = Math.floor(k / rowsPerPlane);
    const by = by0 + (k % rowsPerPlane);
    const expected = rowSamples * rowsIn(by) * bytesPerSample;
    const inflated: Promise<Uint8Array>[] = [];
    for (let bx = bx0; bx <= bx1; bx++) {
      const index = plane * blocksPerPlane + by * across + bx;
      const raw = await read(l.offsets[index], l.byteCounts[index]);
      const p = decompressBlockAsync(raw, l.compression, expected, codec);
      p.catch(() => undefined);
      inflated.push(p);
    }
    return inflated;
  };
  let rowScratch: Uint32Array | undefined;
  let next = startRow(0);
  for (let k = 0; k < totalRows; k++) {
    const plane = Math.floor(k / rowsPerPlane);
    const by = by0 + (k % rowsPerPlane);
    throwIfAborted(signal);
    onProgress?.({ stage: 'decode', done: k, total: totalRows });
    const rows = rowsIn(by);
    const inflated = await next;
    // The next row's blocks are read and sent to inflate before this row is decoded, so that the
    // codec's threads inflate while this thread decodes (one row ahead at most).
    next = k + 1 < totalRows ? startRow(k + 1) : Promise.resolve([]);
    next.catch(() => undefined);
    for (let bx = bx0; bx <= bx1; bx++) {
      let bytes = await inflated[bx - bx0];
      const c0 = Math.max(win.col, bx * l.blockWidth);
      const c1 = Math.min(win.col + win.width, (bx + 1) * l.blockWidth, l.width);
      const r0 = Math.max(win.row, by * l.blockHeight);
      const r1 = Math.min(win.row + win.height, by * l.blockHeight + rows);
      if (l.predictor === 3 && canUndoFloatInto(bytes, rowSamples, samplesInBlock, bytesPerSample)) {
        // Float32 planes: undone row by row into the band itself (no block-sized array, no copy).
        const dst = out[plane];
        rowScratch ??= new Uint32Array(rowSamples);
        undoFloatPredictorInto(
          bytes,
          rowSamples,
          [r0 - by * l.blockHeight, r1 - by * l.blockHeight],
          [c0 - bx * l.blockWidth, c1 - bx * l.blockWidth],
          new Uint32Array(dst.buffer, dst.byteOffset, dst.length),
          (r0 - win.row) * win.width + (c0 - win.col),
          win.width,
          rowScratch,
        );
        continue;
      }
      if (l.predictor === 3)
        bytes = undoFloatPredictor(bytes, rowSamples, rows, samplesInBlock, bytesPerSample);
      else if (!l.littleEndian) swapBytes(bytes, bytesPerSample);
      if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
      if (l.predictor === 2) undoHorizontal(bytes, bytesPerSample, rowSamples, rows, samplesInBlock);
      const block = arrayFor(l.sampleFormat, l.bitsPerSample, bytes.buffer as ArrayBuffer, rowSamples * rows);
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
            for (let j = 0; j < spp; j++) out[j][dstRow + c] = block[s + j];
          }
        }
      }
    }
  }
  return out;
}
