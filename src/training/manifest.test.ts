import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkManifestScene, MANIFEST_SCENES, manifestScene, trainingScenes } from './manifest.ts';

const dataDir = path.resolve(__dirname, '../../../shared/data');

describe('the scene manifest (src/training/scenes.json)', () => {
  it('never lets training see Pensacola, the Dhaka evaluation dates or the evaluation-only loops', () => {
    const ids = trainingScenes().map((s) => s.id);
    expect(manifestScene('pensacola').split).toBe('held-out');
    for (const id of ['pensacola', 'dhaka-097', 'dhaka-113', 'gezira']) expect(ids).not.toContain(id);
    expect(ids).toContain('lisbon');
    expect(new Set(MANIFEST_SCENES.map((s) => s.id)).size).toBe(MANIFEST_SCENES.length);
  });

  it('rejects an entry with a bad split or reference factor, naming the scene', () => {
    expect(() => checkManifestScene({ id: 'x', files: { lst: 'a.tif' }, referenceFactors: [2], split: 'south' })).toThrow(/scene "x".*split/);
    expect(() => checkManifestScene({ id: 'y', files: { lst: 'a.tif' }, referenceFactors: [0.5], split: 'all' })).toThrow(/scene "y".*referenceFactors/);
    expect(() => checkManifestScene({ id: 'z', files: { ndvi: 'a.tif' }, referenceFactors: [1], split: 'all' })).toThrow(/lst/);
  });

  it.skipIf(!existsSync(dataDir))('names only files that exist in ../shared/data', () => {
    for (const s of MANIFEST_SCENES) {
      for (const f of [...Object.values(s.files), ...(s.landsatBqa ? [s.landsatBqa] : []), ...(s.fmask ? [s.fmask] : []), ...(s.dnMask ? [s.dnMask.file] : [])]) {
        expect(existsSync(path.join(dataDir, f.replace(/:[^:/]+$/, ''))), `${s.id}: ${f}`).toBe(true);
      }
    }
  });
});
