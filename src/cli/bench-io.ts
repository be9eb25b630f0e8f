import { existsSync } from 'node:fs';
import path from 'node:path';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { readHdf4 } from '../io/hdf4-read.ts';
import { readFileArrayBuffer } from './load.ts';

/** HDF4 SDS read speed against the same layer as a Deflate GeoTIFF (GDAL's extract), per megapixel. */
export interface Hdf4ReadRow {
  layer: string;
  megapixels: number;
  hdf4MsPerMpx: number;
  geotiffMsPerMpx: number;
  /** hdf4 / geotiff time: <= 1 means the HDF4 read is no slower. */
  ratio: number;
  reps: number;
}

const DIR = 'mod11a1-h14v09-2019305-lsttools';
const STEM = 'MOD11A1.A2019305.h14v09.006.2019306084028';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Reads LST_Day_1km of the MOD11A1 h14v09 granule from the raw `.hdf` (Deflate-compressed SDS) and
 * from GDAL's Deflate GeoTIFF extract of the same SDS (256 px tiles), both from memory, decode and
 * scaling included; median of `reps` after one warm-up. Undefined when ../shared/data is absent.
 */
export async function benchHdf4Read(dataDir: string, reps: number): Promise<Hdf4ReadRow | undefined> {
  const hdf = path.join(dataDir, DIR, `${STEM}.hdf`);
  const tif = path.join(dataDir, DIR, `${STEM}.LST_Day_1km.tif`);
  if (!existsSync(hdf) || !existsSync(tif)) return undefined;
  const hdfBytes = new Uint8Array(await readFileArrayBuffer(hdf));
  const tifBytes = await readFileArrayBuffer(tif);
  const readHdf = (): Promise<unknown> => readHdf4(hdfBytes, hdf, { fields: ['LST_Day_1km'] });
  const readTif = (): Promise<unknown> => readGeoTiff(tifBytes, tif);
  await readHdf();
  await readTif();
  // Alternate the two readers so that load from other processes hits both alike.
  const hdfRuns: number[] = [];
  const tifRuns: number[] = [];
  for (let i = 0; i < Math.max(1, reps); i++) {
    let t = performance.now();
    await readHdf();
    hdfRuns.push(performance.now() - t);
    t = performance.now();
    await readTif();
    tifRuns.push(performance.now() - t);
  }
  const hdfMs = median(hdfRuns);
  const tifMs = median(tifRuns);
  const mpx = 1.44;
  return {
    layer: 'MOD11A1 LST_Day_1km 1200x1200 uint16',
    megapixels: mpx,
    hdf4MsPerMpx: Number((hdfMs / mpx).toFixed(2)),
    geotiffMsPerMpx: Number((tifMs / mpx).toFixed(2)),
    ratio: Number((hdfMs / tifMs).toFixed(3)),
    reps,
  };
}
