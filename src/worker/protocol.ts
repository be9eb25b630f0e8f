import type { TruthCheck } from '../pipeline/truth-score.ts';
import type { AppErrorCode } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { Grid } from '../core/raster/raster.ts';
import { BAND_ROLES, type BandRole } from '../io/dataset.ts';

export type { TruthCheck, TruthRow } from '../pipeline/truth-score.ts';

/** Roles a user can assign to an ingested band (the detected one is preselected); io's list. */
export const ROLES: readonly BandRole[] = BAND_ROLES;
export type RoleId = BandRole;

/** Downscaling methods offered in the app; `all` runs every method to compare them. */
export type MethodChoice = 'srda' | 'bicubic' | 'tsharp' | 'dms' | 'all';
/** Backend preference; `auto` tries webgpu -> webgl -> wasm -> cpu. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** One ingested band, as the file table shows it. Data stay in the worker. */
export interface InputInfo {
  /** Unique id of this band in the worker's store. */
  id: string;
  fileName: string;
  sizeBytes: number;
  /** Band index inside the file (0 for single-band files). */
  band: number;
  role: RoleId;
  product?: string;
  layer?: string;
  date?: string;
  width?: number;
  height?: number;
  /** Pixel size in CRS units (degrees for geographic CRSs). */
  pixelSize?: { x: number; y: number };
  /** Approximate pixel size in metres at the grid centre. */
  pixelSizeM?: number;
  crsName?: string;
  epsg?: number;
  /** Fraction of valid pixels, 0..1. */
  validFraction?: number;
  /** SHA-256 of the file's bytes, hex (for report.json). */
  sha256?: string;
  /** Set when the file cannot be used; the rest still work. */
  problem?: WireError;
  /**
   * For an LST whose values are not kelvin: the conversions that would make them so (codes from
   * io/unit-sanity). The table offers them; none is applied until the user picks one.
   */
  unitCandidates?: { code: string; label: string }[];
  /**
   * For a band not read as an LST (its name and metadata do not say so) whose values look like
   * degrees Celsius: the conversion the table offers once the user sets its role to lst by hand.
   */
  lstUnitCandidates?: { code: string; label: string }[];
  /**
   * For a band not read as an LST whose values are not kelvin and whose name, metadata or values say
   * it holds something else (io/not-temperature): what it looks like and why (`seen`), said once its
   * role is set to lst; `guideRole`, the role it was read with.
   */
  notTemperature?: { seen: string; guideRole?: RoleId };
  /** The conversion the user applied (its label), once one was. */
  convertedFrom?: string;
  /** What a GDAL `.aux.xml` sidecar set for this band, in words (`scale 0.1, offset 273.15 from a.tif.aux.xml`). */
  sidecar?: string;
  /** Why a band with a role is left out (its role is `unknown`): the files hold a better one for that role. */
  unused?: string;
  /**
   * With `unused`: the name (no extension, lower case) of the file picked over this band
   * (`<scene>_sr_band4` for `<scene>_band4.tif`). Set this band's role by hand and it is used
   * instead: that file's row goes unused (ui/state/store.ts effectiveRole).
   */
  unusedBeside?: string;
  /** Why the role of a band of a stack is `unknown`: it has only GDAL's default name and no metadata saying what it holds. */
  nameless?: string;
  /** Set for a metadata file (ESPA `.xml`): what it is and what it gave the band files, in words. It has no band to run. */
  metadata?: string;
}

/** Rows of newly read bands; `replaced`: ids of rows read again (a sidecar arrived for them); notices for the user. */
export interface IngestResult {
  inputs: InputInfo[];
  replaced: string[];
  notices: string[];
}

/**
 * What an AppError may carry beyond its code, message and file, set on it with `Object.assign`
 * where it is thrown, for the app's words (ui/messages.ts) to rest on facts, not on the message.
 */
export interface ErrorDetail {
  /** What to do in the app, when more specific than the code's general advice. */
  hint?: string;
  /** ALL_NODATA: the guide file whose area holds none of the LST's valid pixels (the LST has some elsewhere). */
  outsideOf?: string;
}

/** An AppError as it crosses the worker boundary. */
export interface WireError extends ErrorDetail {
  code: AppErrorCode;
  message: string;
  file?: string;
}

/** The `ErrorDetail` fields an error carries (an AppError, a WireError), without the undefined ones. */
export function errorDetail(e: object): ErrorDetail {
  const d: ErrorDetail = e;
  return { ...(d.hint ? { hint: d.hint } : {}), ...(d.outsideOf ? { outsideOf: d.outsideOf } : {}) };
}

/** What the inputs make before any run: scenes (dates), QC share, date gaps, grids, and what blocks a run. */
export interface ScenePreview {
  /**
   * Every scene (date and tile) the LST files hold, earliest first; `id` goes back as
   * `RunParams.sceneId`. With several dates, each also says which dated guides stand in (their
   * date and the days between their period and the LST's), which are beyond the max date gap,
   * and why the date cannot be assembled at all.
   */
  scenes: {
    id: string;
    date?: string;
    tile?: string;
    lstNames: string[];
    guides?: { role: RoleId; name: string; date?: string; days?: number }[];
    overGap?: string[];
    /** Guides of another place than this date's LST, left out of its scene (the notice when the date is picked names them in full). */
    awayGuides?: { role: string; name: string }[];
    /**
     * The input ids the date's scene takes per role (LST, QC, each guide: one; cloud masks: every one
     * applied, as the scene combines them; the water mask): which date an undated file goes with.
     */
    inputIds?: Partial<Record<RoleId, string[]>>;
    /** The date's scene has a guide layer (none: the LST alone). */
    hasGuide?: boolean;
    problem?: string;
  }[];
  sceneId?: string;
  lstName?: string;
  /** Input id of the LST band used. */
  lstId?: string;
  /** Files used per role (names). */
  used: Partial<Record<RoleId, string>>;
  /** Share of the valid LST pixels the QC masks (0..1), when a QC applies. */
  qcMaskedShare?: number;
  /** The same in short words that stay true for a few pixels, for the scene line ('none of 2304 px', '4 of 1970396 px, under 1 %', '27 %'). */
  qcMaskedWords?: string;
  dateGaps: { name: string; role: RoleId; date: string; days: number }[];
  /** LST and finest guide pixel sizes, metres. */
  lstPixelM?: number;
  guidePixelM?: number;
  /** The LST is not coarser than the guides: runs need a reference factor. */
  isSameGrid: boolean;
  /** No guide layer: bicubic and SRDA-Net's LST-only mode only. */
  isLstOnly: boolean;
  notices: string[];
  /** Those of `notices` the scene panel shows before a run (they ask for something: a mask left out, what a cloud mask takes, most of the LST masked, several LST, a guide of another place). */
  warnings: string[];
  /** Why a run cannot start now, and what to do. */
  blocker?: WireError;
}

/** Summary statistics of a layer (K for LST layers; K difference for residual/difference). */
export interface LayerStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** 2nd and 98th percentiles, used for the shared display range. */
  p2: number;
  p98: number;
  validFraction: number;
  /** Histogram over [min, max] with `counts.length` equal bins. */
  histogram: { min: number; max: number; counts: number[] };
}

/** What a layer shows: LST values or a signed difference in K. */
export type LayerKind = 'input' | 'output' | 'baseline' | 'difference' | 'uncertainty';

/** A result layer: native raster (for export and the inspector) plus its Web Mercator rendering grid. */
export interface LayerData {
  /** Stable id by method and resolution (worker/layers.ts `layerId`): `lst-1000m` (input), `lst-250m` (SRDA-Net), `bicubic-250m`, `diff-bicubic-250m`. */
  id: string;
  /** Short name, the method (or input) and the grid: `SRDA-Net 212 m`, `Bicubic 212 m`, `Input LST 849 m`. */
  label: string;
  /** What the label leaves out, shown under it: model size, detail weight, what the method is. */
  detail?: string;
  /** The layer in full words (`SRDA-Net (tiny), 58 % of its detail (closed-loop weight) 212 m`): the GeoTIFF band description; the label when absent. */
  description?: string;
  kind: LayerKind;
  method?: string;
  /** 0 for the input LST, k for the output of stage k. */
  stage: number;
  /** The last stage of its method: what the map shows first. */
  isFinal: boolean;
  /** `K`, or `K (difference)` for difference maps. */
  units: 'K' | 'K (difference)';
  /** Real pixel size, metres (geographic grids at the scene centre): what labels show. */
  pixelSizeM: number;
  /** Nominal resolution the id is named after (1000, 500, 250; 849 m snaps to 1000). */
  resolutionM: number;
  /** Export file name without extension (scene, date, method, resolution). */
  fileStem: string;
  /** Native grid, row-major K values (NaN invalid). */
  grid: Grid;
  data: Float32Array;
  /** The same layer reprojected (nearest) onto an axis-aligned EPSG:3857 grid. */
  display: { width: number; height: number; bounds: [number, number, number, number]; data: Float32Array };
  stats: LayerStats;
}

/** Closed-loop scores of one method on the user's scene (input aggregated by 2, downscaled back). */
export interface MethodMetrics {
  method: string;
  rmse: number;
  mae: number;
  bias: number;
  r2: number;
  ssim?: number;
  r?: number;
  /** Max |block mean - input| of the corrected closed-loop run, K. */
  energyMaxAbsK?: number;
  /** Valid closed-loop pixels the scores rest on (reference and prediction both valid). */
  pixels?: number;
  /** SRDA-Net: share of its detail over bicubic kept, fitted on this same closed loop (so its scores here are optimistic). */
  detailWeight?: number;
  /** SRDA-Net: its prediction averaged over this many orientations of its input (absent: one pass). */
  orientations?: number;
}

/** The tfjs backend in use and why. */
export interface BackendInfo {
  name: string;
  adapter?: string;
  /** Why a preferred backend was skipped, when one was. */
  fallbackReason?: string;
  /** SRDA-Net inference workers running tiles in parallel (1: this worker alone; more: tile Web Workers, this worker running none). */
  inferenceWorkers?: number;
}

export interface RunParams {
  /** Band ids with the role the user confirmed. */
  inputs: { id: string; role: RoleId }[];
  method: MethodChoice;
  residualCorrection: boolean;
  /** Per-scene fine-tuning steps (0 = off). */
  finetuneSteps: number;
  backend: BackendChoice;
  /** Run the closed-loop evaluation after downscaling. */
  evaluate: boolean;
  /** The scene (date and tile, a `SceneGroup.id`) to run when the inputs hold several; default the earliest. */
  sceneId?: string;
  /** Largest LST-to-input date gap in days before a warning (default 8). */
  maxDateGapDays?: number;
  /**
   * A date of a series: a guide further than `maxDateGapDays` from the LST stops this date
   * (DATE_MISMATCH naming both files) instead of standing in with a notice.
   */
  refuseDateGaps?: boolean;
  /** A date of a series after the first: the worker keeps the layers of the dates run before (for the series export). */
  keepOtherDates?: boolean;
  /** For inputs already on one grid: block-average the LST by this (2, 4, 8) and downscale it back. */
  referenceFactor?: number;
  /** The app's base URL (where `tfjs-wasm/` and `models/` are served). */
  appBaseUrl: string;
  /** SRDA-Net: keep all of its detail instead of the share the scene's closed loop supports (default false). */
  srdaFullDetail?: boolean;
  /** SRDA-Net: 1, 2 or 8 network passes per prediction, averaged over that many orientations of the input (absent: DEFAULT_ORIENTATIONS, 1). */
  srdaOrientations?: number;
  /** Keep NDVI/red/NIR/SWIR/albedo in place instead of moving them onto the LST's frame (default false). */
  guidesInPlace?: boolean;
  /** SRDA-Net inference workers on wasm (default: the cores, at most 2); the output is the same for any number. */
  inferenceWorkers?: number;
}

/** Closed-loop reference LST (x) against the method's prediction of it (y), subsampled pairs, K. */
export interface ScatterData {
  method: string;
  x: Float32Array;
  y: Float32Array;
}

export interface RunResult {
  layers: LayerData[];
  metrics: MethodMetrics[];
  timings: { stage: string; ms: number }[];
  backend?: BackendInfo;
  /** Max |block mean - input| per stage, K. */
  energyError: { stage: number; maxAbsK: number; meanAbsK: number }[];
  scatter: ScatterData[];
  notices: string[];
  /**
   * Scales of the closed-loop check (it runs one octave above the output) and of the output, metres;
   * `scoredPixels`: the pixels its scores rest on (valid in the reference and the predictions, the
   * most any method had); `windows`: on a large scene the check runs on this many windows spread
   * across it (the sample the detail weight is fitted on, pipeline/loop-sample.ts); absent: all of it.
   */
  closedLoop?: { coarsePixelM: number; referencePixelM: number; outputPixelM: number; scoredPixels?: number; windows?: number };
  /**
   * The outputs scored against an independent LST of the same date with finer pixels (an ASTER or
   * Landsat LST dropped beside MODIS): per method and stage, on the stage's grid (`how` the truth
   * got there). Absent when no such LST was among the inputs.
   */
  truth?: TruthCheck;
  /** SRDA-Net weights used (from model.json), when SRDA-Net ran. */
  weights?: { format: string; version: number; size: string };
  /** The scene the run used: LST file, product, date and tile. */
  scene: {
    id: string;
    lstName: string;
    product?: string;
    date?: string;
    tile?: string;
    tag: string;
    /** Files used per role (names), with their dates where known. */
    used?: Partial<Record<RoleId, { name: string; date?: string }>>;
    /** The LST was block-averaged by this factor first (inputs already on one grid); absent when the run applied none. */
    referenceFactor?: number;
  };
  /** Per-scene fine-tuning: held-out closed-loop RMSE before/after and whether the tuned weights were kept. */
  finetune?: { steps: number; seconds: number; rmseBeforeK: number; rmseAfterK: number; kept: boolean };
}

/** The one typed message map: request name -> [params, result]. */
export interface WorkerApi {
  ingest: [{ files: File[] }, IngestResult];
  removeInput: [{ id: string }, { ok: true }];
  preview: [Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>, ScenePreview];
  /** The dropped LST as a map layer (id `lst-dropped`), before any run. */
  inputLayer: [{ id: string }, { layer: LayerData }];
  /** Converts a stored LST band to kelvin with the conversion the user picked (a unit code). */
  convertUnits: [{ id: string; code: string }, { input: InputInfo }];
  run: [RunParams, RunResult];
  /** One layer of the scene `sceneId` (a date of a series; default the scene run last). */
  exportGeoTiff: [{ layerId: string; sceneId?: string }, { fileName: string; file: Blob }];
  /** Every layer of the scenes `sceneIds` (the finished dates of a series; default the scene run last). */
  exportZip: [
    { report: unknown; extraFiles?: { name: string; bytes: ArrayBuffer }[]; fileStem?: string; sceneIds?: string[] },
    { fileName: string; file: Blob },
  ];
}

export type RequestName = keyof WorkerApi;
export type ParamsOf<N extends RequestName> = WorkerApi[N][0];
export type ResultOf<N extends RequestName> = WorkerApi[N][1];

/** A request for `N` with its own params type (maplibre's `ActorMessage<T>`). */
export type RequestMessage<N extends RequestName = RequestName> = {
  [K in N]: { type: 'request'; id: number; name: K; params: ParamsOf<K> };
}[N];

/** Main thread -> worker: a request (discriminated by `name`, params typed per request) or a cancel. */
export type ToWorker = RequestMessage | { type: 'cancel'; id: number };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'progress'; id: number; progress: Progress };
