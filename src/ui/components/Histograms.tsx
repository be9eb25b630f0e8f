import { formatTemp } from '../layer-math.ts';
import { useAppState } from '../state/store.ts';
import type { LayerData } from '../../worker/protocol.ts';

const W = 200;
const H = 70;

function Histogram({ layer, unit }: { layer: LayerData; unit: 'K' | 'C' }) {
  const { counts, min, max } = layer.stats.histogram;
  const peak = Math.max(1, ...counts);
  const bw = W / Math.max(1, counts.length);
  const isDiff = layer.kind === 'difference';
  return (
    <figure className="histogram" data-testid="histogram" data-layer={layer.id}>
      <svg width={W} height={H + 14} role="img" aria-label={`Histogram of ${layer.id}`}>
        {counts.map((c, i) => (
          <rect
            key={i}
            x={i * bw}
            y={H - (H * c) / peak}
            width={Math.max(1, bw - 0.5)}
            height={(H * c) / peak}
            fill="#b3456b"
          />
        ))}
        <text x={0} y={H + 12} fontSize={10}>
          {formatTemp(min, unit, isDiff, 1)}
        </text>
        <text x={W} y={H + 12} fontSize={10} textAnchor="end">
          {formatTemp(max, unit, isDiff, 1)}
        </text>
      </svg>
      <figcaption>
        {layer.id} · mean {formatTemp(layer.stats.mean, unit, isDiff)} · sd {layer.stats.std.toFixed(2)} K
      </figcaption>
    </figure>
  );
}

/** A histogram per layer. */
export function Histograms() {
  const layers = useAppState((s) => s.layers);
  const unit = useAppState((s) => s.unit);
  if (layers.length === 0) return null;
  return (
    <div className="histograms">
      {layers.map((l) => (
        <Histogram key={l.id} layer={l} unit={unit} />
      ))}
    </div>
  );
}
