import { AppError, isAppError } from '../core/errors.ts';
import { assembleScene, type AssembledScene, type LabelledBand } from '../pipeline/scene-assembly.ts';
import { getInput, pixelSizeMetres } from './inputs.ts';
import type { RunParams, ScenePreview } from './protocol.ts';

/** LST-to-guide pixel ratio below which the inputs count as one grid (a 2x stage needs ~2). */
const SAME_GRID_RATIO = 1.5;

/** The worker's labelled bands: every input with the role the user confirmed. */
export function labelledInputs(params: Pick<RunParams, 'inputs'>): LabelledBand[] {
  return params.inputs.map(({ id, role }) => {
    const s = getInput(id);
    return { key: id, name: s.info.fileName, role, dataset: s.dataset, band: s.band };
  });
}

/** The app's scene: lenient assembly (doubts become notices) of the chosen date. */
export function assembleForApp(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>): AssembledScene {
  const bands = labelledInputs(params);
  if (!bands.some((b) => b.role === 'lst')) {
    const hint =
      bands.length === 0
        ? 'Drop an LST file (MOD11A1/MOD11A2 LST, or a Landsat thermal band), or load the demo scene.'
        : 'None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band).';
    throw Object.assign(new AppError('MISSING_BAND', 'No input has the role lst.'), { hint });
  }
  const known = params.sceneId !== undefined && bands.some((b) => b.role === 'lst');
  try {
    return assembleScene(bands, { mode: 'lenient', sceneId: known ? params.sceneId : undefined, maxDateGapDays: params.maxDateGapDays });
  } catch (e) {
    // A date picked before its files were removed: fall back to the earliest.
    if (isAppError(e) && e.code === 'BAD_ARGUMENT') return assembleScene(bands, { mode: 'lenient', maxDateGapDays: params.maxDateGapDays });
    throw e;
  }
}

/** Grid facts of an assembled scene: LST and finest guide pixel sizes, same grid, LST only. */
export function gridFacts(a: AssembledScene): Pick<ScenePreview, 'lstPixelM' | 'guidePixelM' | 'isSameGrid' | 'isLstOnly'> {
  const lstPixelM = pixelSizeMetres(a.lst.band.raster);
  const guides = Object.values(a.aux).map((b) => pixelSizeMetres(b.band.raster));
  if (guides.length === 0) return { lstPixelM, isSameGrid: false, isLstOnly: true };
  const guidePixelM = Math.min(...guides);
  return { lstPixelM, guidePixelM, isSameGrid: lstPixelM / guidePixelM < SAME_GRID_RATIO, isLstOnly: false };
}

/** What the current inputs make, before any run (shown above the Run button). */
export function previewScene(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>): ScenePreview {
  try {
    const a = assembleForApp(params);
    const used: ScenePreview['used'] = { lst: a.lst.name };
    if (a.qc) used['lst-qc'] = a.qc.name;
    for (const [role, b] of Object.entries(a.aux)) used[role as keyof typeof used] = b.name;
    return {
      scenes: a.groups,
      sceneId: a.group.id,
      lstName: a.lst.name,
      used,
      qcMaskedShare: a.qcMask?.share,
      dateGaps: a.dateGaps,
      ...gridFacts(a),
      notices: a.notices,
    };
  } catch (e) {
    const err = isAppError(e) ? e : new AppError('INTERNAL', String(e));
    return {
      scenes: [],
      used: {},
      dateGaps: [],
      isSameGrid: false,
      isLstOnly: false,
      notices: [],
      blocker: { code: err.code, message: err.message, file: err.file, hint: (err as { hint?: string }).hint },
    };
  }
}
