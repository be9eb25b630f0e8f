import type { Grid } from '../core/raster/raster.ts';
import { detectRole } from './band-roles.ts';
import { decodeSamples, metaNumber, metaRange, resolveScaling } from './band-decode.ts';
import type { BandRole, DatasetBand } from './dataset.ts';
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
  roleOverride?: BandRole;
  /** Grid of every band (the read window, north-up). */
  raster: Grid;
  /** Receives the reader's notes (scales not applied, Landsat calibration, units). */
  warnings: string[];
}

/**
 * Turns raw samples into bands in physical units: role detection, scale/offset from band tags,
 * GDAL metadata and the sidecar (sidecar first), nodata and fill to NaN, Landsat L1 calibration
 * with the MTL, and the LST unit check (conversions offered, none applied).
 */
export function decodeBands(c: BandSources): DatasetBand[] {
  const { rasters, fileName, items, metadata, pam, nodataTag, mtl, warnings } = c;
  const bandCount = rasters.length;
  const bands: DatasetBand[] = [];
  for (let b = 0; b < bandCount; b++) {
    const bandMd = itemsFor(items, b);
    const aux = pam.get(b) ?? {};
    const description = aux.description ?? bandMd['@description'] ?? bandMd.DESCRIPTION;
    const hintsMd: Record<string, string> = { ...metadata, ...bandMd };
    delete hintsMd.MTL;
    const guess = detectRole({ fileName, description, metadata: hintsMd, bandIndex: b, bandCount });
    const role = c.roleOverride ?? guess.role;
    const scaling = resolveScaling({
      role,
      product: c.product ?? metadata.SHORTNAME,
      landsatLevel: guess.landsat?.level,
      ...(guess.scale && role === guess.role ? { nameScale: guess.scale } : {}),
      isFloat: c.isFloat && !(guess.scale && holdsDn(rasters[b], nodataTag)),
      hints: {
        bandScale: aux.scale ?? metaNumber(bandMd['@scale'] ?? bandMd.SCALE),
        bandOffset: aux.offset ?? metaNumber(bandMd['@offset'] ?? bandMd.OFFSET),
        scaleFactor: metaNumber(metadata.scale_factor),
        addOffset: metaNumber(metadata.add_offset),
        validRange: metaRange(metadata.valid_range),
        fillValue: metaNumber(metadata._FillValue),
        units: aux.unitType ?? bandMd['@unittype'] ?? metadata.units,
      },
    });
    // MOD11 QC: the nodata tag (0 in AppEEARS files) is a valid "good quality" value.
    const nodata = role === 'lst-qc' ? null : (aux.nodata ?? nodataTag);
    const raw = rasters[b];
    // Float Landsat bands are calibrated only when they still hold whole DN (R/ESPA float64 exports).
    const cal =
      guess.landsat && (!c.isFloat || holdsDn(raw, nodata))
        ? landsatCalibration(guess.landsat, role, mtl)
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
      if (role === 'lst' && scale !== 1 && rawLooksLikeKelvin(raw, nodata)) {
        // An integer LST already in K (scaled before export): applying the product scale would ruin it.
        warnings.push(`band ${b + 1}: values are already in K (150-400); the scale ${scale} was not applied`);
        [scale, offset, scaleSource] = [1, 0, 'none'];
        scaling.validRange = undefined;
      }
      // Float32 samples are the reader's own array: decoded where they are, not into a second one.
      data = decodeSamples(
        raw,
        { scale, offset, nodata, fill: scaling.fill, validRange: scaling.validRange },
        c.ownsRasters && raw instanceof Float32Array ? raw : undefined,
      );
      for (const n of scaling.notes) warnings.push(`band ${b + 1}: ${n}`);
      if (guess.landsat && guess.landsat.level === 'L1' && !mtl && role !== 'qc' && role !== 'unknown')
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
      nodata: nodata ?? scaling.fill ?? null,
      ...(guess.landsat ? { landsat: guess.landsat } : {}),
      ...(cal ? { calibration: cal.kind } : {}),
      raster: { ...c.raster, data },
    });
  }
  return bands;
}

function stemOf(fileName: string): string {
  return (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.[^.]+$/, '');
}
