import { AppError } from '../core/errors.ts';
import type { Raster } from '../core/raster/raster.ts';

/** MOD11/MYD11 QC bits 0-1: mandatory QA. */
export type Mod11Mandatory = 'good' | 'other' | 'cloud' | 'not-produced';

/** Decoded fields of one MOD11 QC byte. */
export interface Mod11QcFields {
  mandatory: Mod11Mandatory;
  /** Bits 2-3: 0 good, 1 other quality, 2-3 TBD. */
  dataQuality: number;
  /** Bits 4-5: upper bound of the emissivity error (0.01, 0.02, 0.04, Infinity). */
  emisErrorMax: number;
  /** Bits 6-7: upper bound of the LST error in K (1, 2, 3, Infinity). */
  lstErrorMaxK: number;
}

const MANDATORY: Mod11Mandatory[] = ['good', 'other', 'cloud', 'not-produced'];
const EMIS_ERR = [0.01, 0.02, 0.04, Number.POSITIVE_INFINITY];
const LST_ERR_K = [1, 2, 3, Number.POSITIVE_INFINITY];

/** Decodes one MOD11 QC value (0..255). */
export function decodeMod11QcValue(qc: number): Mod11QcFields {
  return {
    mandatory: MANDATORY[qc & 3],
    dataQuality: (qc >> 2) & 3,
    emisErrorMax: EMIS_ERR[(qc >> 4) & 3],
    lstErrorMaxK: LST_ERR_K[(qc >> 6) & 3],
  };
}

/**
 * Which LST pixels to keep. Default: mandatory QA "good" or "other quality" with LST error <= 2 K
 * (any data quality and emissivity error).
 */
export interface Mod11QcPolicy {
  accept: readonly Mod11Mandatory[];
  /** Keep only pixels whose LST error bound is <= this (1, 2, 3 K or Infinity). */
  maxLstErrorK: number;
  /** Keep only pixels whose emissivity error bound is <= this (default Infinity). */
  maxEmisError?: number;
  /** Reject data-quality values above this (0 good only, 1 also "other", 3 any; default 3). */
  maxDataQuality?: number;
}

/** The project default: good or other quality, LST error <= 2 K. */
export const DEFAULT_MOD11_QC_POLICY: Mod11QcPolicy = { accept: ['good', 'other'], maxLstErrorK: 2 };

/**
 * A keep-mask (1 keep, 0 reject) from MOD11 QC values under `policy`. NaN QC (no QC known)
 * counts as keep, so the LST's own validity decides.
 */
export function decodeMod11Qc(qc: Float32Array, policy: Mod11QcPolicy = DEFAULT_MOD11_QC_POLICY): Uint8Array {
  const keep = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const f = decodeMod11QcValue(v);
    keep[v] =
      policy.accept.includes(f.mandatory) &&
      f.lstErrorMaxK <= policy.maxLstErrorK &&
      f.emisErrorMax <= (policy.maxEmisError ?? Number.POSITIVE_INFINITY) &&
      f.dataQuality <= (policy.maxDataQuality ?? 3)
        ? 1
        : 0;
  }
  const out = new Uint8Array(qc.length);
  for (let i = 0; i < qc.length; i++) {
    const v = qc[i];
    out[i] = Number.isNaN(v) ? 1 : keep[v & 255];
  }
  return out;
}

/**
 * A copy of `lst` with pixels rejected by the MOD11 QC set to NaN. Both rasters must be the same
 * size (the QC of the same granule). Returns the new raster and the count of rejected valid pixels.
 */
export function applyMod11Qc(
  lst: Raster,
  qc: Raster,
  policy: Mod11QcPolicy = DEFAULT_MOD11_QC_POLICY,
): { raster: Raster; rejected: number } {
  if (lst.width !== qc.width || lst.height !== qc.height) {
    throw new AppError(
      'GRID_MISMATCH',
      `QC grid ${qc.width}x${qc.height} does not match the LST grid ${lst.width}x${lst.height}.`,
    );
  }
  const keep = decodeMod11Qc(qc.data, policy);
  const data = new Float32Array(lst.data);
  let rejected = 0;
  for (let i = 0; i < data.length; i++) {
    if (!keep[i] && !Number.isNaN(data[i])) {
      data[i] = Number.NaN;
      rejected++;
    }
  }
  return { raster: { ...lst, data }, rejected };
}
