import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from './inputs.ts';

const MENDOZA = path.resolve(import.meta.dirname, '../../../shared/data/landsat8_mendoza_water');
const scene = 'LC82320832016040LGN00';
const MTL = `${scene}_MTL.txt`;
const mendozaFile = (suffix: string): File => new File([readFileSync(path.join(MENDOZA, `${scene}${suffix}`))], `${scene}${suffix}`);

/** A read of the MTL and a band file whose read waits at its start until `release()`; `held` once it waits there (the MTL stored). */
function heldRead(band: string): { read: Promise<unknown>; held: Promise<void>; release: () => void; cancel: () => void } {
  let release!: () => void;
  let isHeld!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Promise<void>((r) => (isHeld = r));
  const file = new (class extends File {
    override async arrayBuffer(): Promise<ArrayBuffer> {
      isHeld();
      await gate;
      return super.arrayBuffer();
    }
  })([readFileSync(path.join(MENDOZA, `${scene}${band}`))], `${scene}${band}`);
  const ctrl = new AbortController();
  const read = ingestFiles([mendozaFile('_MTL.txt'), file], { signal: ctrl.signal });
  // Seen by the test as it ends: cancelled.
  read.catch(() => undefined);
  return { read, held, release, cancel: () => ctrl.abort() };
}

/** What the worker calibrates a band file dropped now with (its row's word), reading it alone. */
async function calibrationNow(band: string): Promise<string | undefined> {
  const { inputs } = await ingestFiles([mendozaFile(band)]);
  return inputs[0].sidecar;
}

// Each file of tests has its own worker module: no MTL of this scene is stored before these, and the
// cases run in this order (the first two leave none).
describe.skipIf(!existsSync(MENDOZA))('the same Landsat MTL in two reads at once (worker input store, Mendoza)', () => {
  for (const order of [['earlier', 'later'], ['later', 'earlier']] as const) {
    it(`keeps no MTL once both reads of it are cancelled, the ${order[0]} first`, async () => {
      const reads = { earlier: heldRead('_band3.tif'), later: heldRead('_band4.tif') };
      await reads.earlier.held;
      await reads.later.held;
      for (const k of order) {
        reads[k].cancel();
        reads[k].release();
        await expect(reads[k].read).rejects.toMatchObject({ code: 'CANCELLED' });
      }
      // Before, with the earlier read cancelled first, the later one put back the MTL the earlier had stored.
      expect(await calibrationNow('_band5.tif')).toBeUndefined();
    });
  }

  it('keeps the MTL of a finished read when a read of it begun earlier is cancelled', async () => {
    const first = heldRead('_band11.tif');
    await first.held;
    const second = await ingestFiles([mendozaFile('_MTL.txt'), mendozaFile('_band10.tif')]);
    expect(second.inputs.map((r) => r.sidecar)).toEqual([`calibrated with ${MTL}`]);
    first.cancel();
    first.release();
    await expect(first.read).rejects.toMatchObject({ code: 'CANCELLED' });
    // Before, the cancelled read put back the MTLs as they were when it began (none): band 2 was not calibrated.
    expect(await calibrationNow('_band2.tif')).toBe(`calibrated with ${MTL}`);
  });
});
