import { useAppState } from '../state/store.ts';
import { methodName } from '../trust.ts';

const f = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

/** Closed-loop scores per method, energy conservation per stage, and timings. */
export function MetricsTable() {
  const metrics = useAppState((s) => s.metrics);
  const energy = useAppState((s) => s.energyError);
  const timings = useAppState((s) => s.timings);
  const isEarlier = useAppState((s) => s.isMetricsEarlier === true);
  const earlierDate = useAppState((s) => s.metricsRun?.date);
  if (metrics.length === 0 && energy.length === 0 && timings.length === 0) return null;
  const best = metrics.length > 0 ? Math.min(...metrics.map((m) => m.rmse)) : NaN;
  return (
    <div className="metrics">
      {metrics.length > 0 && (
        <table data-testid="metrics">
          <caption>
            Closed-loop check on this scene (input aggregated ×2, downscaled back, scored against itself)
            {isEarlier ? `, of an earlier run${earlierDate ? ` (${earlierDate})` : ''}` : ''}
          </caption>
          <thead>
            <tr>
              <th>Method</th>
              <th>RMSE (K)</th>
              <th>MAE (K)</th>
              <th>Bias (K)</th>
              <th>R²</th>
              <th>SSIM</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr
                key={m.method}
                data-testid="metrics-row"
                data-method={m.method}
                className={m.rmse === best ? 'best' : undefined}
              >
                <td>{methodName(m.method)}</td>
                <td className="num">{f(m.rmse)}</td>
                <td className="num">{f(m.mae)}</td>
                <td className="num">{f(m.bias)}</td>
                <td className="num">{f(m.r2)}</td>
                <td className="num">{f(m.ssim)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {energy.length > 0 && (
        <p className="small" data-testid="energy">
          Energy conservation{isEarlier ? ' of the last run' : ''} (max |block mean − input|):{' '}
          {energy.map((e) => `stage ${e.stage}: ${e.maxAbsK.toExponential(2)} K`).join(' · ')}
        </p>
      )}
      {timings.length > 0 && (
        <p className="small muted" data-testid="timings">
          Timings{isEarlier ? ' of the last run' : ''}: {timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(2)} s`).join(' · ')}
        </p>
      )}
    </div>
  );
}
