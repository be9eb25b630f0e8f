import { AppError, isAppError } from '../core/errors.ts';
import { coarsenGrid, cropGrid, type PixelWindow } from '../core/geo/grid.ts';
import type { RunOptions } from '../core/progress.ts';
import type { ResidualMode } from '../core/raster/correct.ts';
import { unpackWindow, type AuxLayer } from '../core/raster/packed.ts';
import type { Raster } from '../core/raster/raster.ts';
import { scoreAgainst } from '../core/raster/metrics.ts';
import { cropRaster, extractTile } from '../core/raster/tiling.ts';
import { runDownscale } from './downscale.ts';
import { closedLoopScene, evaluateClosedLoop, scoreEachMethod, scoreFields, type ClosedLoopOptions, type ClosedLoopResult, type Scores } from './evaluate.ts';
import type { MethodId, StageMethod } from './method.ts';
import type { Scene } from './scene.ts';
import { runLimited } from './tile-pool.ts';

/**
 * Above this many LST pixels the closed loop runs on `LOOP_GRID` x `LOOP_GRID` windows spread
 * evenly over the scene, each with a margin of `LOOP_MARGIN_PX` on every side that is run but not
 * scored (so no scored pixel sits at a window's edge, where a tile without halo would differ),
 * together at most this many pixels, instead of the whole scene: one least-squares weight needs
 * far fewer samples than a full MODIS tile's 1.44 million, and the loop costs a network run over
 * every pixel it covers. Smaller scenes run whole.
 */
export const MAX_LOOP_PIXELS = 1 << 19;
const LOOP_GRID = 3;
/** Errors of a method that could not fit one window's input (too few valid pixels, no guide with variation there). */
const UNFITTED_WINDOW: ReadonlySet<string> = new Set(['ALL_NODATA', 'MISSING_BAND']);
/** Reference pixels around each window, run and not scored: 32 loop-coarse pixels, more than SRDA-Net's tile halo. */
export const LOOP_MARGIN_PX = 64;

/** A window of the loop: `run` is cropped and run, `score` (inside it) is scored. */
export interface LoopWindow {
  run: PixelWindow;
  score: PixelWindow;
}

/** The windows of a `width` x `height` LST the loop runs on: the whole scene, or LOOP_GRID^2 even-sized windows with margins spread over it. */
export function loopWindows(width: number, height: number): LoopWindow[] {
  if (width * height <= MAX_LOOP_PIXELS) {
    const whole = { col: 0, row: 0, width, height };
    return [{ run: whole, score: whole }];
  }
  // Even sizes and offsets, inside the scene's even part, so a window's 2x2 blocks are whole.
  const ew = width - (width % 2);
  const eh = height - (height % 2);
  const m = LOOP_MARGIN_PX;
  const inner = 2 * Math.floor((Math.sqrt(MAX_LOOP_PIXELS / (LOOP_GRID * LOOP_GRID)) - 2 * m) / 2);
  // Per axis: up to LOOP_GRID scored spans of `s` pixels centred on equal parts of the axis, with margins where the scene has room.
  const spans = (n: number): { run: [number, number]; score: [number, number] }[] => {
    const s = Math.min(n, inner);
    const k = Math.min(LOOP_GRID, Math.max(1, Math.floor(n / (s + 2 * m))));
    return Array.from({ length: k }, (_, i) => {
      const start = Math.min(n - s, Math.max(0, 2 * Math.round(((i + 0.5) * n) / k / 2 - s / 4)));
      const r0 = Math.max(0, start - m);
      const r1 = Math.min(n, start + s + m);
      return { run: [r0, r1 - r0], score: [start, s] };
    });
  };
  const out: LoopWindow[] = [];
  for (const y of spans(eh))
    for (const x of spans(ew))
      out.push({ run: { col: x.run[0], row: y.run[0], width: x.run[1], height: y.run[1] }, score: { col: x.score[0], row: y.score[0], width: x.score[1], height: y.score[1] } });
  return out;
}

/** The scene's LST and its coarsest guides cropped to `w` (all a one-stage closed loop reads of it). */
function cropForLoop(scene: Scene, w: PixelWindow): Scene {
  const l0 = scene.levels[0];
  const aux = Object.fromEntries(Object.entries(l0.aux).map(([k, r]) => [k, { ...cropGrid(r as AuxLayer, w), data: unpackWindow(r as AuxLayer, w) }]));
  return { ...scene, lst: cropRaster(scene.lst, w), levels: [{ grid: cropGrid(l0.grid, w), aux, pixelSizeM: l0.pixelSizeM }], stages: 1 };
}

/** The scene's one-stage closed loop on `loopWindows`: what `sampledLoop` gives. */
export interface SampledLoop {
  /** The first window's loop scene (its levels' pixel sizes are the loop's scale). */
  loop: Scene;
  /** The reference LST (K) of the scored pixels, window after window. */
  reference: Float32Array;
  /** Each window's scored size, in `reference`'s order (the whole loop when it runs whole). */
  scored: { width: number; height: number }[];
  /** A method's final field on the scored pixels, residual-corrected (the run's mode). */
  final: (m: StageMethod, run: RunOptions) => Promise<Float32Array>;
  /**
   * As `final`, with or without the residual correction, and the largest |block mean - input| (K) of
   * its corrected runs. A window the method cannot fit (ALL_NODATA, MISSING_BAND) is NaN; the error
   * is thrown only when no window could be fitted.
   */
  runOn: (m: StageMethod, run: RunOptions, o: { residualCorrection: boolean; tileCoarsePx?: number }) => Promise<{ field: Float32Array; energyMaxAbsK: number }>;
}

/**
 * The scene's one-stage closed loop (its LST block-averaged by 2 as input, the LST itself as
 * reference; on `loopWindows` of a large scene) and a runner giving a method's final field on it:
 * the scored pixels of each window one after another, as in `reference`. The one sample of the
 * loop the detail weight is fitted on and the app's, `downscale`'s and `batch`'s checks score.
 * Undefined when the scene is too small for a loop.
 */
export function sampledLoop(scene: Scene, residualMode: ResidualMode = 'linear'): SampledLoop | undefined {
  const windows = loopWindows(scene.lst.width, scene.lst.height);
  const whole = windows.length === 1 && windows[0].run.width === scene.lst.width && windows[0].run.height === scene.lst.height;
  const loops: { loop: Scene; reference: Raster; score: PixelWindow }[] = [];
  try {
    for (const w of windows) {
      const built = closedLoopScene(whole ? scene : cropForLoop(scene, w.run), 1);
      loops.push({ ...built, score: { ...w.score, col: w.score.col - w.run.col, row: w.score.row - w.run.row } });
    }
  } catch (e) {
    if (isAppError(e) && e.code === 'TOO_LARGE') return undefined;
    throw e;
  }
  const scored = (parts: Float32Array[]): Float32Array => {
    if (whole) return parts[0];
    const out = new Float32Array(loops.reduce((n, l) => n + l.score.width * l.score.height, 0));
    let at = 0;
    parts.forEach((p, k) => {
      const piece = extractTile(p, loops[k].reference.width, loops[k].reference.height, loops[k].score);
      out.set(piece, at);
      at += piece.length;
    });
    return out;
  };
  const runOn: SampledLoop['runOn'] = async (m, run, o) => {
    const parts: Float32Array[] = [];
    let energyMaxAbsK = 0;
    const unfitted: unknown[] = [];
    // Several windows report as one run: one line per finished window ('stage 1: 3/9 (window 3/9)'),
    // not each window's own 'tile 1/1' again and again.
    let finished = 0;
    let innerStage = 'stage 1';
    const onWindow: RunOptions | undefined = whole ? run : { ...run, onProgress: run?.onProgress && ((p) => { innerStage = p.stage; }) };
    const windowDone = () => {
      finished++;
      if (!whole) run?.onProgress?.({ stage: innerStage, done: finished, total: loops.length, detail: `window ${finished}/${loops.length}` });
    };
    // The windows are independent: as many at once as the method runs tiles at once (a pool's
    // workers), each result in its window's place, so the fields are those of one after another.
    await runLimited(
      loops.length,
      m.concurrency ?? 1,
      async (k) => {
        try {
          const r = await runDownscale(loops[k].loop, { method: m, residualCorrection: o.residualCorrection, residualMode, ...(o.tileCoarsePx !== undefined ? { tileCoarsePx: o.tileCoarsePx } : {}) }, onWindow);
          parts[k] = r.stages[r.stages.length - 1].lst.data;
          energyMaxAbsK = Math.max(energyMaxAbsK, ...r.stages.map((s) => s.energy.maxAbsK));
        } catch (e) {
          // A method fitted on its input (TsHARP, DMS) cannot fit a window of ocean or cloud that the
          // whole scene would have fitted around: it scores nothing there (NaN), and the other windows count.
          if (whole || !isAppError(e) || !UNFITTED_WINDOW.has(e.code)) throw e;
          unfitted.push(e);
          parts[k] = new Float32Array(loops[k].reference.data.length).fill(Number.NaN);
        }
        windowDone();
      },
      run,
    );
    if (unfitted.length === loops.length) throw unfitted[0];
    return { field: scored(parts), energyMaxAbsK };
  };
  return {
    loop: loops[0].loop,
    reference: scored(loops.map((l) => l.reference.data)),
    scored: whole ? [{ width: loops[0].reference.width, height: loops[0].reference.height }] : loops.map((l) => ({ width: l.score.width, height: l.score.height })),
    final: async (m, run) => (await runOn(m, run, { residualCorrection: true })).field,
    runOn,
  };
}

/** Scores of `pred` against `ref` over the windows `sizes` laid one after another: SSIM within each window (weighted by its valid pixels), the rest over all. */
function scoreWindows(pred: Float32Array, ref: Float32Array, sizes: readonly { width: number; height: number }[]): Scores {
  if (sizes.length === 1) return scoreFields(pred, ref, sizes[0].width, sizes[0].height);
  const p = scoreAgainst(pred, ref);
  const all = { rmseK: p.rmse, maeK: p.mae, biasK: p.bias, r2: p.r2, r: p.r, n: p.n };
  let at = 0;
  let sum = 0;
  let n = 0;
  for (const { width, height } of sizes) {
    const len = width * height;
    const s = scoreFields(pred.subarray(at, at + len), ref.subarray(at, at + len), width, height);
    if (s.n > 0 && Number.isFinite(s.ssim)) {
      sum += s.ssim * s.n;
      n += s.n;
    }
    at += len;
  }
  return { ...all, ssim: n > 0 ? sum / n : Number.NaN };
}

/**
 * The scene's own one-stage closed loop scored for each method as `evaluateClosedLoop` scores it,
 * on the sample of `sampledLoop` (the whole scene up to MAX_LOOP_PIXELS, else its windows): the
 * pixels the detail weight is fitted on, so SRDA-Net's weighted score here is the weight's own
 * (what `downscale` reports). The app's closed-loop check and the CLI's `downscale` and `batch`
 * checks; `evaluate` scores the whole scene. TOO_LARGE when the scene is too small for a loop.
 */
export async function evaluateSampledLoop(
  scene: Scene,
  methods: readonly (MethodId | StageMethod)[],
  options: Pick<ClosedLoopOptions, 'residualMode' | 'tileCoarsePx' | 'samplePairs'> = {},
  run: RunOptions = {},
): Promise<ClosedLoopResult> {
  const windows = loopWindows(scene.lst.width, scene.lst.height);
  if (windows.length === 1) return evaluateClosedLoop(scene, methods, { ...options, stages: 1 }, run);
  const onLoop = sampledLoop(scene, options.residualMode);
  if (!onLoop) throw new AppError('TOO_LARGE', `The LST (${scene.lst.width}x${scene.lst.height}) is too small for a 1-stage closed loop.`);
  const { loop, reference, scored } = onLoop;
  const tile = options.tileCoarsePx !== undefined ? { tileCoarsePx: options.tileCoarsePx } : {};
  const out = await scoreEachMethod(
    methods,
    (method, residualCorrection, inner) => onLoop.runOn(method, inner, { residualCorrection, ...tile }),
    (field) => scoreWindows(field, reference, scored),
    reference,
    options.samplePairs,
    run,
  );
  const referenceGrid = cropGrid(scene.lst, { col: 0, row: 0, width: scene.lst.width - (scene.lst.width % 2), height: scene.lst.height - (scene.lst.height % 2) });
  return {
    referenceGrid,
    coarseGrid: coarsenGrid(referenceGrid, 2, 'floor'),
    referencePixelM: loop.levels[1].pixelSizeM,
    coarsePixelM: loop.levels[0].pixelSizeM,
    stages: 1,
    methods: out,
    sampledPixels: reference.length,
    sampleWindows: scored.length,
  };
}

/** What a closed loop scored, for a report: `closedLoopScored`. */
export interface LoopScored {
  /** 'whole scene': every reference pixel; 'windows': the sample of `loopWindows` on a large scene. */
  scope: 'whole scene' | 'windows';
  /** Windows scored (1 for the whole scene). */
  windows: number;
  /** Pixels scored: valid in the reference and the predictions (the most any method scored). */
  pixels: number;
  /** Reference pixels the windows (or the whole scene) cover, valid or not. */
  coveredPixels: number;
  /** The same in words, e.g. `9 windows spread over the 1200x1200 px scene: 25,552 valid px scored of the 112,896 they cover`. */
  text: string;
}

function scoredOn(scope: LoopScored['scope'], windows: number, width: number, height: number, coveredPixels: number, pixels: number): LoopScored {
  const count = (n: number): string => n.toLocaleString('en-US');
  const text =
    scope === 'windows'
      ? `${windows} ${windows === 1 ? 'window' : 'windows'} spread over the ${width}x${height} px scene: ${count(pixels)} valid px scored of the ${count(coveredPixels)} they cover`
      : `the whole scene: ${width}x${height} px, ${count(pixels)} valid px scored`;
  return { scope, windows, pixels, coveredPixels, text };
}

/**
 * What `loop` (evaluateClosedLoop's or evaluateSampledLoop's) scored: the whole scene or windows
 * of it, and how many pixels, so every report of a closed loop says which of the two its numbers are.
 */
export function closedLoopScored(loop: Pick<ClosedLoopResult, 'referenceGrid' | 'methods' | 'sampledPixels' | 'sampleWindows'>): LoopScored {
  const { width, height } = loop.referenceGrid;
  const valid = loop.methods.reduce((n, m) => Math.max(n, m.corrected.n), 0);
  if (loop.sampledPixels !== undefined) return scoredOn('windows', loop.sampleWindows ?? 1, width, height, loop.sampledPixels, valid);
  return scoredOn('whole scene', 1, width, height, width * height, valid);
}

/**
 * What the one-stage loop of `sampledLoop` scores on a `width` x `height` px LST (the check of
 * downscale and batch, and their detail weight's), `validPixels` of it scored: as `closedLoopScored`.
 */
export function sampledLoopScored(width: number, height: number, validPixels: number): LoopScored {
  const windows = loopWindows(width, height);
  const [ew, eh] = [width - (width % 2), height - (height % 2)];
  if (windows.length === 1) return scoredOn('whole scene', 1, ew, eh, ew * eh, validPixels);
  return scoredOn('windows', windows.length, ew, eh, windows.reduce((n, w) => n + w.score.width * w.score.height, 0), validPixels);
}
