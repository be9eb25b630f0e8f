import type { PixelWindow } from '../core/geo/grid.ts';
import { throwIfAborted, type Progress } from '../core/progress.ts';
import {
  BLOCK_COMPRESSIONS,
  canUndoFloatInto,
  decompressBlockAsync,
  finishBlock,
  halfToFloat,
  prepareCodec,
  undoFloatPredictorInto,
  type BlockForm,
} from './block-codecs.ts';
import type { BlockSpan, DeflateCodec, FileRange } from './deflate-codec.ts';

/** A file open in this process (descriptor `fd`, `size` bytes) whose blocks the codec's threads read themselves. */
export interface OpenFile {
  fd: number;
  size: number;
}

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

function arrayFor(format: number, bits: number, buffer: ArrayBuffer, length: number, at = 0): SampleArray {
  if (format === 3 && bits === 16) return halfToFloat(new Uint16Array(buffer, at, length));
  if (format === 3)
    return bits === 64 ? new Float64Array(buffer, at, length) : new Float32Array(buffer, at, length);
  if (format === 2)
    return bits === 8
      ? new Int8Array(buffer, at, length)
      : bits === 16
        ? new Int16Array(buffer, at, length)
        : new Int32Array(buffer, at, length);
  return bits === 8
    ? new Uint8Array(buffer, at, length)
    : bits === 16
      ? new Uint16Array(buffer, at, length)
      : new Uint32Array(buffer, at, length);
}

function allocate(format: number, bits: number, length: number): SampleArray {
  // Half floats are widened to float32.
  if (format === 3 && bits === 16) return new Float32Array(length);
  return arrayFor(format, bits, new ArrayBuffer(length * (bits / 8)), length);
}

/** Decoded bytes the blocks of one `decodeBlocks` request hold at most (one block at least). */
const GROUP_BYTES = 2 ** 21;
/** `decodeBlocks` requests one `decodeWindow` keeps in flight: the workers stay busy, memory stays bounded. */
const GROUPS_IN_FLIGHT = 4;

/**
 * The byte range the stored blocks `(starts[i], lengths[i])` span, their total, and whether they lie
 * (nearly) back to back, as writers store a row of blocks, so that one read of the range serves them.
 * A loop, not Math.min(...starts): a group of tiny strips can hold more blocks than a call takes arguments.
 */
function storedRange(starts: ArrayLike<number>, lengths: ArrayLike<number>): { lo: number; hi: number; together: boolean } {
  let lo = Infinity;
  let hi = 0;
  let total = 0;
  for (let i = 0; i < starts.length; i++) {
    lo = Math.min(lo, starts[i]);
    hi = Math.max(hi, starts[i] + lengths[i]);
    total += lengths[i];
  }
  return { lo, hi, together: hi - lo <= total + (total >> 3) + 4096 };
}

/**
 * Decodes the pixels of `win` from a (Big)TIFF's blocks into one array per band, typed like the
 * samples. `read(offset, length, into?)` returns the raw block bytes (read into `into`, a view of
 * it, where the reader can: then a row of blocks stored together is read at once into one of two
 * buffers reused from row to row). Checks `signal` and reports
 * progress (stage 'decode', block rows done) between block rows. Deflate blocks are decoded whole
 * (inflated, predictor and byte order undone) by `codec.decodeBlocks` where the codec has it (the
 * browser's deflate workers, the CLI's read workers; `signal` handed on, so a cancel stops the groups in flight
 * there too), a few groups of blocks in flight, and only placed into the bands
 * here; with `source` (the file as a Blob, which `read` reads) the workers read the groups' stored
 * bytes from it themselves, as they do from `source` an `OpenFile` (Node's worker threads) for
 * groups stored back to back. Else they are inflated by `codec` (a row of blocks at once; see
 * `decompressBlockAsync`), or by fflate here, and finished here. On the workers' path
 * `onRowsPlaced(bands, band, from, to)` is told each time samples `from`..`to` of `bands[band]`
 * (whole rows of the window) are all placed, while later blocks are still being decoded.
 */
export async function decodeWindow(
  l: BlockLayout,
  win: PixelWindow,
  read: (offset: number, length: number, into?: Uint8Array) => Promise<Uint8Array> | Uint8Array,
  signal?: AbortSignal,
  onProgress?: (p: Progress) => void,
  codec?: DeflateCodec,
  source?: Blob | OpenFile,
  onRowsPlaced?: (bands: readonly SampleArray[], band: number, from: number, to: number) => void,
): Promise<SampleArray[]> {
  await prepareCodec(l.compression);
  const spp = l.samplesPerPixel;
  const bytesPerSample = l.bitsPerSample / 8;
  const onWorkers = !!codec?.decodeBlocks && (l.compression === 8 || l.compression === 32946);
  const length = win.width * win.height;
  // Bands touched first on a worker where the codec offers it (half floats widen to float32).
  const sampleBytes = l.sampleFormat === 3 && l.bitsPerSample === 16 ? 4 : l.bitsPerSample / 8;
  const touched = onWorkers && codec.touchedBuffer ? codec.touchedBuffer.bind(codec) : undefined;
  const bands: Promise<SampleArray[]> | undefined = touched
    ? Promise.all(Array.from({ length: spp }, () => touched(length * sampleBytes))).then((buffers) =>
        buffers.map((b) =>
          sampleBytes === 4 && l.bitsPerSample === 16 ? new Float32Array(b, 0, length) : arrayFor(l.sampleFormat, l.bitsPerSample, b, length),
        ),
      )
    : undefined;
  bands?.catch(() => undefined);
  // Awaited before the first block is placed, while the first blocks decode.
  let out: SampleArray[] = bands ? [] : Array.from({ length: spp }, () => allocate(l.sampleFormat, l.bitsPerSample, length));
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
  const rowSamples = l.blockWidth * samplesInBlock;
  const form: BlockForm = {
    compression: l.compression,
    predictor: l.predictor,
    bytesPerSample,
    rowSamples,
    samplesInBlock,
    littleEndian: l.littleEndian,
  };
  // Strips at the bottom hold fewer rows; tiles are always full size.
  const rowsOf = (by: number) => (l.tiled ? l.blockHeight : Math.min(l.blockHeight, l.height - by * l.blockHeight));
  /** The window's part of block (plane, by, bx), native-order samples (aligned to their size), into the bands. */
  const place = (bytes: Uint8Array, plane: number, by: number, bx: number): void => {
    const rows = rowsOf(by);
    const c0 = Math.max(win.col, bx * l.blockWidth);
    const c1 = Math.min(win.col + win.width, (bx + 1) * l.blockWidth, l.width);
    const r0 = Math.max(win.row, by * l.blockHeight);
    const r1 = Math.min(win.row + win.height, by * l.blockHeight + rows);
    const block = arrayFor(l.sampleFormat, l.bitsPerSample, bytes.buffer as ArrayBuffer, rowSamples * rows, bytes.byteOffset);
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
  };

  if (onWorkers) {
    const decodeBlocks = codec.decodeBlocks!.bind(codec);
    interface Job {
      index: number;
      plane: number;
      by: number;
      bx: number;
    }
    // The window's blocks in file order, in groups of about GROUP_BYTES decoded.
    const groups: Job[][] = [];
    let group: Job[] = [];
    let groupBytes = 0;
    for (let plane = 0; plane < planes; plane++)
      for (let by = by0; by <= by1; by++)
        for (let bx = bx0; bx <= bx1; bx++) {
          const bytes = rowSamples * rowsOf(by) * bytesPerSample;
          if (group.length > 0 && groupBytes + bytes > GROUP_BYTES) {
            groups.push(group);
            group = [];
            groupBytes = 0;
          }
          group.push({ index: plane * blocksPerPlane + by * across + bx, plane, by, bx });
          groupBytes += bytes;
        }
    if (group.length > 0) groups.push(group);
    const rowIndex = (j: Job) => j.plane * (by1 - by0 + 1) + (j.by - by0);
    const sourceSize = source?.size ?? 0;
    const file = source && 'fd' in source ? source : undefined;
    const blob = source && !('fd' in source) ? source : undefined;
    const send = async (jobs: Job[]): Promise<Uint8Array[]> => {
      const starts = jobs.map((j) => l.offsets[j.index]);
      const lengths = jobs.map((j) => l.byteCounts[j.index]);
      const { lo, hi, together } = storedRange(starts, lengths);
      // Where each block lies in what the workers get: the range read whole, or the blocks joined.
      const spans: BlockSpan[] = [];
      for (let i = 0, at = 0; i < jobs.length; at += lengths[i], i++)
        spans.push({ start: together ? starts[i] - lo : at, length: lengths[i], rows: rowsOf(jobs[i].by) });
      let raw: Uint8Array | Blob | FileRange;
      if (blob && hi <= sourceSize) {
        // The workers read the stored bytes themselves: a slice of the file, or the blocks' slices joined (no bytes read here).
        raw = together ? blob.slice(lo, hi) : new Blob(jobs.map((_, i) => blob.slice(starts[i], starts[i] + lengths[i])));
      } else if (file && together && hi <= sourceSize) {
        raw = { fd: file.fd, offset: lo, length: hi - lo };
      } else if (together) {
        // One read, one message.
        raw = await read(lo, hi - lo);
      } else {
        const joined = new Uint8Array(spans.reduce((n, sp) => n + sp.length, 0));
        for (let i = 0; i < jobs.length; i++) joined.set(await read(starts[i], lengths[i]), spans[i].start);
        raw = joined;
      }
      return decodeBlocks(raw, spans, form, signal);
    };
    // Blocks placed per row of blocks: once a row's are all in, its rows of the bands are done.
    const placedInRow = new Int32Array(totalRows);
    const rowDone = (j: Job): void => {
      if (++placedInRow[rowIndex(j)] < bx1 - bx0 + 1 || !onRowsPlaced) return;
      const r0 = Math.max(win.row, j.by * l.blockHeight) - win.row;
      const r1 = Math.min(win.row + win.height, j.by * l.blockHeight + rowsOf(j.by)) - win.row;
      for (let b = l.planar === 2 ? j.plane : 0; b < (l.planar === 2 ? j.plane + 1 : spp); b++) onRowsPlaced(out, b, r0 * win.width, r1 * win.width);
    };
    const inFlight: Promise<Uint8Array[]>[] = [];
    let next = 0;
    try {
      for (let g = 0; g < groups.length; g++) {
        while (next < groups.length && next < g + GROUPS_IN_FLIGHT) {
          throwIfAborted(signal);
          const p = send(groups[next++]);
          p.catch(() => undefined);
          inFlight.push(p);
        }
        onProgress?.({ stage: 'decode', done: rowIndex(groups[g][0]), total: totalRows });
        const blocks = await inFlight[g];
        if (bands && out.length === 0) out = await bands;
        throwIfAborted(signal);
        if (blocks.length !== groups[g].length) throw new Error(`${groups[g].length} blocks sent to decode, ${blocks.length} back`);
        groups[g].forEach((j, i) => place(blocks[i], j.plane, j.by, j.bx));
        codec.reuseDecoded?.(blocks);
        for (const j of groups[g]) rowDone(j);
        inFlight[g] = Promise.resolve([]);
      }
    } finally {
      // What is still in flight after a failure is dropped (its errors are already caught).
      inFlight.length = 0;
    }
    return bands && out.length === 0 ? await bands : out;
  }

  const rowsPerPlane = by1 - by0 + 1;
  // Where the reader can read into a buffer (a file read piece by piece): a row of blocks stored
  // back to back is read at once into one of two buffers used in turn. Row k's buffer is read into
  // again only for row k + 2, once every block of row k has been inflated (see the loop below).
  const rowBuffers: Array<Uint8Array | undefined> = [undefined, undefined];
  const readRow = async (k: number, indices: number[]): Promise<Uint8Array[]> => {
    const { lo, hi, together } = storedRange(
      indices.map((i) => l.offsets[i]),
      indices.map((i) => l.byteCounts[i]),
    );
    if (!together) return Promise.all(indices.map((i) => read(l.offsets[i], l.byteCounts[i])));
    let buf = rowBuffers[k % 2];
    if (!buf || buf.length < hi - lo) buf = rowBuffers[k % 2] = new Uint8Array(Math.ceil((hi - lo) * 1.25));
    const bytes = await read(lo, hi - lo, buf);
    return indices.map((i) => bytes.subarray(l.offsets[i] - lo, l.offsets[i] - lo + l.byteCounts[i]));
  };
  // A row's blocks inflate together (on other threads with a native codec).
  const startRow = async (k: number): Promise<Promise<Uint8Array>[]> => {
    const plane = Math.floor(k / rowsPerPlane);
    const by = by0 + (k % rowsPerPlane);
    const expected = rowSamples * rowsOf(by) * bytesPerSample;
    const indices: number[] = [];
    for (let bx = bx0; bx <= bx1; bx++) indices.push(plane * blocksPerPlane + by * across + bx);
    const raws = await readRow(k, indices);
    return raws.map((raw) => {
      const p = decompressBlockAsync(raw, l.compression, expected, codec);
      p.catch(() => undefined);
      return p;
    });
  };
  let rowScratch: Uint32Array | undefined;
  let next = startRow(0);
  for (let k = 0; k < totalRows; k++) {
    const plane = Math.floor(k / rowsPerPlane);
    const by = by0 + (k % rowsPerPlane);
    throwIfAborted(signal);
    onProgress?.({ stage: 'decode', done: k, total: totalRows });
    const rows = rowsOf(by);
    const inflated = await next;
    // The next row's blocks are read and sent to inflate before this row is decoded, so that the
    // codec's threads inflate while this thread decodes (one row ahead at most).
    next = k + 1 < totalRows ? startRow(k + 1) : Promise.resolve([]);
    next.catch(() => undefined);
    for (let bx = bx0; bx <= bx1; bx++) {
      const bytes = await inflated[bx - bx0];
      if (l.predictor === 3 && canUndoFloatInto(bytes, rowSamples, samplesInBlock, bytesPerSample)) {
        // Float32 planes: undone row by row into the band itself (no block-sized array, no copy).
        const c0 = Math.max(win.col, bx * l.blockWidth);
        const c1 = Math.min(win.col + win.width, (bx + 1) * l.blockWidth, l.width);
        const r0 = Math.max(win.row, by * l.blockHeight);
        const r1 = Math.min(win.row + win.height, by * l.blockHeight + rows);
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
      place(finishBlock(bytes, form, rows), plane, by, bx);
    }
  }
  return out;
}
