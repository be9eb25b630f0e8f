import type { AppErrorCode } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { Grid } from '../core/raster/raster.ts';
import { BAND_ROLES, type BandRole } from '../io/dataset.ts';

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
  /** Set when the file cannot be used; the rest still work. */
  problem?: WireError;
}

/** An AppError as it crosses the worker boundary. */
export interface WireError {
  code: AppErrorCode;
  message: string;
  file?: string;
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
export type LayerKind = 'input' | 'output' | 'baseline' | 'difference';

/** A result layer: native raster (for export and the inspector) plus its Web Mercator rendering grid. */
export interface LayerData {
  /** Stable id, e.g. `lst-1000m`, `lst-250m`, `bicubic-250m`, `diff-bicubic-250m`. */
  id: string;
  label: string;
  kind: LayerKind;
  method?: string;
  /** Nominal resolution in metres (1000, 500, 250). */
  resolutionM: number;
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
}

/** The tfjs backend in use and why. */
export interface BackendInfo {
  name: string;
  adapter?: string;
  /** Why a preferred backend was skipped, when one was. */
  fallbackReason?: string;
  /** SRDA-Net inference workers running tiles in parallel (this worker included). */
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
  /** The app's base URL (where `tfjs-wasm/` and `models/` are served). */
  appBaseUrl: string;
  /** SRDA-Net inference workers on wasm (default: the cores, at most 2); the output is the same for any number. */
  inferenceWorkers?: number;
}

/** Input LST vs output block-averaged back to the input grid (subsampled pairs). */
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
}

/** The one typed message map: request name -> [params, result]. */
export interface WorkerApi {
  ingest: [{ files: File[] }, { inputs: InputInfo[] }];
  removeInput: [{ id: string }, { ok: true }];
  run: [RunParams, RunResult];
  exportGeoTiff: [{ layerId: string }, { fileName: string; bytes: ArrayBuffer }];
  exportZip: [
    { report: unknown; extraFiles?: { name: string; bytes: ArrayBuffer }[] },
    { fileName: string; bytes: ArrayBuffer },
  ];
}

export type RequestName = keyof WorkerApi;
export type ParamsOf<N extends RequestName> = WorkerApi[N][0];
export type ResultOf<N extends RequestName> = WorkerApi[N][1];

/** Main thread -> worker. */
export type ToWorker =
  { type: 'request'; id: number; name: RequestName; params: unknown } | { type: 'cancel'; id: number };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'progress'; id: number; progress: Progress };
