import { AppError } from '../core/errors.ts';
import { Cursor, Hdf4File, latin1, ntSize, TAG, type Hdf4NumberType, type Hdf4Vdata } from './hdf4-file.ts';

/** An attribute value: text for character attributes, numbers otherwise. */
export type Hdf4AttrValue = string | number[];

/** One scientific data set as catalogued (nothing decoded yet). */
export interface Hdf4Sds {
  name: string;
  /** Dimension sizes, slowest first (rows before columns). */
  dims: number[];
  dimNames: string[];
  numberType: Hdf4NumberType;
  /** Ref of the SD data element; undefined when no data were written (all fill). */
  dataRef?: number;
  /** NDG ref (HDF-EOS grids list their fields by it). */
  ndgRef?: number;
  attributes: Record<string, Hdf4AttrValue>;
}

/** The SDS catalogue of a file plus its file-level attributes. */
export interface Hdf4Catalog {
  sds: Hdf4Sds[];
  globalAttributes: Record<string, Hdf4AttrValue>;
}

function readValues(
  bytes: Uint8Array,
  type: number,
  count: number,
  offset: number,
  littleEndian = false,
): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = ntSize(type);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = offset + i * size;
    switch (type & ~0x4000) {
      case 20:
        out.push(v.getInt8(p));
        break;
      case 3:
      case 4:
      case 21:
        out.push(v.getUint8(p));
        break;
      case 22:
        out.push(v.getInt16(p, littleEndian));
        break;
      case 23:
        out.push(v.getUint16(p, littleEndian));
        break;
      case 24:
        out.push(v.getInt32(p, littleEndian));
        break;
      case 25:
        out.push(v.getUint32(p, littleEndian));
        break;
      case 5:
        out.push(v.getFloat32(p, littleEndian));
        break;
      case 6:
        out.push(v.getFloat64(p, littleEndian));
        break;
      default:
        out.push(Number.NaN);
    }
  }
  return out;
}

/** Reads an `Attr0.0` vdata into name and value. */
function readAttribute(f: Hdf4File, vd: Hdf4Vdata): [string, Hdf4AttrValue] | undefined {
  const field = vd.fields[0];
  if (!field || ntSize(field.type) === 0) return undefined;
  const rec = f.vdataRecords(vd);
  const count = field.order * vd.nRecords;
  if (count * ntSize(field.type) > rec.length)
    throw f.corrupt(`attribute ${vd.name} is shorter than declared`);
  const isText = (field.type & ~0x4000) === 4 || (field.type & ~0x4000) === 3;
  return [vd.name, isText ? latin1(rec.subarray(0, count)) : readValues(rec, field.type, count, 0)];
}

/**
 * Lists every SDS of the file (vgroups of class `Var0.0` with their NDG/SDD, number type,
 * dimensions and attributes) and the file attributes (StructMetadata.0, CoreMetadata.0, ...).
 * Dimension-scale variables (rank 1) are skipped.
 */
export function catalogHdf4(f: Hdf4File): Hdf4Catalog {
  const sds: Hdf4Sds[] = [];
  const globalAttributes: Record<string, Hdf4AttrValue> = {};
  for (const dd of f.all(TAG.VG)) {
    const g = f.vgroup(dd.ref);
    if (g.className === 'CDF0.0') {
      for (const m of g.members) {
        if (m.tag !== TAG.VH) continue;
        const vd = f.vdata(m.ref);
        if (vd.className !== 'Attr0.0') continue;
        const a = readAttribute(f, vd);
        if (a) globalAttributes[a[0]] = a[1];
      }
    }
    if (g.className !== 'Var0.0') continue;
    const attributes: Record<string, Hdf4AttrValue> = {};
    const dimNames: string[] = [];
    let ndgRef: number | undefined;
    let dataRef: number | undefined;
    let sddRef: number | undefined;
    for (const m of g.members) {
      if (m.tag === TAG.VH) {
        const vd = f.vdata(m.ref);
        if (vd.className !== 'Attr0.0') continue;
        const a = readAttribute(f, vd);
        if (a) attributes[a[0]] = a[1];
      } else if (m.tag === TAG.VG) {
        const dim = f.vgroup(m.ref);
        if (dim.className === 'Dim0.0' || dim.className === 'UDim0.0') dimNames.push(dim.name);
      } else if (m.tag === TAG.NDG) ndgRef = m.ref;
      else if (m.tag === TAG.SD) dataRef = m.ref;
      else if (m.tag === TAG.SDD) sddRef = m.ref;
    }
    if (ndgRef !== undefined) {
      const ndg = f.element(TAG.NDG, ndgRef);
      if (!ndg) throw f.corrupt(`data group ${ndgRef} of ${g.name} is missing`);
      for (let p = 0; p + 4 <= ndg.length; p += 4) {
        const tag = (ndg[p] << 8) | ndg[p + 1];
        const ref = (ndg[p + 2] << 8) | ndg[p + 3];
        if (tag === TAG.SDD) sddRef = ref;
        if (tag === TAG.SD) dataRef = ref;
      }
    }
    if (sddRef === undefined) continue;
    const sdd = f.element(TAG.SDD, sddRef);
    if (!sdd) throw f.corrupt(`dimension record ${sddRef} of ${g.name} is missing`);
    const c = new Cursor(sdd, f, `dimension record of ${g.name}`);
    const rank = c.u16();
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(c.u32());
    c.u16(); // NT tag
    const ntRef = c.u16();
    if (rank < 2) continue;
    sds.push({
      name: g.name,
      dims,
      dimNames,
      numberType: f.numberType(ntRef),
      ...(dataRef !== undefined ? { dataRef } : {}),
      ...(ndgRef !== undefined ? { ndgRef } : {}),
      attributes,
    });
  }
  return { sds, globalAttributes };
}

/**
 * The raw bytes of an SDS in row-major order (file byte order, `numberType.size` bytes per value),
 * with compression and chunking undone. Chunks or data never written hold the fill value.
 */
export function readSdsBytes(f: Hdf4File, s: Hdf4Sds): Uint8Array {
  const n = s.dims.reduce((a, b) => a * b, 1);
  const size = s.numberType.size;
  if (n * size > 2 ** 31)
    throw new AppError('TOO_LARGE', `${f.fileName}: ${s.name} holds ${n} values, too many to read at once.`, {
      file: f.fileName,
    });
  if (s.dataRef === undefined) return filled(n, size, fillBytes(s));
  if (f.specialKind(TAG.SD, s.dataRef) === 5) return readChunked(f, s, n);
  const b = f.element(TAG.SD, s.dataRef);
  if (!b) return filled(n, size, fillBytes(s));
  if (b.length < n * size) throw f.corrupt(`${s.name} holds ${b.length} of its ${n * size} bytes`);
  return b.subarray(0, n * size);
}

function fillBytes(s: Hdf4Sds): Uint8Array {
  const out = new Uint8Array(s.numberType.size);
  const fv = s.attributes._FillValue;
  if (!Array.isArray(fv) || fv.length === 0) return out;
  const v = new DataView(out.buffer);
  const le = s.numberType.littleEndian;
  switch (s.numberType.code) {
    case 20:
      v.setInt8(0, fv[0]);
      break;
    case 3:
    case 4:
    case 21:
      v.setUint8(0, fv[0]);
      break;
    case 22:
      v.setInt16(0, fv[0], le);
      break;
    case 23:
      v.setUint16(0, fv[0], le);
      break;
    case 24:
      v.setInt32(0, fv[0], le);
      break;
    case 25:
      v.setUint32(0, fv[0], le);
      break;
    case 5:
      v.setFloat32(0, fv[0], le);
      break;
    case 6:
      v.setFloat64(0, fv[0], le);
      break;
  }
  return out;
}

function filled(n: number, size: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(n * size);
  if (value.every((b) => b === 0)) return out;
  out.set(value, 0);
  for (let have = size; have < out.length; have *= 2)
    out.copyWithin(have, 0, Math.min(have, out.length - have));
  return out;
}

function readChunked(f: Hdf4File, s: Hdf4Sds, n: number): Uint8Array {
  const head = f.raw(f.find(TAG.SD, s.dataRef!)!);
  const c = new Cursor(head, f, `chunk header of ${s.name}`);
  c.u16(); // special code
  c.u32(); // header length
  c.u8(); // version
  c.u32(); // flag
  c.u32(); // element length
  const chunkValues = c.u32();
  const ntBytes = c.u32();
  c.u16(); // chunk table tag (VH)
  const tableRef = c.u16();
  c.u16(); // special tag
  c.u16(); // special ref
  const rank = c.i32();
  if (rank !== s.dims.length || ntBytes !== s.numberType.size)
    throw f.corrupt(`chunk header of ${s.name} disagrees with its dimensions`);
  const chunkDims: number[] = [];
  for (let i = 0; i < rank; i++) {
    c.u32();
    c.u32();
    chunkDims.push(c.u32());
  }
  const fillLen = c.u32();
  const fill = fillLen === ntBytes ? c.bytes(fillLen) : fillBytes(s);
  if (chunkDims.some((d) => d <= 0) || chunkDims.reduce((a, b) => a * b, 1) !== chunkValues)
    throw f.corrupt(`chunk sizes of ${s.name} do not add up`);
  const out = filled(n, ntBytes, fill);
  const table = f.vdata(tableRef);
  const rec = f.vdataRecords(table);
  const originField = table.fields.find((x) => x.name === 'origin') ?? table.fields[0];
  const tagField = table.fields.find((x) => x.name === 'chk_tag') ?? table.fields[1];
  const refField = table.fields.find((x) => x.name === 'chk_ref') ?? table.fields[2];
  if (!originField || !tagField || !refField) throw f.corrupt(`chunk table of ${s.name} lacks fields`);
  const chunkBytes = chunkValues * ntBytes;
  const strides = s.dims.map((_, i) => s.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let r = 0; r < table.nRecords; r++) {
    const base = r * table.recordSize;
    const origin = readValues(rec, originField.type, rank, base + originField.offset);
    const [tag] = readValues(rec, tagField.type, 1, base + tagField.offset);
    const [ref] = readValues(rec, refField.type, 1, base + refField.offset);
    const data = f.element(tag, ref);
    if (!data) continue;
    if (data.length < chunkBytes)
      throw f.corrupt(`chunk ${r} of ${s.name} holds ${data.length} of ${chunkBytes} bytes`);
    copyChunk(out, data, origin, chunkDims, s.dims, strides, ntBytes, f, s.name);
  }
  return out;
}

/** Copies one chunk (row-major within the chunk, padded at the edges) into the full array. */
function copyChunk(
  out: Uint8Array,
  data: Uint8Array,
  origin: number[],
  chunkDims: number[],
  dims: number[],
  strides: number[],
  size: number,
  f: Hdf4File,
  name: string,
): void {
  const rank = dims.length;
  const start = origin.map((o, i) => o * chunkDims[i]);
  if (start.some((st, i) => st >= dims[i] || st < 0))
    throw f.corrupt(`a chunk of ${name} lies outside its dimensions`);
  const count = start.map((st, i) => Math.min(chunkDims[i], dims[i] - st));
  const rowBytes = count[rank - 1] * size;
  // Walk every "row" (last dimension) of the chunk.
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    let src = 0;
    let dst = start[rank - 1];
    let cstride = chunkDims[rank - 1];
    for (let d = rank - 2; d >= 0; d--) {
      src += idx[d] * cstride;
      cstride *= chunkDims[d];
      dst += (start[d] + idx[d]) * strides[d];
    }
    out.set(data.subarray(src * size, src * size + rowBytes), dst * size);
    let d = rank - 2;
    while (d >= 0 && ++idx[d] >= count[d]) idx[d--] = 0;
    if (d < 0) break;
  }
}

/**
 * The samples of an SDS as a typed array of its number type, in native byte order (a fresh array
 * owned by the caller). `row0`/`rows` select whole rows of a 2-D SDS (or of the last two
 * dimensions' plane at `plane` for 3-D SDSs).
 */
export function readSdsSamples(f: Hdf4File, s: Hdf4Sds, plane = 0): ArrayLike<number> & { length: number } {
  const bytes = readSdsBytes(f, s);
  const h = s.dims[s.dims.length - 2];
  const w = s.dims[s.dims.length - 1];
  const size = s.numberType.size;
  const planes = s.dims.slice(0, -2).reduce((a, b) => a * b, 1);
  if (plane < 0 || plane >= planes)
    throw new AppError('BAD_ARGUMENT', `${f.fileName}: ${s.name} has ${planes} planes, not ${plane + 1}.`, {
      file: f.fileName,
    });
  const src = bytes.subarray(plane * w * h * size, (plane + 1) * w * h * size);
  return toTyped(src, s.numberType, w * h);
}

function toTyped(src: Uint8Array, nt: Hdf4NumberType, n: number): ArrayLike<number> & { length: number } {
  const code = nt.code & ~0x4000;
  if (code === 21 || code === 3 || code === 4) return new Uint8Array(src.subarray(0, n));
  if (code === 20) return new Int8Array(src.buffer.slice(src.byteOffset, src.byteOffset + n));
  const copy = new Uint8Array(src.subarray(0, n * nt.size));
  // Swap to native (little-endian on every platform we run on) in place, then view.
  if (!nt.littleEndian) {
    if (nt.size === 2)
      for (let i = 0; i < copy.length; i += 2) {
        const t = copy[i];
        copy[i] = copy[i + 1];
        copy[i + 1] = t;
      }
    else if (nt.size === 4)
      for (let i = 0; i < copy.length; i += 4) {
        let t = copy[i];
        copy[i] = copy[i + 3];
        copy[i + 3] = t;
        t = copy[i + 1];
        copy[i + 1] = copy[i + 2];
        copy[i + 2] = t;
      }
    else if (nt.size === 8) for (let i = 0; i < copy.length; i += 8) copy.subarray(i, i + 8).reverse();
  }
  const buf = copy.buffer;
  switch (code) {
    case 22:
      return new Int16Array(buf);
    case 23:
      return new Uint16Array(buf);
    case 24:
      return new Int32Array(buf);
    case 25:
      return new Uint32Array(buf);
    case 5:
      return new Float32Array(buf);
    default:
      return new Float64Array(buf);
  }
}
