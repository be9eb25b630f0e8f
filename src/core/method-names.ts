/**
 * Method ids as people read them: one table for the app's layers, trust panel, score table and
 * timings, and for the pipeline's progress lines (`SRDA-Net`, `Bicubic`, `TsHARP`, `DMS`).
 */
export const METHOD_NAMES = {
  srda: 'SRDA-Net',
  bicubic: 'Bicubic',
  tsharp: 'TsHARP',
  dms: 'DMS',
} as const;

const OTHER_NAMES: Readonly<Record<string, string>> = { 'srda (fine-tuned)': 'SRDA-Net (fine-tuned)' };

/** A method id (or a run's method label such as `srda (fine-tuned)`) as people read it; unknown ids as given. */
export function methodName(id: string): string {
  return (METHOD_NAMES as Readonly<Record<string, string>>)[id] ?? OTHER_NAMES[id] ?? id;
}
