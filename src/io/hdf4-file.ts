import { unzlibSync } from 'fflate';
import { AppError } from '../core/errors.ts';

/** HDF4 tags this reader uses (hdf.h / htags.h). */
export const TAG = {
  LINKED: 20,
  COMPRESSED: 40,
  CHUNK: 61,
  NT: 106,
  SDD: 701,
  SD: 702,
  NDG: 720,
  VH: 1962,
  VS: 1963,
  VG: 1965,
} as const;

const SPECIAL_BIT = 0x4000;
const SPECIAL_LINKED = 1;
const SPECIAL_COMP = 3;
const SPECIAL_CHUNKED = 5;
const COMP_NONE = 0;
const COMP_RLE = 1;
const COMP_DEFLATE = 4;
const COMP_NAMES: Record<number, string> = { 2: 'N-bit', 3: 'skipping Huffman', 5: 'SZIP', 7: 'JPEG' };

/** One data descriptor: tag/ref and where the element's bytes lie. */
export interface Hdf4Dd {
  tag: number;
  ref: number;
  offset: number;
  length: number;
}

/** An HDF number type: DFNT code, bytes per value and byte order. */
export interface Hdf4NumberType {
  code: number;
  size: number;
  littleEndian: boolean;
}

/** A vdata: name, class, fields and the raw record bytes (big-endian, interlaced). */
export interface Hdf4Vdata {
  ref: number;
  name: string;
  className: string;
  nRecords: number;
  fields: { name: string; type: number; order: number; offset: number }[];
  recordSize: number;
}

/** A vgroup: name, class and its members as tag/ref pairs. */
export interface Hdf4Vgroup {
  ref: number;
  name: string;
  className: string;
  members: { tag: number; ref: number }[];
}

const NT_SIZE: Record<number, number> = { 3: 1, 4: 1, 5: 4, 6: 8, 20: 1, 21: 1, 22: 2, 23: 2, 24: 4, 25: 4 };

/** Bytes per value of a DFNT code (the little-endian flag 0x4000 ignored); 0 when unknown. */
export function ntSize(code: number): number {
  return NT_SIZE[code & ~SPECIAL_BIT] ?? 0;
}

/**
 * The low level of an HDF4 file held in memory: the data descriptor list (with its linked DD
 * blocks), element bytes (linked-block, compressed and chunked special elements resolved),
 * vdatas and vgroups. Throws CORRUPT_HDF naming `fileName` on any structure that does not add up;
 * every loop is bounded by the file size, so damaged files end in an error, never a hang.
 */
export class Hdf4File {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly fileName: string;
  readonly dds: Hdf4Dd[] = [];
  private readonly byKey = new Map<number, Hdf4Dd>();

  constructor(bytes: Uint8Array, fileName: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.fileName = fileName;
    if (bytes.length < 10 || this.view.getUint32(0) !== 0x0e031301)
      throw this.corrupt('it does not start with the HDF4 signature');
    this.readDdList();
  }

  /** A CORRUPT_HDF error naming the file. */
  corrupt(why: string): AppError {
    return new AppError(
      'CORRUPT_HDF',
      `${this.fileName}: the HDF4 structure is damaged or truncated (${why}); download the file again.`,
      { file: this.fileName },
    );
  }

  private readDdList(): void {
    const seen = new Set<number>();
    let at = 4;
    while (at !== 0) {
      if (seen.has(at) || at + 6 > this.bytes.length)
        throw this.corrupt(`DD block at byte ${at} is outside the file`);
      seen.add(at);
      const n = this.view.getUint16(at);
      const next = this.view.getUint32(at + 2);
      if (at + 6 + n * 12 > this.bytes.length) throw this.corrupt(`DD block at byte ${at} runs past the end`);
      for (let i = 0; i < n; i++) {
        const p = at + 6 + i * 12;
        const dd = {
          tag: this.view.getUint16(p),
          ref: this.view.getUint16(p + 2),
          offset: this.view.getUint32(p + 4),
          length: this.view.getUint32(p + 8),
        };
        if (dd.tag === 1 || dd.tag === 0) continue;
        this.dds.push(dd);
        this.byKey.set(dd.tag * 65536 + dd.ref, dd);
      }
      at = next;
    }
  }

  /** The DD of tag/ref, plain or special (tag | 0x4000); undefined when absent. */
  find(tag: number, ref: number): Hdf4Dd | undefined {
    return this.byKey.get(tag * 65536 + ref) ?? this.byKey.get((tag | SPECIAL_BIT) * 65536 + ref);
  }

  /** All DDs of a (base) tag. */
  all(tag: number): Hdf4Dd[] {
    return this.dds.filter((d) => (d.tag & ~SPECIAL_BIT) === tag);
  }

  /** The stored bytes of one DD, checked against the file size (a view, not a copy). */
  raw(dd: Hdf4Dd): Uint8Array {
    if (dd.offset + dd.length > this.bytes.length || dd.offset < 0)
      throw this.corrupt(
        `element ${dd.tag}/${dd.ref} (${dd.length} bytes at ${dd.offset}) runs past the end of the file (${this.bytes.length} bytes)`,
      );
    return this.bytes.subarray(dd.offset, dd.offset + dd.length);
  }

  /**
   * The logical bytes of element tag/ref with linked blocks and compression undone. Chunked
   * elements are not handled here (see `chunkedLayout`). Undefined when the element is absent.
   */
  element(tag: number, ref: number, depth = 0): Uint8Array | undefined {
    const dd = this.find(tag, ref);
    if (!dd) return undefined;
    if (depth > 4) throw this.corrupt(`special element ${tag}/${ref} nests too deep`);
    if ((dd.tag & SPECIAL_BIT) === 0) return this.raw(dd);
    const head = this.raw(dd);
    if (head.length < 2) throw this.corrupt(`special element ${tag}/${ref} has no header`);
    const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const kind = hv.getUint16(0);
    if (kind === SPECIAL_LINKED) return this.linked(hv, tag, ref);
    if (kind === SPECIAL_COMP) return this.compressed(hv, tag, ref, depth);
    if (kind === SPECIAL_CHUNKED)
      throw new AppError(
        'INTERNAL',
        `${this.fileName}: element ${tag}/${ref} is chunked; read it through readSdsBytes.`,
      );
    throw new AppError(
      'UNSUPPORTED_HDF',
      `${this.fileName}: element ${tag}/${ref} uses HDF4 special storage ${kind} (external file or buffered), which this reader does not support; convert the layer with gdal_translate.`,
      { file: this.fileName },
    );
  }

  /** Special code of element tag/ref: 0 plain, 1 linked, 3 compressed, 5 chunked. */
  specialKind(tag: number, ref: number): number {
    const dd = this.find(tag, ref);
    if (!dd || (dd.tag & SPECIAL_BIT) === 0) return 0;
    const head = this.raw(dd);
    if (head.length < 2) throw this.corrupt(`special element ${tag}/${ref} has no header`);
    return (head[0] << 8) | head[1];
  }

  private linked(hv: DataView, tag: number, ref: number): Uint8Array {
    if (hv.byteLength < 16) throw this.corrupt(`linked-block header of ${tag}/${ref} is short`);
    const length = hv.getUint32(2);
    const blockLength = hv.getUint32(6);
    const nPerTable = hv.getUint32(10);
    let linkRef = hv.getUint16(14);
    if (length > this.bytes.length * 64)
      throw this.corrupt(`linked element ${tag}/${ref} claims ${length} bytes`);
    const out = new Uint8Array(length);
    let filled = 0;
    const seen = new Set<number>();
    while (linkRef !== 0 && filled < length) {
      if (seen.has(linkRef)) throw this.corrupt(`linked-block table ${linkRef} loops`);
      seen.add(linkRef);
      const tableDd = this.find(TAG.LINKED, linkRef);
      if (!tableDd) throw this.corrupt(`linked-block table ${linkRef} of ${tag}/${ref} is missing`);
      const t = this.raw(tableDd);
      const tv = new DataView(t.buffer, t.byteOffset, t.byteLength);
      if (t.length < 2 + 2 * nPerTable) throw this.corrupt(`linked-block table ${linkRef} is short`);
      const next = tv.getUint16(0);
      for (let i = 0; i < nPerTable && filled < length; i++) {
        const blockRef = tv.getUint16(2 + 2 * i);
        const blockDd = blockRef === 0 ? undefined : this.find(TAG.LINKED, blockRef);
        // The first block keeps the element's original length; the others are blockLength long.
        const want = Math.min(length - filled, blockDd && filled === 0 ? blockDd.length : blockLength);
        if (blockDd) out.set(this.raw(blockDd).subarray(0, want), filled);
        filled += want;
      }
      linkRef = next;
    }
    return out;
  }

  private compressed(hv: DataView, tag: number, ref: number, depth: number): Uint8Array {
    if (hv.byteLength < 14) throw this.corrupt(`compression header of ${tag}/${ref} is short`);
    const length = hv.getUint32(4);
    const compRef = hv.getUint16(8);
    const coder = hv.getUint16(12);
    if (length > 2 ** 31) throw this.corrupt(`compressed element ${tag}/${ref} claims ${length} bytes`);
    const data = this.element(TAG.COMPRESSED, compRef, depth + 1);
    if (!data) return new Uint8Array(0);
    if (coder === COMP_NONE) return data.subarray(0, length);
    if (coder === COMP_DEFLATE) {
      let out: Uint8Array;
      try {
        out = unzlibSync(data, { out: new Uint8Array(length) });
      } catch (e) {
        throw Object.assign(
          this.corrupt(`Deflate data of ${tag}/${ref} cannot be inflated: ${(e as Error).message}`),
          { cause: e },
        );
      }
      return out;
    }
    if (coder === COMP_RLE) return this.unRle(data, length, tag, ref);
    throw new AppError(
      'UNSUPPORTED_HDF',
      `${this.fileName}: element ${tag}/${ref} is ${COMP_NAMES[coder] ?? `type-${coder}`} compressed, which this reader does not decode; convert the layer with gdal_translate.`,
      { file: this.fileName },
    );
  }

  private unRle(data: Uint8Array, length: number, tag: number, ref: number): Uint8Array {
    const out = new Uint8Array(length);
    let i = 0;
    let o = 0;
    while (o < length) {
      if (i >= data.length) throw this.corrupt(`RLE data of ${tag}/${ref} ends early`);
      const c = data[i++];
      if (c & 0x80) {
        const n = (c & 0x7f) + 3;
        if (i >= data.length) throw this.corrupt(`RLE data of ${tag}/${ref} ends early`);
        out.fill(data[i++], o, Math.min(length, o + n));
        o += n;
      } else {
        const n = c + 1;
        if (i + n > data.length) throw this.corrupt(`RLE data of ${tag}/${ref} ends early`);
        out.set(data.subarray(i, i + Math.min(n, length - o)), o);
        i += n;
        o += n;
      }
    }
    return out;
  }

  /** Parses a vdata header (VH tag) by ref. */
  vdata(ref: number): Hdf4Vdata {
    const b = this.element(TAG.VH, ref);
    if (!b) throw this.corrupt(`vdata ${ref} is missing`);
    const r = new Cursor(b, this, `vdata ${ref}`);
    r.u16(); // interlace
    const nRecords = r.u32();
    const recordSize = r.u16();
    const n = r.u16();
    const types = r.u16s(n);
    r.u16s(n); // isize
    const offsets = r.u16s(n);
    const orders = r.u16s(n);
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(r.str(r.u16()));
    const name = r.str(r.u16());
    const className = r.str(r.u16());
    const fields = names.map((fname, i) => ({
      name: fname,
      type: types[i],
      order: orders[i],
      offset: offsets[i],
    }));
    return { ref, name, className, nRecords, fields, recordSize };
  }

  /** The record bytes of a vdata (VS tag), or an empty array when none were written. */
  vdataRecords(v: Hdf4Vdata): Uint8Array {
    const b = this.element(TAG.VS, v.ref) ?? new Uint8Array(0);
    if (b.length < v.nRecords * v.recordSize)
      throw this.corrupt(`vdata ${v.name} holds ${b.length} of ${v.nRecords * v.recordSize} bytes`);
    return b;
  }

  /** Parses a vgroup (VG tag) by ref. */
  vgroup(ref: number): Hdf4Vgroup {
    const b = this.element(TAG.VG, ref);
    if (!b) throw this.corrupt(`vgroup ${ref} is missing`);
    const r = new Cursor(b, this, `vgroup ${ref}`);
    const n = r.u16();
    const tags = r.u16s(n);
    const refs = r.u16s(n);
    const name = r.str(r.u16());
    const className = r.str(r.u16());
    return { ref, name, className, members: tags.map((tag, i) => ({ tag, ref: refs[i] })) };
  }

  /** Parses a number type element (NT tag). */
  numberType(ref: number): Hdf4NumberType {
    const b = this.element(TAG.NT, ref);
    if (!b || b.length < 4) throw this.corrupt(`number type ${ref} is missing`);
    const code = b[1];
    const size = ntSize(code);
    if (size === 0)
      throw new AppError(
        'UNSUPPORTED_HDF',
        `${this.fileName}: number type ${code} is not supported; convert the layer with gdal_translate.`,
        { file: this.fileName },
      );
    // Class byte: 1 = big-endian (HDF default), 4 = little-endian (PC); floats: 1 IEEE BE, 4 IEEE LE.
    return { code, size, littleEndian: b[3] === 4 };
  }
}

/** A bounds-checked big-endian reader over one element. */
export class Cursor {
  private at = 0;
  private readonly v: DataView;

  constructor(
    private readonly b: Uint8Array,
    private readonly file: Hdf4File,
    private readonly what: string,
  ) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.b.length) throw this.file.corrupt(`${this.what} is shorter than its header says`);
  }

  u8(): number {
    this.need(1);
    return this.b[this.at++];
  }

  u16(): number {
    this.need(2);
    const x = this.v.getUint16(this.at);
    this.at += 2;
    return x;
  }

  u32(): number {
    this.need(4);
    const x = this.v.getUint32(this.at);
    this.at += 4;
    return x;
  }

  i32(): number {
    this.need(4);
    const x = this.v.getInt32(this.at);
    this.at += 4;
    return x;
  }

  u16s(n: number): number[] {
    this.need(2 * n);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.u16());
    return out;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  str(n: number): string {
    return latin1(this.bytes(n));
  }
}

/** Decodes bytes as latin-1 text, dropping trailing NULs. */
export function latin1(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  let s = '';
  for (let i = 0; i < end; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(end, i + 8192)));
  return s;
}
