import { useAppState } from '../state/store.ts';
import type { ScatterData } from '../../worker/protocol.ts';

const S = 240;
const PAD = 34;

function Plot({ data }: { data: ScatterData }) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.x.length; i++) {
    lo = Math.min(lo, data.x[i], data.y[i]);
    hi = Math.max(hi, data.x[i], data.y[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const span = S - 2 * PAD;
  const px = (v: number) => PAD + ((v - lo) / (hi - lo)) * span;
  const py = (v: number) => S - PAD - ((v - lo) / (hi - lo)) * span;
  const pts: string[] = [];
  for (let i = 0; i < data.x.length; i++)
    pts.push(`M${px(data.x[i]).toFixed(1)} ${py(data.y[i]).toFixed(1)}h0.01`);
  return (
    <figure className="scatter" data-testid="scatter" data-method={data.method} data-n={data.x.length}>
      <svg
        width={S}
        height={S}
        role="img"
        aria-label={`Input LST against ${data.method} output aggregated to the input grid`}
      >
        <rect x={PAD} y={PAD} width={span} height={span} fill="none" stroke="#999" />
        <line x1={px(lo)} y1={py(lo)} x2={px(hi)} y2={py(hi)} stroke="#888" strokeDasharray="4 3" />
        <path d={pts.join('')} stroke="#2c5f8a" strokeWidth={3} strokeLinecap="round" opacity={0.6} />
        <text x={S / 2} y={S - 6} fontSize={10} textAnchor="middle">
          input LST (K)
        </text>
        <text x={10} y={S / 2} fontSize={10} textAnchor="middle" transform={`rotate(-90 10 ${S / 2})`}>
          output, block mean (K)
        </text>
        <text x={PAD} y={S - PAD + 12} fontSize={9}>
          {lo.toFixed(1)}
        </text>
        <text x={S - PAD} y={S - PAD + 12} fontSize={9} textAnchor="end">
          {hi.toFixed(1)}
        </text>
      </svg>
      <figcaption>{data.method}: input vs output aggregated back to the input grid</figcaption>
    </figure>
  );
}

/** Input LST against each method's output aggregated back to the input resolution. */
export function Scatter() {
  const scatter = useAppState((s) => s.scatter);
  const isCorrected = useAppState(
    (s) => s.energyError.length > 0 && s.energyError.every((e) => e.maxAbsK < 0.01),
  );
  if (scatter.length === 0) return null;
  return (
    <div>
      <div className="scatters">
        {scatter.map((d) => (
          <Plot key={d.method} data={d} />
        ))}
      </div>
      {isCorrected && (
        <p className="small muted scatter-note">
          With residual correction every block mean equals the input, so the points sit on the 1:1 line by
          construction; turn it off to see each method's own departure.
        </p>
      )}
    </div>
  );
}
