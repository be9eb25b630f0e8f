import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pixelSize } from '../core/geo/affine.ts';
import { describeEspa, type EspaMetadata } from '../io/espa.ts';
import { CLOUD_SHARE_LIMIT } from '../pipeline/cloud-mask.ts';
import { AppError } from '../core/errors.ts';
import type { Dataset, DatasetBand } from '../io/dataset.ts';
import type { Command } from './main.ts';
import { intOption } from './inputs.ts';
import { loadDatasets, loadEspaMetadata } from './load.ts';
import { terminalSafe } from './terminal.ts';

/** Valid fraction and value range of one band (NaN = invalid). */
export function bandSummary(data: Float32Array): {
  validFraction: number;
  min: number | null;
  max: number | null;
  mean: number | null;
} {
  let n = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return n === 0
    ? { validFraction: 0, min: null, max: null, mean: null }
    : { validFraction: n / data.length, min, max, mean: sum / n };
}

function round(v: number | null, digits = 6): number | null {
  return v === null ? null : Number(v.toPrecision(digits));
}

function bandJson(b: DatasetBand, index: number): Record<string, unknown> {
  const s = bandSummary(b.raster.data);
  return {
    index: index + 1,
    name: b.name,
    role: b.role,
    ...(b.dayNight ? { dayNight: b.dayNight } : {}),
    ...(b.units ? { units: b.units } : {}),
    scale: b.scale,
    offset: b.offset,
    scaleSource: b.scaleSource,
    ...(b.scaleFile ? { scaleFile: b.scaleFile } : {}),
    ...(b.calibration ? { calibration: b.calibration } : {}),
    ...(b.unused ? { unused: b.unused } : {}),
    ...(b.nameless ? { unknown: `${b.nameless}; if it is a cloud mask (Fmask: 0 clear, 1 water, 2 shadow, 3 snow, 4 cloud), pass it as --cloud-mask FILE:${index + 1}: an LST with pixels no larger than the mask's is masked wherever the mask is not 0; an LST with larger pixels, in each pixel where more than ${CLOUD_SHARE_LIMIT * 100} % of the mask pixels under it are not 0` } : {}),
    ...(b.unitCandidates ? { looksLike: b.unitCandidates.map((c) => ({ units: c.label, lstUnits: c.code })) } : {}),
    nodata: b.nodata === null || Number.isNaN(b.nodata) ? (b.nodata === null ? null : 'nan') : b.nodata,
    validFraction: round(s.validFraction, 4),
    min: round(s.min),
    max: round(s.max),
    mean: round(s.mean),
  };
}

/** The JSON object `srda-lst info` prints for one dataset (band 1 at top level; all bands listed). */
export function datasetInfo(d: Dataset): Record<string, unknown> {
  const bands = d.bands.map(bandJson);
  const first = bands[0];
  const px = pixelSize(d.transform);
  return {
    file: d.fileName,
    role: first.role,
    ...(d.product ? { product: d.product } : {}),
    ...(d.date ? { date: d.date } : {}),
    ...(d.layer ? { layer: d.layer } : {}),
    width: d.width,
    height: d.height,
    bandCount: d.bands.length,
    pixelSize: { x: px.x, y: px.y },
    crs: { ...(d.crs.epsg !== undefined ? { epsg: d.crs.epsg } : {}), name: d.crs.name, proj4: d.crs.proj4 },
    transform: d.transform,
    nodata: first.nodata,
    scale: first.scale,
    offset: first.offset,
    ...(first.units ? { units: first.units } : {}),
    validFraction: first.validFraction,
    min: first.min,
    max: first.max,
    mean: first.mean,
    dataType: `${['', 'uint', 'int', 'float'][d.layout.sampleFormat] ?? 'unknown'}${d.layout.bitsPerSample}`,
    bands,
    ...(d.warnings.length ? { warnings: d.warnings } : {}),
  };
}

/** The JSON object `srda-lst info` prints for an ESPA metadata file (`names`: the files of its folder). */
export function espaInfo(file: string, espa: EspaMetadata, names: readonly string[]): Record<string, unknown> {
  const present = new Set(names.map((n) => n.toLowerCase()));
  return {
    file,
    role: 'metadata',
    kind: 'ESPA metadata',
    ...(espa.sceneId ? { sceneId: espa.sceneId } : {}),
    ...(espa.satellite ? { product: espa.satellite } : {}),
    ...(espa.date ? { date: espa.date } : {}),
    note: describeEspa(espa, file, names),
    bands: espa.bands
      .filter((b) => present.has(b.fileName.toLowerCase()))
      .map((b) => ({ file: b.fileName, name: b.name, product: b.product, ...(b.scale !== undefined ? { scale: b.scale } : {}), ...(b.fill !== undefined ? { fill: b.fill } : {}) })),
  };
}

/** `srda-lst info FILE...`: one JSON line per readable file; one stderr line per bad file; exit 1 if any failed. */
export const infoCommand: Command = async (argv) => {
  const help = argv.includes('--help') || argv.includes('-h');
  // `--read-budget-mb N` (or `=N`), the one option it takes: the TOO_LARGE message names it.
  let budgetArg: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--read-budget-mb') budgetArg = argv[++i] ?? '';
    else if (a.startsWith('--read-budget-mb=')) budgetArg = a.slice('--read-budget-mb='.length);
    else rest.push(a);
  }
  // An option it does not know would otherwise be dropped and its value read as a file ('2: no such file').
  const unknown = rest.find((a) => a.startsWith('-') && a !== '--help' && a !== '-h');
  if (unknown !== undefined && !help)
    throw new AppError('BAD_ARGUMENT', `Unknown option '${unknown}': srda-lst info takes files and --read-budget-mb N only (srda-lst info [--read-budget-mb N] FILE...; a file named like an option as ./${unknown}).`);
  const budget = help ? undefined : intOption(budgetArg, 'read-budget-mb', 16);
  const files = rest.filter((a) => !a.startsWith('-'));
  if (files.length === 0 || help) {
    process.stdout.write(
      'Usage: srda-lst info [--read-budget-mb N] FILE...\nPrints one JSON object per file: role, product, date, size, pixel size, CRS, nodata, scale, valid fraction, value range, bands.\n  --read-budget-mb N    most memory one input file may decode to (default 1024)\n',
    );
    return help ? 0 : 2;
  }
  let failed = 0;
  for (const f of files) {
    // An ESPA metadata file is listed as what it is, with what the band files beside it take from it.
    const espa = await loadEspaMetadata(f);
    if (espa) {
      process.stdout.write(JSON.stringify(espaInfo(f, espa, await readdir(path.dirname(f)).catch(() => []))) + '\n');
      continue;
    }
    for (const r of await loadDatasets([f], budget === undefined ? {} : { maxDecodedBytes: budget * 2 ** 20 })) {
      if ('dataset' in r) {
        process.stdout.write(JSON.stringify(datasetInfo(r.dataset)) + '\n');
      } else {
        failed++;
        process.stderr.write(
          `srda-lst info: ${r.error.code}: ${terminalSafe(r.error.message.startsWith(r.path) ? r.error.message : `${r.path}: ${r.error.message}`)}\n`,
        );
      }
    }
  }
  return failed > 0 ? 1 : 0;
};
