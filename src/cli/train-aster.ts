import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildAsterPair, type AsterPair } from '../training/aster-pairs.ts';
import { loadDataset } from './load.ts';

/** Folder of the MODIS-ASTER pairs inside the data folder. */
export const ASTER_FOLDER = 'modis-aster-h18v04-sifcnnsr';

/** Reads every pair folder of the MODIS-ASTER database (sorted by id); folders with a missing file are skipped with a log line. */
export async function loadAsterPairs(dataDir: string, log: (s: string) => void = () => {}): Promise<AsterPair[]> {
  const root = path.join(dataDir, ASTER_FOLDER);
  const ids = (await readdir(root, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => Number(a) - Number(b));
  const out: AsterPair[] = [];
  for (const id of ids) {
    try {
      const r = async (f: string) => (await loadDataset(path.join(root, id, f))).bands[0].raster;
      out.push(buildAsterPair(id, await r('MOD21A1D_LST_1km.tif'), await r('MOD09GQ_NDVI_250m.tif'), await r('ASTER_LST_250m.tif')));
    } catch (e) {
      log(`aster pair ${id}: skipped (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return out;
}
