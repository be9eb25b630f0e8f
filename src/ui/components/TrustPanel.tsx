import { formatDistance, trustSentences } from '../trust.ts';
import { useAppState } from '../state/store.ts';

/** How far to trust each method on this scene, in words: closed loop against bicubic, energy conservation, a recommendation. */
export function TrustPanel() {
  const metrics = useAppState((s) => s.metrics);
  const loop = useAppState((s) => s.closedLoop);
  const energy = useAppState((s) => s.energyError);
  const isEarlier = useAppState((s) => s.isMetricsEarlier === true);
  if (metrics.length === 0 || !loop) return null;
  const { perMethod, recommendation } = trustSentences(metrics, loop.coarsePixelM, loop.referencePixelM);
  const maxEnergy = energy.length > 0 ? Math.max(...energy.map((e) => e.maxAbsK)) : undefined;
  return (
    <div className="trust" data-testid="trust">
      <h3>How far to trust the result</h3>
      {isEarlier && (
        <p className="warn small" data-testid="trust-earlier">
          These scores are of an earlier run with other settings: the last run had no closed-loop check.
        </p>
      )}
      <ul>
        {perMethod.map((p) => (
          <li key={p.method} data-testid="trust-method" data-method={p.method}>
            {p.text}
          </li>
        ))}
      </ul>
      <p className="small">
        The check runs one octave above the output: the input LST is averaged to {formatDistance(loop.coarsePixelM)},
        downscaled back to {formatDistance(loop.referencePixelM)} and compared with itself. The{' '}
        {formatDistance(loop.outputPixelM)} output cannot be checked directly without an independent fine LST.
      </p>
      {maxEnergy !== undefined && (
        <p className="small" data-testid="trust-energy">
          Energy conservation: every output block averages back to the input LST within {maxEnergy.toExponential(1)} K
          {maxEnergy < 0.01 ? ' (residual correction on).' : ' (residual correction off: block means drift from the input).'}
        </p>
      )}
      {recommendation && <p data-testid="trust-recommendation"><strong>{recommendation}</strong></p>}
    </div>
  );
}
