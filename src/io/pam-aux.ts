/** What a GDAL `.aux.xml` (PAM) sidecar says about one band (1-based `band` attribute). */
export interface PamBand {
  scale?: number;
  offset?: number;
  nodata?: number;
  description?: string;
  unitType?: string;
}

/** Text between `<tag>` and `</tag>` at or after `from` inside `[from, to)`; linear scan, no regex backtracking. */
function element(xml: string, tag: string, from: number, to: number): string | undefined {
  const open = xml.indexOf(`<${tag}>`, from);
  if (open < 0 || open >= to) return undefined;
  const start = open + tag.length + 2;
  const close = xml.indexOf(`</${tag}>`, start);
  if (close < 0 || close > to) return undefined;
  return xml.slice(start, close);
}

function numberOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^nan$/i.test(t)) return Number.NaN;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : undefined;
}

/**
 * Parses the per-band scale, offset, nodata, description and unit of a PAM sidecar in one pass
 * (time linear in the text length). Bands are keyed by their 0-based index. Unknown content is
 * ignored; a damaged sidecar yields what could be read.
 */
export function parsePamAux(xml: string): Map<number, PamBand> {
  const out = new Map<number, PamBand>();
  let at = 0;
  for (;;) {
    const open = xml.indexOf('<PAMRasterBand', at);
    if (open < 0) break;
    const headEnd = xml.indexOf('>', open);
    if (headEnd < 0) break;
    const close = xml.indexOf('</PAMRasterBand>', headEnd);
    const end = close < 0 ? xml.length : close;
    const bandAttr = /band="(\d+)"/.exec(xml.slice(open, headEnd));
    at = close < 0 ? xml.length : close + 16;
    if (!bandAttr) continue;
    // Only the band's own elements, not those of a nested <Metadata> block.
    const md = xml.indexOf('<Metadata', headEnd);
    const ownEnd = md >= 0 && md < end ? md : end;
    const band: PamBand = {};
    const scale = numberOf(element(xml, 'Scale', headEnd, end));
    const offset = numberOf(element(xml, 'Offset', headEnd, end));
    const nodata = numberOf(element(xml, 'NoDataValue', headEnd, end));
    const description = element(xml, 'Description', headEnd, ownEnd);
    const unitType = element(xml, 'UnitType', headEnd, end);
    if (scale !== undefined) band.scale = scale;
    if (offset !== undefined) band.offset = offset;
    if (nodata !== undefined) band.nodata = nodata;
    if (description !== undefined) band.description = description;
    if (unitType !== undefined) band.unitType = unitType;
    out.set(Number(bandAttr[1]) - 1, band);
  }
  return out;
}
