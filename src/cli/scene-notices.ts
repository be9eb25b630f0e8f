/**
 * The notes of a prepared scene (what reading, assembling and preparing it did: the files' own
 * notes, the units conversion, QC and cloud masking, reprojection, resampling, cropping, guide
 * registration), each once and in the words the app shows. What to do when most of the LST is
 * masked is said by the mask notes themselves (`maskNotices`, from the assembly's counts).
 */
export function sceneNotices(notes: readonly string[]): string[] {
  return [...new Set(notes)];
}
