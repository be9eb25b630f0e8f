import { useSyncExternalStore } from 'react';
import { DEFAULT_ORIENTATIONS } from '../../core/raster/orient.ts';
import type { ShownError } from '../messages.ts';
import type {
  BackendChoice,
  BackendInfo,
  InputInfo,
  LayerData,
  MethodChoice,
  MethodMetrics,
  RoleId,
  RunResult,
  ScatterData,
  ScenePreview,
  WireError,
} from '../../worker/protocol.ts';

export type RunStatus = 'idle' | 'running' | 'done' | 'error';
export type ColormapName = 'inferno' | 'turbo';
export type CompareMode = 'off' | 'swipe' | 'side';

export interface RunSettings {
  method: MethodChoice;
  residualCorrection: boolean;
  finetuneSteps: number;
  backend: BackendChoice;
  evaluate: boolean;
  /** The date (and tile) to run when the files hold several; undefined = the earliest. */
  sceneId?: string;
  /** For inputs already on one grid: average the LST by this (2, 4, 8) and downscale it back. */
  referenceFactor: number;
  /** SRDA-Net keeps all of its detail instead of the share the scene's closed loop supports. */
  srdaFullDetail?: boolean;
  /** SRDA-Net's network passes per prediction, averaged over that many orientations of the input: 1, 2 or 8 (absent: DEFAULT_ORIENTATIONS, 1). */
  srdaOrientations?: number;
  /** Keep the reflectance guides where they are instead of moving them onto the LST's frame (pipeline/guide-registration.ts). */
  guidesInPlace?: boolean;
  /** Largest gap in days between the LST's period and a guide's before the guide may not stand in (the scene panel's max date gap). */
  maxDateGapDays: number;
  /** With several dates: run every date (from `seriesFrom` to `seriesTo`) as a queue; off: the picked date only. */
  runAllDates: boolean;
  /** First and last date (scene ids) of the queue; undefined = the first and last of the files. */
  seriesFrom?: string;
  seriesTo?: string;
}

/** One date of a queued series run, and how it went. */
export interface SeriesDate {
  sceneId: string;
  date?: string;
  tile?: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  /** The date's results (layers, metrics, notices), once done. */
  result?: RunResult;
  /** Why the date failed, naming its files. */
  error?: WireError;
  seconds?: number;
}

export interface ProgressState {
  stage: string;
  done: number;
  total: number;
  detail?: string;
  /** Estimated seconds left for the whole run, when a rate is known. */
  etaS?: number;
  /** Seconds since the run started. */
  elapsedS?: number;
  /** Share of the whole run (every date of a queue) done, 0..1: what the bar shows. */
  fraction?: number;
}

/** An export in progress: what it saves, and how far the worker got. */
export interface ExportState {
  kind: 'geotiff' | 'zip';
  /** The layer a GeoTIFF export is of. */
  layerId?: string;
  /** The file it saves (as the worker will name it). */
  fileName: string;
  progress: ProgressState;
}

/** What names one run beside its scores: the LST date, the method of its output, its energy conservation. */
export interface RunFacts {
  date?: string;
  /** The method whose output the energy error is of (the run's first method). */
  method?: string;
  energyError: RunResult['energyError'];
}

/** A result layer on the map: the worker's layer and the date of the run that made it. */
export type ShownLayer = LayerData & {
  /** The LST date of the run that made it (undefined when the file has none). */
  runDate?: string;
};

/** Everything the UI shows. Layers' pixel data live here (transferred from the worker). */
export interface AppState {
  inputs: InputInfo[];
  roleOverrides: Record<string, RoleId>;
  isIngesting: boolean;
  /** The files still being read (of every drop whose read is in progress, in drop order), named beside "reading…". */
  readingFiles: string[];
  /** Cancel was pressed while files were being read: the app waits for the worker to stop. */
  isIngestCancelling: boolean;
  status: RunStatus;
  progress?: ProgressState;
  settings: RunSettings;
  layers: ShownLayer[];
  visible: Record<string, boolean>;
  opacity: number;
  colormap: ColormapName;
  unit: 'K' | 'C';
  metrics: MethodMetrics[];
  timings: RunResult['timings'];
  energyError: RunResult['energyError'];
  scatter: ScatterData[];
  backend?: BackendInfo;
  notices: string[];
  error?: ShownError;
  compare: { mode: CompareMode; left?: string; right?: string };
  onlineBasemap: boolean;
  inspect?: { lng: number; lat: number };
  /** What the inputs make before a run (dates, QC share, grids, what blocks a run). */
  preview?: ScenePreview;
  /** Files already added (`name:size`), so the same file dropped twice is not added again. */
  fileKeys: string[];
  /** Inputs of the bundled synthetic demo. */
  syntheticIds: string[];
  /** Inputs (with roles) of the results on screen; results go stale when these change. */
  resultInputs: { id: string; role: RoleId }[];
  /** Why the results on screen no longer match the inputs, when they do not. */
  stale?: string;
  /** The scene of the results on screen. */
  resultScene?: RunResult['scene'];
  finetune?: RunResult['finetune'];
  /** SRDA-Net weights of the run on screen (of the date shown, after a queue); undefined when that run did not use SRDA-Net. */
  weights?: RunResult['weights'];
  /**
   * The run panel's settings when Run was pressed for the results on screen (the last single-date
   * run, or the queue): what the report records, whatever the panel says by export time.
   */
  resultSettings?: RunSettings;
  /**
   * Layers on screen that an earlier single-date run made and the last run did not make again
   * (the worker kept only the last run's layers: they are not in an export).
   */
  earlierLayerIds: string[];
  /** The metrics on screen are an earlier run's (the last run had no closed-loop check). */
  isMetricsEarlier?: boolean;
  /** The run the metrics on screen describe (the last run, or the earlier one when `isMetricsEarlier`): what the trust panel names beside its scores. */
  metricsRun?: RunFacts;
  closedLoop?: RunResult['closedLoop'];
  /** The last run's outputs scored against an independent finer LST of the same date, when one was among the inputs. */
  truth?: RunResult['truth'];
  /** Why the online basemap was switched off, when it failed. */
  basemapNotice?: string;
  /** The dates of the last queued run (several dates), in queue order; empty after a single-date run. */
  series: SeriesDate[];
  /** The export in progress, if any (one at a time; its Cancel stops it). */
  exporting?: ExportState;
}

export const initialState: AppState = {
  inputs: [],
  roleOverrides: {},
  isIngesting: false,
  readingFiles: [],
  isIngestCancelling: false,
  status: 'idle',
  settings: { method: 'srda', residualCorrection: true, finetuneSteps: 0, backend: 'auto', evaluate: true, referenceFactor: 2, srdaOrientations: DEFAULT_ORIENTATIONS, maxDateGapDays: 8, runAllDates: true },
  layers: [],
  visible: {},
  opacity: 0.85,
  colormap: 'inferno',
  unit: 'K',
  metrics: [],
  timings: [],
  energyError: [],
  scatter: [],
  notices: [],
  compare: { mode: 'off' },
  onlineBasemap: false,
  fileKeys: [],
  syntheticIds: [],
  resultInputs: [],
  earlierLayerIds: [],
  series: [],
};

type Listener = () => void;

/** A minimal external store: one immutable state object, shallow updates, subscribers. */
export class Store {
  private state: AppState;
  private readonly listeners = new Set<Listener>();

  constructor(state: AppState = initialState) {
    this.state = state;
  }

  get = (): AppState => this.state;

  set = (patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void => {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    for (const l of this.listeners) l();
  };

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

/** The app's one store. */
export const store = new Store();

/** Subscribes a component to a slice of the store (return a stable value from `select`). */
export function useAppState<T>(select: (s: AppState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}

/** Whether a drop-list row is a band the worker can run (not an unreadable file, not a metadata file). */
export function isRunnable(input: InputInfo): boolean {
  return !input.problem && !input.metadata;
}

/**
 * Roles a scene takes one band of (per date): a row set to one of them by hand takes it from the
 * rows it competes with. Not `cloud-mask`: the scene applies every cloud mask of its date.
 */
const SCENE_ROLES: ReadonlySet<RoleId> = new Set<RoleId>(['lst', 'lst-qc', 'water-mask', 'ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover']);

type RoleEdits = Pick<AppState, 'inputs' | 'roleOverrides'>;

const stemOf = (i: InputInfo): string => i.fileName.replace(/\.[^.]*$/, '').toLowerCase();
const tileOf = (i: InputInfo): string | undefined => /(?:^|[._])(h\d{2}v\d{2})(?:[._]|$)/i.exec(i.fileName)?.[1].toLowerCase();

/**
 * Whether row `by`, given `role` by hand, stands for `row` in every scene `row` would be used in,
 * so that `row` has nothing left to do: an L1 band and the surface reflectance band picked over it
 * (`unusedBeside`); two LST of one date and tile (one scene); for a guide or a QC, `by` undated (it
 * stands for every date, as a DEM does) or of `row`'s date and tile. A dated row does not cover an
 * undated one: that one stays in use for the dates no row of its role has (the scene prefers the
 * row of its own date).
 */
function covers(by: InputInfo, row: InputInfo, role: RoleId): boolean {
  if ((row.unusedBeside !== undefined && row.unusedBeside === stemOf(by)) || (by.unusedBeside !== undefined && by.unusedBeside === stemOf(row))) return true;
  const [tr, tb] = [tileOf(row), tileOf(by)];
  if (tr && tb && tr !== tb) return false;
  if (role === 'lst') return row.date === by.date && tr === tb;
  return !by.date || by.date === row.date;
}

/**
 * The row that took this row's role by hand, when one did: the user's choice wins over the
 * detector's, and of two rows set by hand to one role the later choice wins (`roleOverrides`
 * keeps its keys in the order of the choices: `setRole` re-adds a key it sets again; ids such as
 * `in12` are never integer-like, so the order is insertion order). The row named is itself in use:
 * a later choice that took its role took this row's too. Undefined when this row keeps its role.
 */
function takenBy(s: RoleEdits, input: InputInfo): InputInfo | undefined {
  const role = s.roleOverrides[input.id] ?? input.role;
  if (!SCENE_ROLES.has(role) || !isRunnable(input)) return undefined;
  const order = Object.keys(s.roleOverrides);
  let by: InputInfo | undefined;
  for (const id of order.slice(order.indexOf(input.id) + 1)) {
    if (s.roleOverrides[id] !== role) continue;
    const j = s.inputs.find((r) => r.id === id);
    // A row whose own role a still later choice took stands for nothing (that later row is the one named, if it covers this row).
    if (j && isRunnable(j) && covers(j, input, role) && !takenBy(s, j)) by = j;
  }
  return by;
}

/** The role of an input after the user's edits (a row whose role another row took by hand is `unknown`). */
export function effectiveRole(s: RoleEdits, input: InputInfo): RoleId {
  return takenBy(s, input) ? 'unknown' : (s.roleOverrides[input.id] ?? input.role);
}

/**
 * Why an LST QC row is not used, in the drop list's words: no row with the role lst has its date,
 * so no run applies it (the scene applies only the QC of the LST's own date). Undefined for other
 * rows, undated QC files, and a QC whose LST is among the files.
 */
export function qcWithoutLst(s: RoleEdits, input: InputInfo): string | undefined {
  if (!input.date || !isRunnable(input) || effectiveRole(s, input) !== 'lst-qc') return undefined;
  if (s.inputs.some((j) => j.date === input.date && isRunnable(j) && effectiveRole(s, j) === 'lst')) return undefined;
  return `not used: QC of ${input.date} with no LST of that date among the files (add its LST to use it)`;
}

/** Why a band with a role goes unused, in the drop list's words: another row was given its role by hand, or the files hold a better one. */
export function unusedReason(s: RoleEdits, input: InputInfo): string | undefined {
  const by = takenBy(s, input);
  if (!by) return input.unused;
  const role = s.roleOverrides[input.id] ?? input.role;
  return s.roleOverrides[input.id] !== undefined
    ? `not used: ${by.fileName} was set to ${role} by hand after this row and takes that role instead (set this row's role to ${role} again to use it)`
    : `not used: ${by.fileName} was set to ${role} by hand and takes that role instead of this row (set this row's role to ${role} to use it)`;
}
