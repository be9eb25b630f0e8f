import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from './inputs.ts';
import { previewScene } from './preview.ts';

const dataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const PENN = path.join(dataDir, 'landsat7_pennsylvania_goslee');
const OLINDA = path.join(dataDir, 'olinda-landsat7-dem-stars');

/** The blocker the app shows for a folder dropped whole (every file, roles as detected). */
async function blockerOf(dir: string) {
  const files = readdirSync(dir)
    .filter((n) => /\.tif$/.test(n))
    .map((n) => new File([readFileSync(path.join(dir, n))], n));
  const { inputs } = await ingestFiles(files);
  return { inputs, blocker: previewScene({ inputs: inputs.filter((i) => !i.problem).map((i) => ({ id: i.id, role: i.role })) }).blocker };
}

describe.skipIf(!existsSync(PENN) || !existsSync(OLINDA))('folders with no LST role: the hint says what to do in the app', () => {
  it('Pennsylvania (band-number exports, no metadata): nothing guessed from the values; the hint names the files and how a thermal DN band becomes kelvin', async () => {
    const { inputs, blocker } = await blockerOf(PENN);
    expect(inputs.filter((i) => i.role !== 'unknown').map((i) => [i.fileName, i.role])).toEqual([['dem.tif', 'dem']]);
    expect(blocker?.code).toBe('MISSING_BAND');
    expect(blocker?.hint).toBe(
      'None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band). ' +
        '16 files have no role the app can tell from their names or metadata (july1.tif, july2.tif, july3.tif and 13 more). If one holds LST in kelvin, pick "lst" in its Role column. ' +
        "A thermal band in digital numbers is not kelvin: drop it under its Landsat name (<scene>_B6_VCID_1.TIF, <scene>_B10.TIF) with its scene's <scene>_MTL.txt, and it is read as brightness temperature.",
    );
  });

  it('Olinda (six reflective ETM+ bands and a DEM): the hint says the stack has no thermal band and what to add', async () => {
    const { blocker } = await blockerOf(OLINDA);
    expect(blocker?.code).toBe('MISSING_BAND');
    expect(blocker?.hint).toBe(
      'None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band). ' +
        "L7_ETMs.tif holds Landsat reflective bands only (bands 1, 2, 3, 4, 5, 7), no thermal band: add an LST of the same place and date (the scene's thermal band with its MTL, or a MODIS LST), as these files cannot give one.",
    );
  });
});
