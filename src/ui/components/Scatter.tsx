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
        aria-label={`Closed-loop reference LST against the ${data.method} prediction of it`}
      >
        <rect x={PAD} y={PAD} width={span} height={span} fill="none" stroke="#999" />
        <line x1={px(lo)} y1={py(lo)} x2={px(hi)} y2={py(hi)} stroke="#888" strokeDasharray="4 3" />
        <path d={pts.join('')} stroke="#2c5f8a" strokeWidth={3} strokeLinecap="round" opacity={0.6} />
        <text x={S / 2} y={S - 6} fontSize={10} textAnchor="middle">
          reference LST (K)
        </text>
        <text x={10} y={S / 2} fontSize={10} textAnchor="middle" transform={`rotate(-90 10 ${S / 2})`}>
          predicted (K)
        </text>
        <text x={PAD} y={S - PAD + 12} fontSize={9}>
          {lo.toFixed(1)}
        </text>
        <text x={S - PAD} y={S - PAD + 12} fontSize={9} textAnchor="end">
          {hi.toFixed(1)}
        </text>
      </svg>
      <figcaption>{data.method}: closed-loop prediction vs reference</figcaption>
    </figure>
  );
}

/** Each method's closed-loop prediction against the reference it had to recover (not the corrected output against its own input). */
export function Scatter() {
  const scatter = useAppState((s) => s.scatter);
  const loop = useAppState((s) => s.closedLoop);
  if (scatter.length === 0) return null;
  return (
    <div>
      <div className="scatters">
        {scatter.map((d) => (
          <Plot key={d.method} data={d} />
        ))}
      </div>
      {loop && (
        <p className="small muted scatter-note">
          Each point is one pixel of the closed loop: the input LST averaged to {Math.round(loop.coarsePixelM)} m and
          downscaled back to {Math.round(loop.referencePixelM)} m (y) against the input LST itself (x). Points off the
          dashed 1:1 line are the method&apos;s errors.
        </p>
      )}
    </div>
  );
}
