/** A masked share (of the valid LST pixels) from which a command-line user is told what to do. */
const MOSTLY_MASKED = 0.5;

/** The share of the valid LST pixels a mask note says was masked, or undefined for another note. */
function maskedShare(note: string): number | undefined {
  const removed = /removed (\d+) of the (\d+) valid LST pixels/.exec(note);
  if (removed) return Number(removed[2]) > 0 ? Number(removed[1]) / Number(removed[2]) : 0;
  // 'masks 27 % of the …', or a count where a rounded share would not be true ('masks 995 of the 1000 …, over 99 %').
  const counted = /masks (\d+) of the (\d+) valid LST pixels/.exec(note);
  if (counted) return Number(counted[2]) > 0 ? Number(counted[1]) / Number(counted[2]) : 0;
  const masks = /masks (\d+) % of the valid LST pixels/.exec(note);
  return masks ? Number(masks[1]) / 100 : undefined;
}

/**
 * The notes of a prepared scene (what reading, assembling and preparing it did: the files' own
 * notes, the units conversion, QC and cloud masking, reprojection, resampling, cropping, guide
 * registration), each once and in the words the app shows, with what a command-line user can do
 * where there is something to do and the note does not say it.
 */
export function sceneNotices(notes: readonly string[]): string[] {
  const unique = [...new Set(notes)];
  // The advice is given once: the QC's own note says it when it masks most of the LST.
  let isAdvised = unique.some((n) => /clearer date/.test(n));
  return unique.map((n) => {
    const share = maskedShare(n);
    if (isAdvised || share === undefined || share < MOSTLY_MASKED) return n;
    isAdvised = true;
    return `${n} Most of the LST is masked: give the files of a clearer date if there is one.`;
  });
}
