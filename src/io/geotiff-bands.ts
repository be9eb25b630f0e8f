import type { Grid } from '../core/raster/raster.ts';
import { AppError } from '../core/errors.ts';
import { detectRole } from './band-roles.ts';
import { decodeSamples, metaNumber, metaRange, resolveScaling } from './band-decode.ts';
import { isCategoricalRole, type BandRole, type DatasetBand } from './dataset.ts';
import type { EspaBand } from './espa.ts';
import { landsatCalibration, type Mtl } from './landsat-mtl.ts';
import type { PamBand } from './pam-aux.ts';
import { holdsDn, rawLooksLikeKelvin } from './read-checks.ts';
import type { GdalMetadataItem } from './tiff-sniff.ts';
import { describeCandidates, suggestLstUnits } from './unit-sanity.ts';

/** GDAL_METADATA items of one band (`sample`), or of the dataset (`undefined`), by name (`@role` for band roles). */
export function itemsFor(items: GdalMetadataItem[], sample: number | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items)
    if (it.sample === sample && !it.domain) out[it.role ? `@${it.role}` : it.name] = it.value;
  return out;
}

/** What `decodeBands` needs of a GeoTIFF once its samples are decoded. */
export interface BandSources {
  /** Raw samples per band, row-major over the read window. */
  rasters: ArrayLike<number>[];
  /** The rasters are the caller's to overwrite (freshly decoded): float32 bands are then decoded in place. */
  ownsRasters?: boolean;
  /** The float32 rasters already hold values, decoded in place with `settingsAhead`'s settings while they were read. */
  decodedAhead?: boolean;
  fileName: string;
  /** GDAL_METADATA items (dataset and per band) and the dataset-level ones by name. */
  items: GdalMetadataItem[];
  metadata: Record<string, string>;
  /** Per-band scale/offset/nodata from the `.aux.xml` sidecar (0-based band index). */
  pam: Map<number, PamBand>;
  /** The GDAL_NODATA tag; null when absent. */
  nodataTag: number | null;
  /** IEEE floating-point samples. */
  isFloat: boolean;
  /** Product and layer parsed from the file name. */
  product?: string;
  layer?: string;
  mtl?: Mtl;
  /** What the folder's ESPA metadata file says of this file. */
  espaBand?: EspaBand;
  /** Name of the ESPA metadata file `espaBand` comes from. */
  espaXmlName?: string;
  /** Names of the other files of the folder (or drop). */
  siblingNames?: readonly string[];
  roleOverride?: BandRole;
  /** Grid of every band (the read window, north-up). */
  raster: Grid;
  /** Receives the reader's notes (scales not applied, Landsat calibration, units). */
  warnings: string[];
}

/** What `decodeBands` reads of a GeoTIFF before its samples: everything but the rasters. */
export type BandMetadata = Omit<BandSources, 'rasters' | 'ownsRasters' | 'decodedAhead' | 'raster' | 'warnings'>;

/** Band `b`'s description, role and the metadata that scale it: what `decodeBands` settles before it looks at any sample. */
function bandBasics(c: BandMetadata, b: number, bandCount: number) {
  const bandMd = itemsFor(c.items, b);
  const aux = c.pam.get(b) ?? {};
  const description = aux.description ?? bandMd['@description'] ?? bandMd.DESCRIPTION;
  const hintsMd: Record<string, string> = { ...c.metadata, ...bandMd };
  delete hintsMd.MTL;
  const guess = detectRole({ fileName: c.fileName, description, metadata: hintsMd, bandIndex: b, bandCount, espaBand: c.espaBand, siblingNames: c.siblingNames });
  const role = c.roleOverride ?? guess.role;
  // A band left unused beside a better file keeps the values of the role it would have.
  const valueRole = c.roleOverride ?? guess.unused?.role ?? guess.role;
  const scalingOf = (isFloat: boolean) =>
    resolveScaling({
      role: valueRole,
      product: c.product ?? c.metadata.SHORTNAME,
      landsatLevel: guess.landsat?.level,
      ...(guess.scale && valueRole === (guess.unused?.role ?? guess.role) ? { nameScale: guess.scale } : {}),
      isFloat,
      hints: {
        bandScale: aux.scale ?? metaNumber(bandMd['@scale'] ?? bandMd.SCALE),
        bandOffset: aux.offset ?? metaNumber(bandMd['@offset'] ?? bandMd.OFFSET),
        scaleFactor: metaNumber(c.metadata.scale_factor),
        addOffset: metaNumber(c.metadata.add_offset),
        validRange: metaRange(c.metadata.valid_range),
        fillValue: metaNumber(c.metadata._FillValue),
        units: aux.unitType ?? bandMd['@unittype'] ?? c.metadata.units,
      },
    });
  // MOD11 QC: the nodata tag (0 in AppEEARS files) is a valid "good quality" value.
  const nodata = valueRole === 'lst-qc' ? null : (aux.nodata ?? c.nodataTag);
  return { description, guess, role, valueRole, scalingOf, nodata };
}

/**
 * How `decodeBands` would turn each of `bandCount` float32 bands into values (`decodeSamples`'
 * settings), where that does not depend on the samples themselves: no Landsat calibration, no
 * scale given by the band's name, no LST scale (each of those looks at the raw samples first).
 * Undefined where one band does. With these a reader can decode its bands in place while it
 * still reads other blocks (`BandSources.decodedAhead`), the same values as `decodeBands` gives.
 */
export function settingsAhead(c: BandMetadata, bandCount: number): SampleSettings[] | undefined {
  if (!c.isFloat) return undefined;
  const out: SampleSettings[] = [];
  for (let b = 0; b < bandCount; b++) {
    const { guess, valueRole, scalingOf, nodata } = bandBasics(c, b, bandCount);
    if (guess.landsat || guess.scale) return undefined;
    const scaling = scalingOf(true);
    if (valueRole === 'lst' && scaling.scale !== 1) return undefined;
    out.push({ scale: scaling.scale, offset: scaling.offset, nodata, fill: scaling.fill, validRange: scaling.validRange });
  }
  return out;
}

/**
 * Turns raw samples into bands in physical units: role detection, scale/offset from band tags,
 * GDAL metadata and the sidecar (sidecar first), nodata and fill to NaN, Landsat L1 calibration
 * with the MTL, and the LST unit check (conversions offered, none applied).
 */
export function decodeBands(c: BandSources): DatasetBand[] {
  const { rasters, fileName, nodataTag, mtl, warnings } = c;
  const bandCount = rasters.length;
  const bands: DatasetBand[] = [];
  for (let b = 0; b < bandCount; b++) {
    const { description, guess, role, valueRole, scalingOf, nodata } = bandBasics(c, b, bandCount);
    const scaling = scalingOf(c.isFloat && !(guess.scale && holdsDn(rasters[b], nodataTag)));
    const raw = rasters[b];
    // Float Landsat bands are calibrated only when they still hold whole DN (R/ESPA float64 exports).
    const cal =
      guess.landsat && (!c.isFloat || holdsDn(raw, nodata))
        ? landsatCalibration(guess.landsat, valueRole, mtl)
        : undefined;
    let data: Float32Array;
    let scale = scaling.scale;
    let offset = scaling.offset;
    let units = scaling.units;
    let scaleSource = scaling.source;
    if (cal) {
      data = decodeSamples(raw, { scale: 1, offset: 0, nodata });
      cal.apply(data);
      [scale, offset, units] = [1, 0, cal.units];
      scaleSource = mtl ? 'landsat-mtl' : 'landsat-default';
      for (const n of cal.notes) warnings.push(`band ${b + 1}: ${n}`);
    } else {
      if (valueRole === 'lst' && scale !== 1 && rawLooksLikeKelvin(raw, nodata)) {
        // An integer LST already in K (scaled before export): applying the product scale would ruin it.
        warnings.push(`band ${b + 1}: values are already in K (150-400); the scale ${scale} was not applied`);
        [scale, offset, scaleSource] = [1, 0, 'none'];
        scaling.validRange = undefined;
      }
      const settings = { scale, offset, nodata, fill: scaling.fill, validRange: scaling.validRange };
      if (c.decodedAhead) {
        // Decoded by the reader with `settingsAhead`'s settings, which are these (checked).
        const ahead = settingsAhead(c, bandCount)?.[b];
        if (!(raw instanceof Float32Array) || !ahead || !sameSettings(ahead, settings))
          throw new AppError('INTERNAL', `${fileName}: band ${b + 1} was decoded ahead with other settings than its own`, { file: fileName });
        data = raw;
      }
      // Float32 samples are the reader's own array: decoded where they are, not into a second one.
      else data = decodeSamples(raw, settings, c.ownsRasters && raw instanceof Float32Array ? raw : undefined);
      for (const n of scaling.notes) warnings.push(`band ${b + 1}: ${n}`);
      if (guess.landsat && guess.landsat.level === 'L1' && !mtl && !isCategoricalRole(valueRole) && valueRole !== 'unknown')
        warnings.push(`band ${b + 1}: Landsat DN left uncalibrated (no MTL found beside the file)`);
    }
    const unitCandidates = role === 'lst' ? suggestLstUnits(data) : [];
    if (unitCandidates.length > 0)
      warnings.push(
        `band ${b + 1}: LST values are not kelvin; they look like ${describeCandidates(unitCandidates)}: choose the conversion`,
      );
    bands.push({
      role,
      ...(unitCandidates.length > 0 ? { unitCandidates } : {}),
      name: description ?? c.layer ?? stemOf(fileName),
      ...(guess.dayNight ? { dayNight: guess.dayNight } : {}),
      ...(units ? { units } : {}),
      scale,
      offset,
      scaleSource,
      ...(scaleSource === 'espa-xml' && c.espaXmlName ? { scaleFile: c.espaXmlName } : {}),
      nodata: nodata ?? scaling.fill ?? null,
      ...(guess.landsat ? { landsat: guess.landsat } : {}),
      ...(cal ? { calibration: cal.kind } : {}),
      ...(guess.unused && !c.roleOverride ? { unused: guess.unused.because } : {}),
      ...(role === 'unknown' && !guess.unused && bandCount > 1 && /^band \d+$/i.test(description ?? `band ${b + 1}`)
        ? { nameless: `band ${b + 1} of ${bandCount} has only GDAL's default name '${description ?? `Band ${b + 1}`}' and no metadata saying what it holds` }
        : {}),
      raster: { ...c.raster, data },
    });
  }
  return bands;
}

function stemOf(fileName: string): string {
  return (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.[^.]+$/, '');
}

/** `decodeSamples`' settings of a band. */
export type SampleSettings = Parameters<typeof decodeSamples>[1];

function sameSettings(a: SampleSettings, b: SampleSettings): boolean {
  const same = (x: number | null | undefined, y: number | null | undefined) => Object.is(x, y);
  return (
    same(a.scale, b.scale) &&
    same(a.offset, b.offset) &&
    same(a.nodata, b.nodata) &&
    same(a.fill, b.fill) &&
    same(a.validRange?.[0], b.validRange?.[0]) &&
    same(a.validRange?.[1], b.validRange?.[1])
  );
}
