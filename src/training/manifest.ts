import type { LandsatDnSpec } from './landsat-dn.ts';
import manifest from './scenes.json';

/** How a scene may be used: see the `about` line of scenes.json. */
export type SceneSplit = 'north' | 'all' | 'eval' | 'held-out';

/**
 * A real scene of ../shared/data (one entry of src/training/scenes.json): input files by role
 * (paths relative to the data folder, `FILE:BAND` allowed), closed-loop reference factors, split.
 */
export interface ManifestScene {
  id: string;
  files: Record<string, string>;
  referenceFactors: number[];
  split: SceneSplit;
  lstOnly?: boolean;
  /** Landsat pre-Collection BQA file: pixels with medium or high cloud confidence are masked out of the LST. */
  landsatBqa?: string;
  /** `FILE:BAND` of an Fmask layer on the LST grid: anything but clear (0) or water (1) is masked out of the LST. */
  fmask?: string;
  /**
   * The auxiliary layers are the LST's own pixel grid whatever their metadata say (same size and
   * origin, pixel size off by rounding, < 0.2 %): they are put on the LST grid instead of resampled.
   */
  snapAuxToLst?: boolean;
  /** Landsat L1 DN files without MTL or Landsat naming: the calibration constants their documentation gives. */
  landsatDn?: LandsatDnSpec;
  /** A DN file on the LST grid whose values at or above `atLeast` (or its nodata: saturated) mark cloud: masked out of the LST. */
  dnMask?: { file: string; atLeast: number };
}

const SPLITS: readonly SceneSplit[] = ['north', 'all', 'eval', 'held-out'];

/** Checks one entry of scenes.json; throws naming the entry and the field that is wrong. */
export function checkManifestScene(e: unknown): ManifestScene {
  const s = e as Partial<ManifestScene>;
  const bad = (why: string) => new Error(`src/training/scenes.json: scene ${JSON.stringify(s?.id ?? e)}: ${why}`);
  if (typeof s?.id !== 'string' || !s.id) throw bad('needs an id');
  if (!s.files || typeof s.files.lst !== 'string' || !Object.values(s.files).every((v) => typeof v === 'string')) throw bad('files needs an lst path and only string paths');
  if (!Array.isArray(s.referenceFactors) || s.referenceFactors.length === 0 || !s.referenceFactors.every((f) => Number.isInteger(f) && f >= 1)) throw bad('referenceFactors must be integers >= 1');
  if (!SPLITS.includes(s.split as SceneSplit)) throw bad(`split must be one of ${SPLITS.join(', ')}`);
  return s as ManifestScene;
}

/** Every scene of the manifest. */
export const MANIFEST_SCENES: readonly ManifestScene[] = (manifest.scenes as unknown[]).map(checkManifestScene);

/** Scenes training may use (never `eval` or `held-out` ones). */
export function trainingScenes(): ManifestScene[] {
  return MANIFEST_SCENES.filter((s) => s.split === 'north' || s.split === 'all');
}

/** A manifest scene by id; throws naming the id when it is not in scenes.json. */
export function manifestScene(id: string): ManifestScene {
  const s = MANIFEST_SCENES.find((x) => x.id === id);
  if (!s) throw new Error(`scene '${id}' is not in src/training/scenes.json`);
  return s;
}
