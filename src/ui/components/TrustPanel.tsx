import { formatDistance, loopSampleNote, trustRunLines, trustSentences } from '../trust.ts';
import { useAppState } from '../state/store.ts';

/** How far to trust each method on this scene, in words: closed loop against bicubic, energy conservation, a recommendation. */
export function TrustPanel() {
  const metrics = useAppState((s) => s.metrics);
  const loop = useAppState((s) => s.closedLoop);
  const energy = useAppState((s) => s.energyError);
  const isEarlier = useAppState((s) => s.isMetricsEarlier);
  const metricsRun = useAppState((s) => s.metricsRun);
  const scene = useAppState((s) => s.resultScene);
  const layers = useAppState((s) => s.layers);
  const earlierIds = useAppState((s) => s.earlierLayerIds);
  if (metrics.length === 0 || !loop) return null;
  const { perMethod, recommendation } = trustSentences(metrics, loop.coarsePixelM, loop.referencePixelM);
  const sampleNote = loopSampleNote(loop);
  const runs = trustRunLines({ isMetricsEarlier: isEarlier, metricsRun, energyError: energy, resultScene: scene, layers, earlierLayerIds: earlierIds });
  return (
    <div className="trust" data-testid="trust">
      <h3>How far to trust the result</h3>
      {runs.earlierNote && (
        <p className="warn small" data-testid="trust-earlier">
          {runs.earlierNote}
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
        {sampleNote && <span data-testid="trust-sample"> {sampleNote}</span>}
      </p>
      {runs.energy.map((e) => (
        <p key={e.run} className="small" data-testid="trust-energy" data-run={e.run}>
          {e.text}
        </p>
      ))}
      {recommendation && <p data-testid="trust-recommendation"><strong>{recommendation}</strong></p>}
    </div>
  );
}
