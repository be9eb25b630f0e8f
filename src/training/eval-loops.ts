import { closedLoopScene } from '../pipeline/evaluate.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';
import { manifestScene } from './manifest.ts';
import { loadManifestInputs } from './manifest-inputs.ts';
import { southOfTraining } from './south-half.ts';

/**
 * A closed-loop row of the accuracy table: manifest scene `id`, scored `stages` stages up to its LST
 * block-averaged by `f`, on its southern half where `south`. `products`: the LST and the guides are
 * separate products (MOD11 + MOD13); the scene is then prepared without guide registration and the
 * loop registers its guides against its own coarse LST, as a run on the loop's input would:
 * registering at the scene's scale would fit the shift on the loop's truth.
 */
export interface LoopRow {
  id: string;
  f: number;
  stages: number;
  south?: boolean;
  products?: boolean;
  label: string;
}

/** The table's loop rows, in its order (`npm run eval:accuracy`). */
export const LOOP_ROWS: readonly LoopRow[] = [
  { id: 'pensacola', f: 4, stages: 2, label: 'Pensacola chain 480 -> 240 -> 120 m (held out)' },
  { id: 'lisbon', f: 2, stages: 2, south: true, label: 'Lisbon south half 240 -> 120 -> 60 m' },
  { id: 'dhaka-097', f: 1, stages: 1, products: true, label: 'Dhaka DOY 097, 2 km -> 1 km' },
  { id: 'dhaka-113', f: 1, stages: 1, products: true, label: 'Dhaka DOY 113, 2 km -> 1 km' },
  { id: 'gezira', f: 4, stages: 1, label: 'Gezira L8 240 -> 120 m (new loop, not trained on)' },
  { id: 'zhangye', f: 4, stages: 1, label: 'Zhangye 240 -> 120 m (new loop, not trained on)' },
  { id: 'mendoza', f: 4, stages: 1, label: 'Mendoza L8 240 -> 120 m (new loop, not trained on)' },
  { id: 'chiapas-1999', f: 4, stages: 1, label: 'Chiapas L7 1999-11-18 240 -> 120 m (new loop, not trained on)' },
  { id: 'chiapas-2002', f: 4, stages: 1, south: true, label: 'Chiapas L7 2002-04-16 south half 240 -> 120 m (Fmask cloud masked)' },
  { id: 'talca', f: 4, stages: 1, south: true, label: 'Talca L7 south half 240 -> 120 m' },
  { id: 'pennsylvania', f: 4, stages: 1, south: true, label: 'Pennsylvania L7 2002-07-20 south half 240 -> 120 m (cumulus masked)' },
];

/**
 * The scene a loop row scores (its southern half where the row says so), and the loop's input one
 * octave coarser, on which the detail weight is fitted as a user's run would fit it.
 */
export async function loopRowScenes(dataDir: string, row: LoopRow, log: (s: string) => void): Promise<{ scene: Scene; loopInput: Scene }> {
  const entry = manifestScene(row.id);
  const loaded = await loadManifestInputs(dataDir, entry, log);
  let scene = prepareScene(loaded.inputs, { allowZeroStages: true, registerGuides: false });
  if (row.south) scene = southOfTraining(scene, entry.referenceFactors);
  return { scene, loopInput: closedLoopScene(scene, row.stages, row.f, row.products === true).loop };
}
