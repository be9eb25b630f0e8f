import { gridPixelSize, pixelSizeMetres } from '../core/geo/grid.ts';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { validFraction } from '../core/raster/raster.ts';
import type { Dataset, DatasetBand } from '../io/dataset.ts';
import type { DeflateCodec } from '../io/deflate-codec.ts';
import { readRasterFile } from '../io/read-raster.ts';
import { errorDetail, type IngestResult, type InputInfo, type WireError } from './protocol.ts';
import { applyUnitConversion, describeCandidates, lstUnitConversion } from '../io/unit-sanity.ts';
import { celsiusOffer, describeNotTemperature, notTemperature } from '../io/not-temperature.ts';
import { startDeflateWorkers } from './deflate-pool-web.ts';
import { isMtlName, isMtlText, pickMtlName } from '../io/landsat-mtl.ts';
import { describeSidecar, isSidecarName, MAX_SIDECAR_BYTES, readSidecarText, sidecarTarget } from './sidecars.ts';
import { describeEspa, isEspaXmlName, parseEspaXml, pickEspaXmlName, surfaceReflectanceTwin, unusedBesideSurfaceReflectance } from '../io/espa.ts';

const optionalTwin = (name: string): { unusedBeside?: string } => {
  const twin = surfaceReflectanceTwin(name);
  return twin ? { unusedBeside: twin } : {};
};

/** One ingested band held by the worker. */
export interface StoredInput {
  info: InputInfo;
  dataset: Dataset;
  band: DatasetBand;
  /** The dropped file, kept to read it again when its `.aux.xml` sidecar or Landsat MTL arrives later. */
  file: File;
}

const inputs = new Map<string, StoredInput>();
/** Dropped `.aux.xml` sidecars by the name of the raster they describe. */
const sidecars = new Map<string, { name: string; text: string }>();
/** Dropped Landsat MTL texts by file name: the calibration of the band files of their scene. */
const mtls = new Map<string, string>();
/** Dropped ESPA metadata texts by file name: the roles and scales of the band files of their scene. */
const espaXmls = new Map<string, string>();
/** The drop list's row of each ESPA metadata file, by row id. */
const espaRows = new Map<string, string>();
let nextId = 1;

/**
 * One change a read made to a key of one of these maps: what was there before it, and the change
 * made to the same key after it (by another drop read meanwhile), if any.
 */
interface KeyChange {
  had: boolean;
  old: unknown;
  prev?: KeyChange;
  next?: KeyChange;
}
/** The latest change of each key, per map. */
const latestChanges = new WeakMap<Map<string, unknown>, Map<string, KeyChange>>();

/**
 * Records a change about to be made to `key` of `m`. `undo` (the read was cancelled) puts back what
 * was there before it only where no later change stands on it; else the later change takes over
 * what to put back, so a drop read meanwhile keeps what it stored (two drops of the same .aux.xml).
 * `commit` (the read ended) keeps the change.
 */
function recordChange<V>(m: Map<string, V>, key: string): { undo: () => void; commit: () => void } {
  const keys = latestChanges.get(m as Map<string, unknown>) ?? new Map<string, KeyChange>();
  latestChanges.set(m as Map<string, unknown>, keys);
  const c: KeyChange = { had: m.has(key), old: m.get(key), prev: keys.get(key) };
  if (c.prev) c.prev.next = c;
  keys.set(key, c);
  return {
    undo: () => {
      if (c.next) {
        c.next.had = c.had;
        c.next.old = c.old;
        c.next.prev = c.prev;
        if (c.prev) c.prev.next = c.next;
        return;
      }
      if (c.had) m.set(key, c.old as V);
      else m.delete(key);
      if (c.prev) {
        c.prev.next = undefined;
        keys.set(key, c.prev);
      } else keys.delete(key);
    },
    // Never undone now: what was before it is no longer needed.
    commit: () => {
      c.prev = undefined;
    },
  };
}

/** The stored band, or a BAD_ARGUMENT error (drop the file again) when the UI refers to one that is gone. */
export function getInput(id: string): StoredInput {
  const s = inputs.get(id);
  if (!s) throw new AppError('BAD_ARGUMENT', `Input ${id} is no longer loaded; drop the file again.`);
  return s;
}

export function removeInput(id: string): void {
  inputs.delete(id);
  const xml = espaRows.get(id);
  if (xml !== undefined) {
    espaXmls.delete(xml);
    espaRows.delete(id);
  }
}

function wire(e: unknown, fileName: string): WireError {
  const err = isAppError(e) ? e : toAppError(e, 'CORRUPT_TIFF', `${fileName} could not be read`, fileName);
  return { code: err.code, message: err.message, file: err.file ?? fileName, ...errorDetail(err) };
}

function describe(id: string, file: File, ds: Dataset, band: DatasetBand, index: number): InputInfo {
  const r = band.raster;
  const vf = validFraction(r.data);
  const info: InputInfo = {
    id,
    fileName: ds.bands.length > 1 ? `${file.name} [band ${index + 1}: ${band.name}]` : file.name,
    sizeBytes: file.size,
    band: index,
    role: band.role,
    product: ds.product,
    layer: ds.layer ?? band.name,
    date: ds.date,
    width: r.width,
    height: r.height,
    pixelSize: gridPixelSize(r),
    pixelSizeM: pixelSizeMetres(r),
    crsName: r.crs.epsg !== undefined ? `EPSG:${r.crs.epsg}` : r.crs.name,
    epsg: r.crs.epsg,
    validFraction: vf,
    ...(band.unused ? { unused: band.unused, ...optionalTwin(file.name) } : {}),
    ...(band.nameless ? { nameless: band.nameless } : {}),
  };
  // Its role may be set to lst by hand: whole (or fractional) degrees Celsius is offered then, never converted
  // unasked, unless the file says it holds something else (reflectance, an NDVI, classes), which is said instead.
  const other = notTemperature(band, r.data);
  const celsius = band.role === 'unknown' ? celsiusOffer(band, r.data, other) : undefined;
  if (celsius) info.lstUnitCandidates = [{ code: celsius.code, label: celsius.label }];
  if (other) info.notTemperature = { seen: describeNotTemperature(r.data, other), ...(other.guideRole ? { guideRole: other.guideRole } : {}) };
  if (band.unitCandidates?.length) {
    info.unitCandidates = band.unitCandidates.map((c) => ({ code: c.code, label: c.label }));
    info.problem = {
      code: 'BAD_VALUES',
      message: `${file.name}: the LST values are not in kelvin; they look like ${describeCandidates(band.unitCandidates)}. Pick the conversion in the Notes column of the file table.`,
      file: file.name,
    };
  }
  if (vf === 0 && band.role !== 'lst-qc' && band.role !== 'qc') {
    info.problem = {
      code: 'ALL_NODATA',
      message: `${file.name}: every pixel is nodata or fill.`,
      file: file.name,
    };
  }
  return info;
}

/** SHA-256 of a file, hex; undefined where WebCrypto is unavailable (plain http on another host). */
async function checksum(file: File): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Converts a stored LST band with the conversion the user picked (one of its candidates) and
 * returns its refreshed row: values in K, the problem cleared.
 */
export function convertInputUnits(id: string, code: string): InputInfo {
  const s = getInput(id);
  const c = lstUnitConversion(code);
  const offered = s.band.unitCandidates ?? s.info.lstUnitCandidates;
  if (!c || !offered?.some((u) => u.code === code))
    throw new AppError(
      'BAD_ARGUMENT',
      `${s.info.fileName}: no conversion '${code}' is offered for this file.`,
    );
  const data = s.band.raster.data.slice();
  applyUnitConversion(data, c);
  const band = { ...s.band, units: 'K', unitCandidates: undefined, raster: { ...s.band.raster, data } };
  const info: InputInfo = {
    ...s.info,
    problem: undefined,
    unitCandidates: undefined,
    lstUnitCandidates: undefined,
    convertedFrom: c.label,
  };
  inputs.set(id, { ...s, band, info });
  return info;
}

function badRow(file: File, e: unknown): InputInfo {
  return { id: `bad${nextId++}`, fileName: file.name, sizeBytes: file.size, band: 0, role: 'unknown', problem: wire(e, file.name) };
}

/** One raster read (with its sidecar, when one was dropped), not yet stored. */
interface RasterRead {
  file: File;
  datasets: Dataset[];
  sha256: string | undefined;
  aux: { name: string; text: string } | undefined;
  /** The MTL the Landsat bands were calibrated with. */
  mtlName: string | undefined;
}

async function readRaster(file: File, signal: AbortSignal | undefined, codec: DeflateCodec, siblingNames: readonly string[]): Promise<RasterRead> {
  const aux = sidecars.get(file.name);
  const mtlName = pickMtlName(file.name, [...mtls.keys()]);
  const mtlText = mtlName === undefined ? undefined : mtls.get(mtlName);
  const espaName = pickEspaXmlName(file.name, [...espaXmls.keys()]);
  const espaXmlText = espaName === undefined ? undefined : espaXmls.get(espaName);
  const sha256 = await checksum(file);
  const datasets = await readRasterFile(file, file.name, {
    signal,
    codec,
    siblingNames,
    ...(aux ? { auxXmlText: aux.text } : {}),
    ...(mtlText ? { mtlText } : {}),
    ...(espaXmlText ? { espaXmlText, espaXmlName: espaName } : {}),
  });
  return { file, datasets, sha256, aux, mtlName };
}

/** Stores every band of a raster read; one row per band. */
function storeRaster({ file, datasets, sha256, aux, mtlName }: RasterRead): InputInfo[] {
  const rows: InputInfo[] = [];
  for (const ds of datasets) {
    ds.bands.forEach((band, i) => {
      const id = `in${nextId++}`;
      const sidecar = aux
        ? describeSidecar(aux.text, aux.name, i)
        : band.scaleSource === 'landsat-mtl'
          ? `calibrated with ${mtlName}`
          : band.scaleFile
            ? `scale ${band.scale} from ${band.scaleFile}`
            : undefined;
      const info = { ...describe(id, file, ds, band, i), ...(sha256 ? { sha256 } : {}), ...(sidecar ? { sidecar } : {}) };
      inputs.set(id, { info, dataset: ds, band, file });
      rows.push(info);
    });
  }
  return rows;
}

/**
 * Reads each file (one failing file does not stop the others: it gets a row with its problem)
 * and stores every band; one row per band, in the order of `files`. The files are read at once,
 * their Deflate blocks inflated on deflate workers (worker/deflate-pool-web.ts) while this thread
 * decodes. A GDAL `.aux.xml` sidecar (scale, offset, nodata) is
 * paired with its raster by name, whether dropped with it, before it or after it; a raster already
 * loaded is read again with it, and its former rows are listed in `replaced`. `onProgress` hears,
 * once the rasters' reads begin and as each ends, the files still being read (`left`).
 */
export async function ingestFiles(files: File[], { signal, onProgress }: RunOptions = {}): Promise<IngestResult> {
  const rows: InputInfo[] = [];
  const replaced: string[] = [];
  const notices: string[] = [];
  // A cancelled read puts back what it changed (rows it would replace, sidecars, MTLs, ESPA metadata) and
  // nothing else: another drop read meanwhile keeps what it stored, even of the same key.
  const changes: ReturnType<typeof recordChange>[] = [];
  const change = <V>(m: Map<string, V>, key: string, value?: V): void => {
    changes.push(recordChange(m, key));
    if (value === undefined) m.delete(key);
    else m.set(key, value);
  };
  const rasters = files.filter((f) => !isSidecarName(f.name));
  // Every file of the drop and every one already in: a band file may go unused beside a better one.
  const dropNames = [...new Set([...files.map((f) => f.name), ...[...inputs.values()].map((s) => s.file.name)])];
  // Landsat MTLs calibrate the band files of their scene (DN -> brightness temperature, reflectance), as the CLI reads the one beside.
  const rereads = new Set<File>();
  for (const file of files.filter((f) => isMtlName(f.name) && f.size <= MAX_SIDECAR_BYTES)) {
    const text = await file.text();
    if (!isMtlText(text)) continue;
    change(mtls, file.name, text);
    rasters.splice(rasters.indexOf(file), 1);
    const names = [...mtls.keys()];
    const again = new Set<File>();
    for (const [id, s] of inputs) {
      if (rasters.includes(s.file) || pickMtlName(s.file.name, names) !== file.name) continue;
      change(inputs, id);
      replaced.push(id);
      again.add(s.file);
    }
    again.forEach((f) => rereads.add(f));
    if (again.size > 0) notices.push(`${[...again].map((f) => f.name).join(', ')} ${again.size > 1 ? 'were' : 'was'} read again with the calibration of ${file.name}.`);
    else if (!rasters.some((f) => pickMtlName(f.name, names) === file.name))
      notices.push(`${file.name} calibrates nothing yet: no file dropped has a Landsat band name of its scene (<scene>_B4.TIF); band files so named are calibrated with it when you drop them.`);
  }
  // ESPA metadata: a row of its own saying what it is; the band files of its scene take their roles and scales from it.
  for (const file of files.filter((f) => isEspaXmlName(f.name) && f.size <= MAX_SIDECAR_BYTES)) {
    const text = await file.text();
    const meta = parseEspaXml(text);
    if (!meta) continue;
    change(espaXmls, file.name, text);
    rasters.splice(rasters.indexOf(file), 1);
    const id = `meta${nextId++}`;
    change(espaRows, id, file.name);
    rows.push({ id, fileName: file.name, sizeBytes: file.size, band: 0, role: 'unknown', metadata: describeEspa(meta, file.name, dropNames) });
  }
  // A band file read before its surface reflectance twin arrived is read again, to go unused beside it.
  for (const [id, s] of inputs) {
    if (rasters.includes(s.file) || rereads.has(s.file) || s.band.unused || s.info.role === 'unknown') continue;
    if (unusedBesideSurfaceReflectance(s.file.name, dropNames) === undefined) continue;
    change(inputs, id);
    replaced.push(id);
    rereads.add(s.file);
  }
  rasters.push(...rereads);
  for (const file of files.filter((f) => isSidecarName(f.name))) {
    const target = sidecarTarget(file.name);
    try {
      change(sidecars, target, { name: file.name, text: await readSidecarText(file) });
    } catch (e) {
      rows.push(badRow(file, e));
      continue;
    }
    if (rasters.some((f) => f.name === target)) continue;
    const earlier = [...inputs].filter(([, s]) => s.file.name === target);
    if (earlier.length === 0) {
      notices.push(`${file.name} is kept: its scale, offset and nodata apply to ${target} when you drop that file.`);
      continue;
    }
    for (const [id] of earlier) {
      change(inputs, id);
      replaced.push(id);
    }
    rasters.push(earlier[0][1].file);
    notices.push(`${target} was read again with the scale, offset and nodata of ${file.name}.`);
  }
  const codec = startDeflateWorkers();
  let reads: PromiseSettledResult<RasterRead>[];
  // The files still being read, as each ends: the slow one is named.
  const left = rasters.map((f) => f.name);
  const report = () => onProgress?.({ stage: 'read', done: rasters.length - left.length, total: rasters.length, left: [...left] });
  const ended = (file: File) => () => {
    left.splice(left.indexOf(file.name), 1);
    report();
  };
  report();
  try {
    reads = await Promise.allSettled(rasters.map((file) => readRaster(file, signal, codec, dropNames).finally(ended(file))));
  } finally {
    codec.close();
  }
  // A cancel that came before this answer stops the read, though no raster read saw it (an MTL, ESPA metadata or sidecar alone).
  const cancelled = reads.some((r) => r.status === 'rejected' && isAppError(r.reason) && r.reason.code === 'CANCELLED');
  if (cancelled || signal?.aborted) {
    changes.reverse().forEach((c) => c.undo());
    throw new AppError('CANCELLED', 'The operation was cancelled.');
  }
  changes.forEach((c) => c.commit());
  reads.forEach((r, i) => rows.push(...(r.status === 'fulfilled' ? storeRaster(r.value) : [badRow(rasters[i], r.reason)])));
  return { inputs: rows, replaced, notices };
}
