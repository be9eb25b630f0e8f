import pkg from '../../../package.json';
import { effectiveRole, type AppState } from './store.ts';

/**
 * The JSON report of the results on screen: app and weights versions, inputs (names, dates,
 * checksums, roles), settings, notices, metrics, energy conservation, timings, layer statistics.
 */
export function buildReport(s: AppState): Record<string, unknown> {
  return {
    app: { name: 'srda-lst', version: pkg.version },
    createdAt: new Date().toISOString(),
    scene: s.resultScene,
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
    settings: s.settings,
    backend: s.backend,
    notices: s.notices,
    finetune: s.finetune,
    metrics: s.metrics,
    energyError: s.energyError,
    timings: s.timings,
    layers: s.layers.map((l) => ({
      id: l.id,
      label: l.label,
      file: `${l.fileStem}.tif`,
      kind: l.kind,
      method: l.method,
      stage: l.stage,
      units: l.units,
      pixelSizeM: Number(l.pixelSizeM.toFixed(2)),
      grid: l.grid,
      stats: { ...l.stats, histogram: undefined },
    })),
  };
}
