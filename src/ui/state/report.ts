import pkg from '../../../package.json';
import type { LayerData, MethodMetrics, RunResult } from '../../worker/protocol.ts';
import { loopRecommendation } from '../trust.ts';
import { effectiveRole, type AppState, type RunSettings } from './store.ts';

/**
 * The run settings as the report records them. Fine-tuning, "Keep all of SRDA-Net's detail" and
 * the orientations (1, 2 or 8 passes) are SRDA-Net's alone: recorded only when the results came from
 * SRDA-Net (`isSrdaUsed`: its weights are known) and the panel's method runs it, as the CLI's
 * report.json records orientations only for SRDA-Net; otherwise left out, not claimed. The
 * reference factor only when the run applied it (`referenceFactor`, the worker's word: inputs
 * already on one grid), as the CLI's report.json names it (its "Reference factor" note) only
 * when it block-averaged the LST; on other inputs it does nothing.
 */
function settingsEntry(settings: RunSettings, isSrdaUsed: boolean, referenceFactor: number | undefined): Partial<RunSettings> {
  const { referenceFactor: _factor, ...rest } = settings;
  const applied = referenceFactor !== undefined ? { ...rest, referenceFactor } : rest;
  if (isSrdaUsed && (settings.method === 'srda' || settings.method === 'all')) return applied;
  const { finetuneSteps: _steps, srdaFullDetail: _full, srdaOrientations: _orientations, ...shared } = applied;
  return shared;
}

const optional = (key: string, value: unknown): Record<string, unknown> => (value === undefined ? {} : { [key]: value });

function layerEntries(layers: LayerData[]): Record<string, unknown>[] {
  return layers.map((l) => ({
    id: l.id,
    label: l.label,
    // The label in full words (model size, detail weight, what the method is): the GeoTIFF's band description.
    description: l.description ?? l.label,
    file: `${l.fileStem}.tif`,
    kind: l.kind,
    method: l.method,
    stage: l.stage,
    units: l.units,
    pixelSizeM: Number(l.pixelSizeM.toFixed(2)),
    grid: l.grid,
    stats: { ...l.stats, histogram: undefined },
  }));
}

/**
 * The closed-loop check's verdict as the CLI's report.json names it (`closedLoopCheck`): the loop's
 * scales, the valid pixels it rests on, the method to use here (`recommendedMethod`, absent when
 * the loop has too few pixels to tell) and the trust panel's sentence; the per-method scores are
 * `metrics`. Absent without a check or without bicubic among its methods.
 */
function closedLoopCheckEntry(metrics: MethodMetrics[], loop: RunResult['closedLoop']): Record<string, unknown> | undefined {
  const verdict = loopRecommendation(metrics);
  if (!verdict || !loop) return undefined;
  const { recommendedMethod, pixels, message } = verdict;
  return {
    coarsePixelM: loop.coarsePixelM,
    referencePixelM: loop.referencePixelM,
    ...(pixels !== undefined ? { pixels } : {}),
    ...(recommendedMethod ? { recommendedMethod } : {}),
    message,
  };
}

/**
 * What on screen an earlier single-date run made, named as such: the worker keeps only the last
 * run's layers, so the ZIP holds none of these and the report's settings do not describe them.
 */
function earlierRunEntry(s: AppState): Record<string, unknown> | undefined {
  const layers = s.layers.filter((l) => s.earlierLayerIds.includes(l.id));
  if (layers.length === 0 && !s.isMetricsEarlier) return undefined;
  return {
    note: 'Shown on the map from an earlier run with other settings; not in this export, and not described by its settings.',
    ...(layers.length > 0 ? { layers: layers.map((l) => ({ id: l.id, label: l.label, description: l.description ?? l.label, method: l.method })) } : {}),
    // The earlier run's energy conservation beside its metrics; the report's own energyError is the last run's.
    ...(s.isMetricsEarlier ? { metrics: s.metrics, ...(s.metricsRun ? { energyError: s.metricsRun.energyError } : {}), ...optional('closedLoopCheck', closedLoopCheckEntry(s.metrics, s.closedLoop)) } : {}),
  };
}

/** One date of a series in the report: its inputs (files used per role, with dates), SRDA-Net weights, notices, metrics, timings, layers; or why it failed. */
function seriesEntry(d: AppState['series'][number]): Record<string, unknown> {
  const r: RunResult | undefined = d.result;
  const base = { sceneId: d.sceneId, date: d.date, tile: d.tile, state: d.state, ...(d.seconds !== undefined ? { seconds: Number(d.seconds.toFixed(2)) } : {}) };
  if (!r) return { ...base, ...(d.error ? { error: d.error } : {}) };
  return {
    ...base,
    scene: { lstName: r.scene.lstName, product: r.scene.product, tag: r.scene.tag },
    inputs: r.scene.used,
    weights: r.weights ?? 'SRDA-Net not used',
    notices: r.notices,
    metrics: r.metrics,
    closedLoop: r.closedLoop,
    ...optional('closedLoopCheck', closedLoopCheckEntry(r.metrics, r.closedLoop)),
    ...optional('independentLst', r.truth),
    energyError: r.energyError,
    finetune: r.finetune,
    timings: r.timings,
    layers: layerEntries(r.layers),
  };
}

/**
 * The JSON report of the results on screen: app and weights versions, inputs (names, dates,
 * checksums, roles), the settings the run used (recorded at Run, not read from the panel at export),
 * notices, metrics, energy conservation, timings, layer statistics of the layers that run made
 * (those in the ZIP); what an earlier run left on screen is named apart (`earlierRun`).
 * After a queue of dates, one report covering the series: the files, settings and backend once,
 * then per date its inputs, notices, metrics, timings and layers (or why it failed).
 */
export function buildReport(s: AppState): Record<string, unknown> {
  const common = {
    app: { name: 'srda-lst', version: pkg.version },
    createdAt: new Date().toISOString(),
    ...(s.stale ? { stale: s.stale } : {}),
    weights: s.weights ?? 'SRDA-Net not used',
    inputs: s.inputs.map((i) => ({
      file: i.fileName,
      role: effectiveRole(s, i),
      product: i.product,
      date: i.date,
      sha256: i.sha256,
      sizeBytes: i.sizeBytes,
      width: i.width,
      height: i.height,
      crs: i.crsName,
      pixelSizeM: i.pixelSizeM,
      validFraction: i.validFraction,
      ...(s.syntheticIds.includes(i.id) ? { synthetic: true } : {}),
      ...(i.problem ? { problem: i.problem } : {}),
    })),
    // The settings the results were run with, not the panel's now (it may have changed since).
    ...(s.resultSettings ? { settings: settingsEntry(s.resultSettings, s.weights !== undefined, s.resultScene?.referenceFactor) } : {}),
    backend: s.backend,
  };
  if (s.series.length > 0) {
    const done = s.series.filter((d) => d.state === 'done');
    const weights = done.find((d) => d.result?.weights)?.result?.weights;
    return {
      ...common,
      ...(s.resultSettings ? { settings: settingsEntry(s.resultSettings, weights !== undefined, done.find((d) => d.result?.scene.referenceFactor)?.result?.scene.referenceFactor) } : {}),
      series: {
        dates: s.series.length,
        done: done.length,
        failed: s.series.filter((d) => d.state === 'failed').length,
        cancelled: s.series.filter((d) => d.state === 'cancelled' || d.state === 'pending').length,
        shownOnMap: s.resultScene?.id,
      },
      weights: weights ?? 'SRDA-Net not used',
      dates: s.series.map(seriesEntry),
    };
  }
  const earlier = earlierRunEntry(s);
  return {
    ...common,
    scene: s.resultScene,
    notices: s.notices,
    finetune: s.finetune,
    metrics: s.isMetricsEarlier ? [] : s.metrics,
    ...(s.isMetricsEarlier ? {} : optional('closedLoopCheck', closedLoopCheckEntry(s.metrics, s.closedLoop))),
    ...optional('independentLst', s.truth),
    energyError: s.energyError,
    timings: s.timings,
    layers: layerEntries(s.layers.filter((l) => !s.earlierLayerIds.includes(l.id))),
    ...(earlier ? { earlierRun: earlier } : {}),
  };
}
