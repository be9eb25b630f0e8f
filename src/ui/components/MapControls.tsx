import { store, useAppState, type ColormapName, type CompareMode } from '../state/store.ts';

const MODES: { id: CompareMode; label: string }[] = [
  { id: 'off', label: 'Layers' },
  { id: 'swipe', label: 'Swipe' },
  { id: 'side', label: 'Side by side' },
];

/** View mode, compared layers, colour table, unit, opacity, online basemap. */
export function MapControls() {
  const layers = useAppState((s) => s.layers);
  const compare = useAppState((s) => s.compare);
  const colormap = useAppState((s) => s.colormap);
  const unit = useAppState((s) => s.unit);
  const opacity = useAppState((s) => s.opacity);
  const isOnline = useAppState((s) => s.onlineBasemap);
  const basemapNotice = useAppState((s) => s.basemapNotice);
  const pick = (side: 'left' | 'right', id: string) =>
    store.set((s) => ({ compare: { ...s.compare, [side]: id } }));
  return (
    <div className="map-controls">
      <span className="segmented" role="group" aria-label="View">
        {MODES.map((m) => (
          <button
            key={m.id}
            type="button"
            data-testid={`view-${m.id}`}
            aria-pressed={compare.mode === m.id}
            onClick={() =>
              store.set((s) => ({
                compare: {
                  mode: m.id,
                  left: s.compare.left ?? s.layers.find((l) => l.kind === 'input')?.id ?? s.layers[0]?.id,
                  right:
                    s.compare.right ??
                    // The last run's result, not one an earlier run left (another method's, kept on the map).
                    s.layers.find((l) => l.kind === 'output' && l.isFinal && !s.earlierLayerIds.includes(l.id))?.id ??
                    s.layers[s.layers.length - 1]?.id,
                },
              }))
            }
          >
            {m.label}
          </button>
        ))}
      </span>
      {compare.mode !== 'off' && (
        <>
          {(['left', 'right'] as const).map((side) => (
            <select
              key={side}
              data-testid={`compare-${side}`}
              aria-label={`${side} layer`}
              value={compare[side] ?? ''}
              onChange={(e) => pick(side, e.target.value)}
            >
              {layers.map((l) => (
                <option key={l.id} value={l.id}>
                  {side}: {l.label}
                </option>
              ))}
            </select>
          ))}
        </>
      )}
      <select
        aria-label="Colour table"
        value={colormap}
        onChange={(e) => store.set({ colormap: e.target.value as ColormapName })}
      >
        <option value="inferno">inferno</option>
        <option value="turbo">turbo</option>
      </select>
      <select
        aria-label="Unit"
        data-testid="unit"
        value={unit}
        onChange={(e) => store.set({ unit: e.target.value as 'K' | 'C' })}
      >
        <option value="K">K</option>
        <option value="C">°C</option>
      </select>
      <label>
        Opacity{' '}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          onChange={(e) => store.set({ opacity: Number(e.target.value) })}
        />
      </label>
      <label title="Loads OpenStreetMap tiles from the internet">
        <input
          type="checkbox"
          data-testid="online-basemap"
          checked={isOnline}
          onChange={(e) => store.set({ onlineBasemap: e.target.checked, basemapNotice: undefined })}
        />{' '}
        Online basemap
      </label>
      {basemapNotice && (
        <p className="warn small" data-testid="basemap-notice">
          {basemapNotice}
        </p>
      )}
    </div>
  );
}
