import { AppError } from '../core/errors.ts';

/** What the first bytes of a file say it is. */
export type FileKind =
  'tiff' | 'bigtiff' | 'hdf4' | 'hdf5' | 'netcdf' | 'arc-ascii' | 'png' | 'jpeg' | 'zip' | 'text' | 'unknown';

/** Classifies a file by its magic bytes (needs the first 16 bytes or more). */
export function sniffFileKind(head: Uint8Array): FileKind {
  const b = head;
  const ascii = String.fromCharCode(...b.subarray(0, Math.min(16, b.length)));
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42))
  )
    return 'tiff';
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 43) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 43))
  )
    return 'bigtiff';
  if (b[0] === 0x0e && b[1] === 0x03 && b[2] === 0x13 && b[3] === 0x01) return 'hdf4';
  if (ascii.startsWith('\x89HDF')) return 'hdf5';
  if (ascii.startsWith('CDF\x01') || ascii.startsWith('CDF\x02') || ascii.startsWith('CDF\x05'))
    return 'netcdf';
  if (/^ncols\s/i.test(ascii)) return 'arc-ascii';
  if (ascii.startsWith('\x89PNG')) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (ascii.startsWith('PK\x03\x04')) return 'zip';
  if (b.length > 0 && b.subarray(0, 16).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127)))
    return 'text';
  return 'unknown';
}

/**
 * Throws NOT_GEOTIFF unless `head` starts a (Big)TIFF: its message says what the file is and what
 * to do; its `hint` (what to do alone) is set where that advice fits this kind of file.
 */
export function requireTiff(head: Uint8Array, fileName: string): void {
  const kind = sniffFileKind(head);
  if (kind === 'tiff' || kind === 'bigtiff') return;
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const layer = (spec: string, band: string) =>
    `Convert the layer you need first, e.g. gdal_translate '${spec}'${band} out.tif (list layers with gdalinfo ${base})`;
  const kinds: Partial<Record<FileKind, { what: string; todo?: string }>> = {
    hdf4: { what: 'it is an HDF4 file', todo: layer(`HDF4_EOS:EOS_GRID:"${base}":MODIS_Grid_Daily_1km_LST:LST_Day_1km`, '') },
    hdf5: { what: 'it is an HDF5/netCDF-4 file', todo: layer(`NETCDF:"${base}":LST_Day_1km`, ' -b 1') },
    netcdf: { what: 'it is a netCDF file', todo: layer(`NETCDF:"${base}":LST_Day_1km`, ' -b 1') },
    'arc-ascii': { what: 'it is an Arc/Info ASCII grid', todo: `Convert it first: gdal_translate ${base} out.tif` },
    png: { what: 'it is a PNG image without georeference', todo: 'Export the layer as GeoTIFF instead' },
    jpeg: { what: 'it is a JPEG image without georeference', todo: 'Export the layer as GeoTIFF instead' },
    zip: { what: 'it is a ZIP archive', todo: 'Unzip it and drop the .tif files inside' },
    // A README beside the bands: the general advice (which files to drop) fits, so no hint.
    text: { what: 'it is a text file (an MTL or metadata file is read automatically beside its bands; drop the .tif bands)' },
  };
  const k = kinds[kind];
  const why = k ? `${k.what}${k.todo ? `. ${k.todo}` : ''}` : 'it does not start with a TIFF header. Convert it with gdal_translate to GeoTIFF first';
  const err = new AppError('NOT_GEOTIFF', `${fileName} is not a GeoTIFF: ${why}.`, { file: fileName });
  throw k?.todo ? Object.assign(err, { hint: `${k.todo}.` }) : err;
}

/** One GDAL_METADATA item. `sample` is the 0-based band for band items. */
export interface GdalMetadataItem {
  name: string;
  value: string;
  sample?: number;
  role?: string;
  domain?: string;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&');
}

/**
 * Parses the GDAL_METADATA (tag 42112) XML into items. Tolerates missing attributes. One forward
 * scan (no backtracking regex): time is linear in the text even for thousands of unclosed items.
 */
export function parseGdalMetadata(xml: string | undefined): GdalMetadataItem[] {
  if (!xml) return [];
  const items: GdalMetadataItem[] = [];
  let at = 0;
  for (;;) {
    const open = xml.indexOf('<Item', at);
    if (open < 0) break;
    const headEnd = xml.indexOf('>', open);
    if (headEnd < 0) break;
    const close = xml.indexOf('</Item>', headEnd);
    // No closing tag anywhere after this point: no further item can be complete.
    if (close < 0) break;
    at = close + 7;
    const head = xml.slice(open + 5, headEnd);
    if (!/^\s/.test(head)) continue;
    const attrs = new Map<string, string>();
    for (const a of head.matchAll(/(\w+)="([^"]*)"/g)) attrs.set(a[1], decodeEntities(a[2]));
    const name = attrs.get('name');
    if (!name) continue;
    const item: GdalMetadataItem = { name, value: decodeEntities(xml.slice(headEnd + 1, close)) };
    const sample = attrs.get('sample');
    if (sample !== undefined) item.sample = Number(sample);
    const role = attrs.get('role');
    if (role) item.role = role;
    const domain = attrs.get('domain');
    if (domain) item.domain = domain;
    items.push(item);
  }
  return items;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Builds GDAL_METADATA XML from items (the inverse of `parseGdalMetadata`). */
export function buildGdalMetadata(items: GdalMetadataItem[]): string {
  const lines = items.map((it) => {
    const attrs = [`name="${escapeXml(it.name)}"`];
    if (it.sample !== undefined) attrs.push(`sample="${it.sample}"`);
    if (it.role) attrs.push(`role="${escapeXml(it.role)}"`);
    if (it.domain) attrs.push(`domain="${escapeXml(it.domain)}"`);
    return `  <Item ${attrs.join(' ')}>${escapeXml(it.value)}</Item>`;
  });
  return `<GDALMetadata>\n${lines.join('\n')}\n</GDALMetadata>\n`;
}
