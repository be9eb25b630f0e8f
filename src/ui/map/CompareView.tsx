import { useCallback, useEffect, useRef, useState } from 'react';
import type { Map as MapInstance } from 'maplibre-gl';
import { useAppState } from '../state/store.ts';
import { MapView } from './MapView.tsx';
import { syncMaps } from './maplibre.ts';

interface Props {
  mode: 'swipe' | 'side';
  leftId?: string;
  rightId?: string;
}

/**
 * Two synced maps, one layer each: overlaid with a draggable vertical divider (swipe), or next to
 * each other (side by side).
 */
export function CompareView({ mode, leftId, rightId }: Props) {
  const [maps, setMaps] = useState<{ left?: MapInstance; right?: MapInstance }>({});
  const [split, setSplit] = useState(0.5);
  const box = useRef<HTMLDivElement>(null);
  const layers = useAppState((s) => s.layers);
  const hasLayers = layers.length > 0;
  // The chips name each side's layer as the layer list does, not by its id.
  const labelOf = (id?: string) => layers.find((l) => l.id === id)?.label ?? id;
  const descriptionOf = (id?: string) => layers.find((l) => l.id === id)?.description;

  const onLeft = useCallback((m: MapInstance) => setMaps((s) => ({ ...s, left: m })), []);
  const onRight = useCallback((m: MapInstance) => setMaps((s) => ({ ...s, right: m })), []);

  useEffect(() => {
    if (!maps.left || !maps.right) return;
    return syncMaps(maps.left, maps.right);
  }, [maps.left, maps.right]);

  useEffect(() => {
    maps.left?.resize();
    maps.right?.resize();
  }, [mode, maps.left, maps.right]);

  const startDrag = (e: React.PointerEvent) => {
    e.preventDefault();
    const el = box.current;
    if (!el) return;
    const move = (ev: PointerEvent) => {
      const r = el.getBoundingClientRect();
      setSplit(Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)));
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  if (!hasLayers) return <p className="muted">Run a method first to compare layers.</p>;
  const pct = `${(split * 100).toFixed(2)}%`;
  return (
    <div
      ref={box}
      className={`compare compare-${mode}`}
      data-testid="compare"
      data-mode={mode}
      data-split={split.toFixed(3)}
    >
      <MapView name="left" shownIds={leftId ? [leftId] : []} className="map compare-map" onReady={onLeft} />
      <div
        className="compare-right"
        style={mode === 'swipe' ? { clipPath: `inset(0 0 0 ${pct})` } : undefined}
      >
        <MapView
          name="right"
          shownIds={rightId ? [rightId] : []}
          className="map compare-map"
          onReady={onRight}
        />
      </div>
      {mode === 'swipe' && (
        <div
          className="swipe-handle"
          data-testid="swipe-handle"
          style={{ left: pct }}
          onPointerDown={startDrag}
          onKeyDown={(e) => {
            const step = e.key === 'ArrowLeft' ? -0.05 : e.key === 'ArrowRight' ? 0.05 : 0;
            if (step) setSplit((v) => Math.min(1, Math.max(0, v + step)));
          }}
          tabIndex={0}
          role="separator"
          aria-orientation="vertical"
          aria-label="Swipe divider (arrow keys move it)"
          aria-valuenow={Math.round(split * 100)}
        >
          <span>⇔</span>
        </div>
      )}
      <span className="compare-label left" data-testid="compare-label-left" title={descriptionOf(leftId)}>
        {labelOf(leftId)}
      </span>
      <span className="compare-label right" data-testid="compare-label-right" title={descriptionOf(rightId)}>
        {labelOf(rightId)}
      </span>
    </div>
  );
}
