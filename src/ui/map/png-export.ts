import { LUTS, lutCss, type LutName } from '../colormap.ts';
import { formatTemp } from '../layer-math.ts';
import { getMap } from './registry.ts';

/** What the exported map PNG says below the map: title, colour scale, units, attribution. */
export interface PngCaption {
  title: string;
  colormap: LutName;
  rangeK: [number, number];
  unit: 'K' | 'C';
  attribution: string;
}

const BAND_PX = 78;

/** Metres per CSS pixel at the map centre (Web Mercator, 512 px tiles). */
function metresPerPixel(zoom: number, latDeg: number): number {
  return (40_075_016.686 * Math.cos((latDeg * Math.PI) / 180)) / (512 * 2 ** zoom);
}

/** A round scale-bar length (1, 2 or 5 x 10^n metres) no longer than `maxM`. */
export function niceLengthM(maxM: number): number {
  const p = 10 ** Math.floor(Math.log10(maxM));
  return [5, 2, 1].map((k) => k * p).find((v) => v <= maxM) ?? p;
}

/**
 * PNG bytes of the current view of the first mounted map (main, else the compare maps), with a
 * band below it: title, colour bar with its range and units, scale bar, attribution.
 */
export async function captureMapPng(caption?: PngCaption): Promise<ArrayBuffer | undefined> {
  const map = getMap('main') ?? getMap('left');
  if (!map) return undefined;
  map.triggerRepaint();
  await new Promise<void>((resolve) => map.once('render', () => resolve()));
  const src = map.getCanvas();
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height + (caption ? BAND_PX * devicePixelRatio : 0);
  const ctx = out.getContext('2d');
  if (!ctx) return undefined;
  ctx.drawImage(src, 0, 0);
  if (caption) {
    const s = devicePixelRatio;
    const y0 = src.height;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, y0, out.width, BAND_PX * s);
    ctx.fillStyle = '#1d232b';
    ctx.font = `bold ${13 * s}px sans-serif`;
    ctx.fillText(caption.title, 10 * s, y0 + 18 * s);
    // Colour bar with its range and units.
    const barW = Math.min(300 * s, out.width / 2);
    const lut = LUTS[caption.colormap];
    for (let i = 0; i < barW; i++) {
      ctx.fillStyle = lutCss(lut, i / (barW - 1));
      ctx.fillRect(10 * s + i, y0 + 28 * s, 1, 12 * s);
    }
    ctx.fillStyle = '#1d232b';
    ctx.font = `${11 * s}px sans-serif`;
    const [lo, hi] = caption.rangeK;
    ctx.fillText(formatTemp(lo, caption.unit, false, 1), 10 * s, y0 + 54 * s);
    const hiText = formatTemp(hi, caption.unit, false, 1);
    ctx.fillText(hiText, 10 * s + barW - ctx.measureText(hiText).width, y0 + 54 * s);
    ctx.fillText(`land surface temperature (${caption.unit === 'K' ? 'K' : '°C'})`, 10 * s + barW / 3, y0 + 54 * s);
    // Scale bar for the map centre.
    const mpp = metresPerPixel(map.getZoom(), map.getCenter().lat);
    const lengthM = niceLengthM(mpp * 120);
    const px = (lengthM / mpp) * s;
    const x0 = out.width - px - 20 * s;
    ctx.fillRect(x0, y0 + 34 * s, px, 3 * s);
    ctx.fillRect(x0, y0 + 28 * s, 2 * s, 9 * s);
    ctx.fillRect(x0 + px - 2 * s, y0 + 28 * s, 2 * s, 9 * s);
    const label = lengthM >= 1000 ? `${lengthM / 1000} km` : `${lengthM} m`;
    ctx.fillText(label, x0 + px / 2 - ctx.measureText(label).width / 2, y0 + 54 * s);
    ctx.fillStyle = '#555';
    ctx.font = `${10 * s}px sans-serif`;
    ctx.fillText(caption.attribution, 10 * s, y0 + 71 * s);
  }
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
  return blob ? blob.arrayBuffer() : undefined;
}
