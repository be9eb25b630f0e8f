/**
 * USGS ESPA folders: `<scene>.xml` metadata beside `<scene>_sr_band4.tif` (surface reflectance),
 * `<scene>_toa_band4.tif` (top-of-atmosphere reflectance) and `<scene>_band4.tif` (L1 digital
 * numbers). What the XML says of each band file (product, scale, fill, date), and which band files
 * of a folder go unused when the folder holds the same band as surface reflectance.
 */

/** One `<band>` of an ESPA metadata file. */
export interface EspaBand {
  /** `band4`, `sr_band4`, `toa_band10`, `sr_ndvi`, `cfmask`... */
  name: string;
  /** `L1T`/`L1TP`... (digital numbers), `sr_refl`, `toa_refl`, `toa_bt`, `spectral_indices`, `cfmask`... */
  product: string;
  fileName: string;
  category?: string;
  scale?: number;
  fill?: number;
}

/** What an ESPA metadata file says. */
export interface EspaMetadata {
  sceneId?: string;
  /** `LANDSAT_8`. */
  satellite?: string;
  /** Acquisition date, ISO `YYYY-MM-DD`. */
  date?: string;
  bands: EspaBand[];
}

/** True for a name an ESPA metadata file may have (`.xml`, not a GDAL `.aux.xml` sidecar). */
export function isEspaXmlName(name: string): boolean {
  return /\.xml$/i.test(name) && !/\.aux\.xml$/i.test(name);
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function element(text: string, name: string): string | undefined {
  return new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(text)?.[1];
}

/** Parses ESPA metadata (`<espa_metadata>`); undefined for any other text. */
export function parseEspaXml(text: string): EspaMetadata | undefined {
  if (!/<espa_metadata[\s>]/.test(text)) return undefined;
  const global = /<global_metadata>([\s\S]*?)<\/global_metadata>/.exec(text)?.[1] ?? '';
  const date = element(global, 'acquisition_date');
  const bands: EspaBand[] = [];
  for (const m of text.matchAll(/(<band\s[^>]*>)([\s\S]*?)<\/band>/g)) {
    const [tag, body] = [m[1], m[2]];
    const name = attr(tag, 'name');
    const product = attr(tag, 'product');
    const fileName = element(body, 'file_name');
    if (!name || !product || !fileName) continue;
    const scale = num(attr(tag, 'scale_factor'));
    const fill = num(attr(tag, 'fill_value'));
    const category = attr(tag, 'category');
    bands.push({ name, product, fileName, ...(category ? { category } : {}), ...(scale !== undefined ? { scale } : {}), ...(fill !== undefined ? { fill } : {}) });
  }
  const sceneId = element(global, 'scene_id');
  const satellite = element(global, 'satellite');
  return {
    ...(sceneId ? { sceneId } : {}),
    ...(satellite ? { satellite } : {}),
    ...(date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? { date } : {}),
    bands,
  };
}

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

function stemOf(name: string): string {
  return baseName(name).replace(/\.[^.]*$/, '');
}

/** The ESPA metadata name among `names` for band file `fileName`: `<scene>.xml` for `<scene>_sr_band4.tif`. */
export function pickEspaXmlName(fileName: string, names: readonly string[]): string | undefined {
  const stem = stemOf(fileName).toLowerCase();
  return names.find((n) => isEspaXmlName(n) && stem.startsWith(`${stemOf(n).toLowerCase()}_`));
}

/** The entry of `meta` for band file `fileName` (by file name, case-insensitive). */
export function espaBandOf(meta: EspaMetadata, fileName: string): EspaBand | undefined {
  const base = baseName(fileName).toLowerCase();
  return meta.bands.find((b) => b.fileName.toLowerCase() === base);
}

const ROLE_WORD: Record<number, Record<number, string>> = {
  8: { 1: 'coastal', 2: 'blue', 3: 'green', 4: 'red', 5: 'NIR', 6: 'SWIR', 7: 'SWIR 2' },
  7: { 1: 'blue', 2: 'green', 3: 'red', 4: 'NIR', 5: 'SWIR', 7: 'SWIR 2' },
};

/**
 * Why band file `fileName` goes unused in a set holding `names`, or undefined when it is used:
 * an L1 (`<scene>_band4`) or top-of-atmosphere (`<scene>_toa_band4`) reflective band whose
 * surface reflectance (`<scene>_sr_band4`) is in the set too. Surface reflectance is picked for
 * every band it covers, so red, NIR and SWIR come from one set (an NDVI of surface reflectance).
 */
export function unusedBesideSurfaceReflectance(fileName: string, names: readonly string[]): string | undefined {
  const m = /^(.+?)_(toa_)?band(\d{1,2})$/i.exec(stemOf(fileName));
  if (!m || /_sr$/i.test(m[1])) return undefined;
  const [, scene, toa, band] = m;
  const want = surfaceReflectanceTwin(fileName);
  const sr = names.find((n) => /\.tiff?$/i.test(n) && stemOf(n).toLowerCase() === want);
  if (!sr) return undefined;
  const mission = /^L[CO]0?8|^L[CO]0?9/i.test(scene) ? 8 : 7;
  const what = ROLE_WORD[mission][Number(band)] ?? `band ${band}`;
  return `unused: ${baseName(sr)} is the ${what} band (surface reflectance, picked over ${toa ? 'top-of-atmosphere reflectance' : 'L1 digital numbers'} so that red, NIR and SWIR come from one atmosphere-corrected set)`;
}

/**
 * The name, without extension and in lower case, of the surface reflectance file
 * (`<scene>_sr_band4`) that L1 or top-of-atmosphere band file `fileName` (`<scene>_band4.tif`,
 * `<scene>_toa_band4.tif`) goes unused beside; undefined for any other name.
 */
export function surfaceReflectanceTwin(fileName: string): string | undefined {
  const m = /^(.+?)_(toa_)?band(\d{1,2})$/i.exec(stemOf(fileName));
  if (!m || /_sr$/i.test(m[1])) return undefined;
  return `${m[1]}_sr_band${m[3]}`.toLowerCase();
}

/** The bands that surface reflectance files stand for, in words (`blue, red, NIR`), in band order. */
function srWords(meta: EspaMetadata, sr: EspaBand[]): string {
  const mission = /LANDSAT_?[89]/i.test(meta.satellite ?? '') ? 8 : 7;
  return sr
    .map((b) => Number(/band(\d{1,2})$/.exec(b.name)?.[1]))
    .sort((a, b) => a - b)
    .map((n) => ROLE_WORD[mission][n] ?? `band ${n}`)
    .join(', ');
}

/** One line on an ESPA metadata file, for the drop list and `srda-lst info`. */
export function describeEspa(meta: EspaMetadata, xmlName: string, names: readonly string[]): string {
  const present = new Set(names.map((n) => baseName(n).toLowerCase()));
  const here = meta.bands.filter((b) => present.has(b.fileName.toLowerCase()));
  const sr = here.filter((b) => b.product === 'sr_refl' && b.category === 'image');
  const parts = [
    `ESPA metadata of ${meta.sceneId ?? stemOf(xmlName)}${meta.date ? ` (${meta.date})` : ''}`,
    `${here.length} of its ${meta.bands.length} band files are here`,
    ...(sr.length ? [`${sr.length} surface reflectance (scale ${sr[0].scale ?? 1}) used as ${srWords(meta, sr)}`] : []),
  ];
  return parts.join('; ');
}
