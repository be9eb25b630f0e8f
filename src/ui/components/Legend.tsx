import { useMemo } from 'react';
import { LUTS, lutGradient } from '../colormap.ts';
import { formatTemp, sharedRanges } from '../layer-math.ts';
import { useAppState } from '../state/store.ts';

function Bar({
  gradient,
  range,
  unit,
  isDiff,
  title,
}: {
  gradient: string;
  range: [number, number];
  unit: 'K' | 'C';
  isDiff: boolean;
  title: string;
}) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => range[0] + t * (range[1] - range[0]));
  return (
    <div
      className="legend"
      data-testid={isDiff ? 'legend-diff' : 'legend'}
      data-min={range[0]}
      data-max={range[1]}
    >
      <div className="legend-title">{title}</div>
      <div className="legend-bar" style={{ background: gradient }} />
      <div className="legend-ticks">
        {ticks.map((v, i) => (
          <span key={i}>{formatTemp(v, unit, isDiff, 1)}</span>
        ))}
      </div>
    </div>
  );
}

/** Colour scales: the shared LST range, and the signed range of difference layers when shown. */
export function Legend() {
  const layers = useAppState((s) => s.layers);
  const colormap = useAppState((s) => s.colormap);
  const unit = useAppState((s) => s.unit);
  const visible = useAppState((s) => s.visible);
  const ranges = useMemo(() => sharedRanges(layers), [layers]);
  const lstGradient = useMemo(() => lutGradient(LUTS[colormap]), [colormap]);
  const diffGradient = useMemo(() => lutGradient(LUTS.diverging), []);
  if (layers.length === 0) return null;
  const isDiffShown = layers.some((l) => l.kind === 'difference' && visible[l.id]);
  return (
    <div className="legends">
      <Bar
        gradient={lstGradient}
        range={ranges.lst}
        unit={unit}
        isDiff={false}
        title="Land surface temperature (all layers)"
      />
      {isDiffShown && (
        <Bar gradient={diffGradient} range={ranges.diff} unit={unit} isDiff title="Difference" />
      )}
    </div>
  );
}
