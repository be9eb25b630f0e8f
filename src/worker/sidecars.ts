import { AppError } from '../core/errors.ts';
import { parsePamAux } from '../io/pam-aux.ts';

/** Largest `.aux.xml` sidecar read: real ones are a few kB (the CLI uses the same bound). */
export const MAX_SIDECAR_BYTES = 4 * 2 ** 20;

const SIDECAR = /\.aux\.xml$/i;

/** True for a GDAL PAM sidecar name (`RASTER.aux.xml`). */
export function isSidecarName(name: string): boolean {
  return SIDECAR.test(name);
}

/** The raster a sidecar belongs to: `a.tif.aux.xml` -> `a.tif`. */
export function sidecarTarget(name: string): string {
  return name.replace(SIDECAR, '');
}

/** Text of a dropped sidecar; BAD_ARGUMENT naming the file when it is too large or not a GDAL PAM document. */
export async function readSidecarText(file: File): Promise<string> {
  if (file.size > MAX_SIDECAR_BYTES)
    throw new AppError(
      'BAD_ARGUMENT',
      `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB, too large for a GDAL .aux.xml sidecar (at most ${MAX_SIDECAR_BYTES / 2 ** 20} MB); remove it from the drop.`,
      { file: file.name },
    );
  const text = await file.text();
  if (!text.includes('<PAMDataset'))
    throw new AppError(
      'BAD_ARGUMENT',
      `${file.name} is not a GDAL .aux.xml sidecar (no <PAMDataset> element); remove it from the drop.`,
      { file: file.name },
    );
  return text;
}

/** What a sidecar sets for band `band` (0-based), in words, e.g. `scale 0.1, offset 273.15 from a.tif.aux.xml`; undefined when nothing. */
export function describeSidecar(text: string, sidecarName: string, band: number): string | undefined {
  const b = parsePamAux(text).get(band);
  if (!b) return undefined;
  const parts = [
    b.scale !== undefined ? `scale ${b.scale}` : '',
    b.offset !== undefined ? `offset ${b.offset}` : '',
    b.nodata !== undefined ? `nodata ${b.nodata}` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')} from ${sidecarName}` : undefined;
}
