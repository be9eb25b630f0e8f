import { deflateSync } from 'fflate';
import { AppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';

/** One file of a ZIP: stored as it is (GeoTIFFs, PNGs: compressed already) or deflated (`isDeflated`: text). */
export interface ZipBlobEntry {
  name: string;
  bytes: Uint8Array;
  isDeflated?: boolean;
}

/** CRC-32 (ISO-HDLC, as ZIP uses) lookup tables for slicing by 8 bytes. */
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let s = 1; s < 8; s++) t[s * 256 + n] = (t[(s - 1) * 256 + n] >>> 8) ^ t[t[(s - 1) * 256 + n] & 0xff];
  return t;
})();

/** The CRC-32 of `bytes` continued from `crc` (the CRC of the bytes before them; 0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = CRC_TABLES;
  let c = ~crc;
  let i = 0;
  for (const end = bytes.length - 7; i < end; i += 8) {
    const a = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;

/** A ZIP header: `fixed` bytes of fields, then the name. */
function header(fixed: number, fields: Array<[at: number, value: number, bytes: 2 | 4]>, name: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(fixed + name.length);
  const view = new DataView(out.buffer);
  for (const [at, value, bytes] of fields) {
    if (bytes === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value, true);
  }
  out.set(name, fixed);
  return out;
}

/** MS-DOS date and time of `d` (local time, 2 s steps), as ZIP headers carry them. */
function dosDateTime(d: Date): { date: number; time: number } {
  return {
    date: ((Math.max(d.getFullYear(), 1980) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

/**
 * `entries` as one ZIP file (no data descriptors, no ZIP64), built as a Blob chunk by chunk: each
 * entry's CRC-32 is computed and its bytes copied into Blobs of `chunkBytes` (a Blob copies what it
 * is made of; in a browser into the browser's blob store), so the ZIP is built with progress and can
 * be cancelled, and the Blob is handed over by reference. Progress `{stage: 'zip', done, total}`: bytes
 * of the ZIP built of its whole size, 0 first, the whole size once the Blob is made; `signal` cancels
 * between chunks of ~8 MiB (throws CANCELLED). Over 4 GiB or 65,534 entries: WRITE_FAILED.
 */
export async function writeZipBlob(
  entries: readonly ZipBlobEntry[],
  zipName: string,
  run: RunOptions = {},
  chunkBytes = 2 ** 20,
  now: Date = new Date(),
): Promise<Blob> {
  const enc = new TextEncoder();
  const files = entries.map((e) => {
    const name = enc.encode(e.name);
    const data = e.isDeflated ? deflateSync(e.bytes, { level: 6 }) : e.bytes;
    // Bit 11: the name is UTF-8 (set only where it is not plain ASCII, as fflate does).
    return { name, data, size: e.bytes.length, method: e.isDeflated ? 8 : 0, flags: name.length !== e.name.length ? 0x800 : 0, crc: e.isDeflated ? crc32(e.bytes) : 0 };
  });
  const centralBytes = files.reduce((s, f) => s + CENTRAL_HEADER + f.name.length, 0);
  const total = files.reduce((s, f) => s + LOCAL_HEADER + f.name.length + f.data.length, 0) + centralBytes + END_RECORD;
  if (total > 0xffffffff || files.length > 0xfffe)
    throw new AppError('WRITE_FAILED', `${zipName} would be ${(total / 2 ** 30).toFixed(1)} GiB in ${files.length} files; a ZIP without ZIP64 holds at most 4 GiB and 65,534 files. Download the layers one at a time with the GeoTIFF button beside each layer instead.`);
  const { date, time } = dosDateTime(now);
  const parts: Blob[] = [];
  let done = 0;
  let sinceYield = Number.POSITIVE_INFINITY;
  const step = async (): Promise<void> => {
    run.onProgress?.({ stage: 'zip', done, total });
    if (sinceYield >= 8 * chunkBytes) {
      sinceYield = 0;
      await yieldToEventLoop();
      throwIfAborted(run.signal);
    }
  };
  const common = (f: (typeof files)[number], at: number): Array<[number, number, 2 | 4]> => [
    [at, f.flags, 2],
    [at + 2, f.method, 2],
    [at + 4, time, 2],
    [at + 6, date, 2],
    [at + 8, f.crc, 4],
    [at + 12, f.data.length, 4],
    [at + 16, f.size, 4],
    [at + 20, f.name.length, 2],
  ];
  const offsets: number[] = [];
  for (const f of files) {
    await step();
    offsets.push(done);
    // The local header goes in front of the data once its CRC is known; counted as built with it.
    const dataParts: Blob[] = [];
    let crc = 0;
    for (let at = 0; at < f.data.length; at += chunkBytes) {
      const chunk = f.data.subarray(at, at + chunkBytes) as Uint8Array<ArrayBuffer>;
      if (f.method === 0) crc = crc32(chunk, crc);
      dataParts.push(new Blob([chunk]));
      done += chunk.length;
      sinceYield += chunk.length;
      if (at + chunkBytes < f.data.length) await step();
    }
    if (f.method === 0) f.crc = crc;
    parts.push(new Blob([header(LOCAL_HEADER, [[0, 0x04034b50, 4], [4, 20, 2], ...common(f, 6)], f.name)]), ...dataParts);
    done += LOCAL_HEADER + f.name.length;
  }
  const central = files.map((f, i) => header(CENTRAL_HEADER, [[0, 0x02014b50, 4], [4, 20, 2], [6, 20, 2], ...common(f, 8), [42, offsets[i], 4]], f.name));
  const end = header(END_RECORD, [[0, 0x06054b50, 4], [8, files.length, 2], [10, files.length, 2], [12, centralBytes, 4], [16, done, 4]], new Uint8Array());
  const zip = new Blob([...parts, ...central, end], { type: 'application/zip' });
  if (zip.size !== total) throw new AppError('INTERNAL', `${zipName}: ${zip.size} bytes built, ${total} planned.`);
  done = total;
  run.onProgress?.({ stage: 'zip', done, total });
  return zip;
}
