import { CLOUD_SHARE_LIMIT, NOT_ZERO_WORDS } from './cloud-mask.ts';

/** How many LST pixels one mask takes, out of the LST pixels still valid where it applies. */
export interface MaskCount {
  /** LST pixels valid where the mask applies: not fill (and, for the cloud mask, kept by the QC). */
  valid: number;
  /** Of them, how many the mask takes. */
  masked: number;
  /** `masked / valid`, 0 when none is valid. */
  share: number;
}

/**
 * What the masks of a scene take from its LST before any run, per cause and together: the counts
 * the scene's notes (`maskNotices`), the app's scene line and the command line's report.json
 * shares are made from. The QC applies first; the cloud mask counts among the pixels the QC kept.
 */
export interface SceneMaskReport {
  /** LST pixels that are not fill, before any mask. */
  valid: number;
  /** Of them, how many the masks take together. */
  masked: number;
  /** `masked / valid`, 0 when none is valid. */
  share: number;
  /** The MOD11 QC applied, with its name for messages. */
  qc?: MaskCount & { name: string };
  /**
   * The cloud masks applied (Fmask, ECOSTRESS cloud_mask: every pixel where it is not 0, so Fmask
   * water, shadow and snow too; a Landsat BQA or QA_PIXEL by its bits), an LST pixel masked where
   * any says not clear, with the name (names joined by ' + ' for several); `coverage` (0..1 of the
   * LST) when the one mask was on another grid and was reprojected onto the LST's; `parts`, each
   * mask as its note says it (without them: one mask read as not 0, named `name`).
   */
  cloudMask?: MaskCount & { name: string; coverage?: number; parts?: CloudMaskPart[] };
  /** The water mask applied (ECOSTRESS water_mask: every pixel where it is not 0), counted among the pixels the QC and the cloud mask kept; as `cloudMask`. */
  waterMask?: MaskCount & { name: string; coverage?: number };
}

/** One cloud mask among those of a scene, as the note says it. */
export interface CloudMaskPart {
  name: string;
  /** What its values call not clear (`CloudReading.words`; default NOT_ZERO_WORDS). */
  reading?: string;
  /** Of the cloud masks' valid LST pixels, how many this mask alone calls not clear. */
  masked: number;
  /**
   * How it was put on the LST grid when not on it already: 'reprojected' (nearest mask pixel) or
   * 'finer' (its pixels are finer than the LST's: masked by the share under each LST pixel).
   */
  how?: 'reprojected' | 'finer';
  /** 0..1: of the LST grid ('reprojected'), of the valid LST pixels ('finer'). */
  coverage?: number;
  /** 'finer': the pixel sizes in words, when comparable ('30 m mask pixels under 300 m LST pixels'). */
  sizes?: string;
  /** 'finer': valid LST pixels with some not-clear share under them, at most CLOUD_SHARE_LIMIT, kept. */
  keptUnderLimit?: number;
}

/** Masked share above which the notes advise another date. */
export const MOSTLY_MASKED = 0.5;
/** Coverage of a reprojected cloud mask under which the LST outside it is said to stay unmasked. */
const WHOLE_COVERAGE = 0.995;

/** A share (0..1) as a whole percentage that is never '0 %' or '100 %' when it is not so: 'under 1 %', '27 %', 'over 99 %'. */
export function percentWords(x: number): string {
  const p = Math.round(100 * x);
  if (p === 0 && x > 0) return 'under 1 %';
  if (p === 100 && x < 1) return 'over 99 %';
  return `${p} %`;
}

/**
 * How many of the `valid` LST pixels a mask takes, in words that stay true where a rounded share
 * would not: 'none of the 1970396 valid LST pixels', '4 of the 1970396 valid LST pixels, under 1 %',
 * '27 % of the valid LST pixels'. `short`, for a one-line summary beside other facts (the app's
 * scene line): 'none of 1970396 px', '4 of 1970396 px, under 1 %', '27 %'.
 */
export function maskedShareWords(masked: number, valid: number, short = false): string {
  const of = (n: number) => (short ? `${n} of ${valid} px` : `${n} of the ${valid} valid LST pixels`);
  if (masked === 0) return short ? `none of ${valid} px` : `none of the ${valid} valid LST pixels`;
  const share = masked / valid;
  if (share < 0.01) return `${of(masked)}, under 1 %`;
  if (share > 0.99 && masked < valid) return `${of(masked)}, over 99 %`;
  return short ? percentWords(share) : `${percentWords(share)} of the valid LST pixels`;
}

/** Counts `masked` of `valid` as a `MaskCount`. */
export function maskCount(valid: number, masked: number): MaskCount {
  return { valid, masked, share: valid ? masked / valid : 0 };
}

/** The note of a mask applied where it is not 0: what it takes, what its 0 (`zero`) and its other values (`what`) are, and where it was reprojected. */
function flagMaskNote(mask: NonNullable<SceneMaskReport['cloudMask']>, label: string, zero: string, what: string): string {
  const partial = mask.coverage !== undefined && mask.coverage < WHOLE_COVERAGE;
  const where =
    mask.coverage === undefined
      ? ''
      : ` It is on another grid than the LST and was reprojected onto it by georeference (nearest mask pixel)${partial ? `; it covers only ${percentWords(mask.coverage)} of the LST, and the LST outside it is not masked: use a ${label} that covers the whole scene` : ''}.`;
  const which = mask.masked === 0 ? `: it is 0 (${zero}) or nodata wherever the LST is valid.` : ` (every pixel where it is not 0: ${what}).`;
  return `The ${label} ${mask.name} masks ${maskedShareWords(mask.masked, mask.valid)}${which}${where}`;
}

/** A scene's mask notice, and whether the app shows it before the run (above the Run button). */
export interface MaskNotice {
  text: string;
  isWarning: boolean;
}

/**
 * The scene's notes on its masks, one per mask applied, from `report` alone: what each takes of
 * the valid LST pixels (naming its file), and once, on the last of them, `advice` (what to do,
 * in the words of the app or of the command line) when the masks together take most of the LST.
 * The QC's note is a warning only then; the cloud mask's always is (it names what it masks).
 */
export function maskNotices(report: SceneMaskReport, advice: string): MaskNotice[] {
  const notes: MaskNotice[] = [];
  const isMostly = report.share > MOSTLY_MASKED;
  const { qc, cloudMask: cloud, waterMask: water } = report;
  if (qc) notes.push({ text: `The QC ${qc.name} masks ${maskedShareWords(qc.masked, qc.valid)} (cloud or poor quality).`, isWarning: isMostly });
  if (cloud) notes.push({ text: cloudNote(cloud), isWarning: true });
  if (water) notes.push({ text: flagMaskNote(water, 'water mask', 'land', 'water, as Fmask water is masked'), isWarning: true });
  if (isMostly && notes.length > 0) {
    const last = notes[notes.length - 1];
    const together = notes.length > 1 ? ` Together they mask ${maskedShareWords(report.masked, report.valid)}.` : '';
    notes[notes.length - 1] = { text: `${last.text}${together} ${advice}`, isWarning: true };
  }
  return notes;
}

/** Names joined for a sentence: 'a', 'a and b', 'a, b and c'. */
export function andList(names: string[]): string {
  return names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** How a cloud mask was put on the LST grid, in a sentence ('' on the same grid); `it` names it. */
function placementWords(p: CloudMaskPart, it: string): string {
  // A mask on another grid that covers part of the LST leaves the rest unmasked, which must be said.
  const partial = p.coverage !== undefined && p.coverage < WHOLE_COVERAGE;
  const rest = partial ? `; it covers only ${percentWords(p.coverage!)} of the LST, and the LST outside it is not masked: use a cloud mask that covers the whole scene` : '';
  if (p.how === 'reprojected') return ` ${it} is on another grid than the LST and was reprojected onto it by georeference (nearest mask pixel)${rest}.`;
  if (p.how !== 'finer') return '';
  const kept = p.keptUnderLimit ? ` ${p.keptUnderLimit} LST pixels with a smaller not-clear share under them are kept.` : '';
  return ` ${it} has finer pixels than the LST${p.sizes ? ` (${p.sizes})` : ''}: an LST pixel is masked when more than ${Math.round(100 * CLOUD_SHARE_LIMIT)} % of the mask pixels under it are not clear, as a thin cloud edge already makes a coarse pixel read too cold${rest}.${kept}`;
}

/** The note on the cloud masks: what they take, what each calls not clear, and how each was put on the LST grid. */
function cloudNote(cloud: NonNullable<SceneMaskReport['cloudMask']>): string {
  const parts = cloud.parts ?? [{ name: cloud.name, masked: cloud.masked, ...(cloud.coverage !== undefined ? { how: 'reprojected' as const, coverage: cloud.coverage } : {}) }];
  const taken = maskedShareWords(cloud.masked, cloud.valid);
  if (parts.length === 1) {
    const [p] = parts;
    const reading = p.reading ?? NOT_ZERO_WORDS;
    const what = cloud.masked > 0 ? ` (${reading}).` : `: it is ${reading === NOT_ZERO_WORDS ? '0 (clear)' : 'clear'} or nodata wherever the LST is valid.`;
    return `The cloud mask ${p.name} masks ${taken}${what}${placementWords(p, 'It')}`;
  }
  const each = parts.map((p) => `${p.name} alone ${maskedShareWords(p.masked, cloud.valid)} (${p.reading ?? NOT_ZERO_WORDS})`);
  return `The cloud masks ${andList(parts.map((p) => p.name))} mask ${taken} together: an LST pixel is masked where any of them says it is not clear. ${each.join('; ')}.${parts.map((p) => placementWords(p, p.name)).join('')}`;
}
