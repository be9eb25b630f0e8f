import { exportGeoTiff } from '../state/actions.ts';
import { store, useAppState } from '../state/store.ts';
import { formatTemp } from '../layer-math.ts';
import { ExportProgress } from './ExportProgress.tsx';

/**
 * One row per result layer: visibility toggle with the layer's short name (method and grid), a
 * muted line with what the name leaves out (model size, detail weight, what the method is), size
 * and value range, and GeoTIFF export. A layer an earlier run made says so instead of offering an
 * export (the worker keeps only the last run's layers) and is listed after the last run's own,
 * which come first (the map still draws the last run's on top).
 */
export function LayerList() {
  const layers = useAppState((s) => s.layers);
  const earlier = useAppState((s) => s.earlierLayerIds);
  const visible = useAppState((s) => s.visible);
  const unit = useAppState((s) => s.unit);
  const isExporting = useAppState((s) => s.exporting !== undefined);
  if (layers.length === 0) return <p className="muted">No layers yet: load files or the demo, then Run.</p>;
  return (
    <ul className="layers">
      {[...layers.filter((l) => !earlier.includes(l.id)), ...layers.filter((l) => earlier.includes(l.id))].map((l) => (
        <li key={l.id}>
          <label>
            <input
              type="checkbox"
              data-testid="layer-toggle"
              data-layer={l.id}
              checked={!!visible[l.id]}
              onChange={(e) => store.set((s) => ({ visible: { ...s.visible, [l.id]: e.target.checked } }))}
            />{' '}
            <span className="layer-name" title={l.description}>
              {l.label}
            </span>
          </label>
          <span className="muted small layer-stats">
            {l.detail && (
              <>
                <span data-testid="layer-detail" data-layer={l.id}>
                  {l.detail}
                </span>
                {' · '}
              </>
            )}
            {l.grid.width}×{l.grid.height} · {formatTemp(l.stats.min, unit, (l.kind === 'difference' || l.kind === 'uncertainty'), 1)} to{' '}
            {formatTemp(l.stats.max, unit, (l.kind === 'difference' || l.kind === 'uncertainty'), 1)}
          </span>
          {earlier.includes(l.id) ? (
            <span className="muted small" data-testid="earlier-layer" data-layer={l.id} title="Made by an earlier run with other settings: run its method again to export it">
              earlier run, not exported
            </span>
          ) : (
            <button
              type="button"
              className="link"
              data-testid="export-geotiff"
              data-layer={l.id}
              disabled={isExporting}
              onClick={() => void exportGeoTiff(l.id)}
              title={isExporting ? 'An export is in progress: wait for it or cancel it' : 'Download as GeoTIFF (float32 K, own CRS and grid)'}
            >
              GeoTIFF
            </button>
          )}
          <ExportProgress kind="geotiff" layerId={l.id} />
        </li>
      ))}
    </ul>
  );
}
