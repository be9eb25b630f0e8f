import {
  formatDistance,
  loopSampleNote,
  methodName,
  trustRunLines,
  trustSentences,
  shownTruthRows,
  truthResolutionWords,
  truthSentence,
} from '../trust.ts';
import type { TruthCheck } from '../../worker/protocol.ts';
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
  const truth = useAppState((s) => s.truth);
  const hasLoop = metrics.length > 0 && !!loop;
  if (!hasLoop && !truth) return null;
  const runs = trustRunLines({
    isMetricsEarlier: isEarlier,
    metricsRun,
    energyError: energy,
    resultScene: scene,
    layers,
    earlierLayerIds: earlierIds,
  });
  return (
    <div className="trust" data-testid="trust">
      <h3>How far to trust the result</h3>
      {truth && <TruthTable truth={truth} />}
      {hasLoop && <LoopCheck earlierNote={runs.earlierNote} hasTruth={!!truth} />}
      {runs.energy.map((e) => (
        <p key={e.run} className="small" data-testid="trust-energy" data-run={e.run}>
          {e.text}
        </p>
      ))}
    </div>
  );
}

const k = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** Each output against an independent LST of the same date with finer pixels: the only direct check of the fine outputs. */
function TruthTable({ truth }: { truth: TruthCheck }) {
  const verdict = truthSentence(truth);
  const atTruth = truthResolutionWords(truth);
  const rows = shownTruthRows(truth.rows);
  const blockAveraged = rows.some((r) => r.scoredPixelSizeM !== undefined);
  return (
    <div data-testid="trust-truth">
      <p>
        Against <strong>{truth.name}</strong>, an independent LST of the same date (about{' '}
        {formatDistance(truth.pixelSizeM)}
        ), put on each output's grid
        {blockAveraged ? ', or each output finer than it block-averaged onto its grid' : ''}:
      </p>
      {atTruth && (
        <p className="small" data-testid="trust-truth-resolution">
          {atTruth}
        </p>
      )}
      {verdict && (
        <p data-testid="trust-truth-verdict">
          <strong>{verdict}</strong>
        </p>
      )}
      <div className="metrics">
        <table data-testid="truth-table">
          <thead>
            <tr>
              <th>Method</th>
              <th>Output</th>
              <th>RMSE (K)</th>
              <th>Mean difference (K)</th>
              <th>RMSE without it (K)</th>
              <th>Detail RMSE (K)</th>
              <th>Detail correlation</th>
              <th>Pixels</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={`${r.method}-${r.stage}`}
                data-testid="truth-row"
                data-method={r.method}
                data-stage={r.stage}
              >
                <td>{methodName(r.method)}</td>
                <td>
                  {formatDistance(r.pixelSizeM)}
                  {r.scoredPixelSizeM !== undefined && ` at ${formatDistance(r.scoredPixelSizeM)}`}
                </td>
                <td className="num">{k(r.rmseK, 3)}</td>
                <td className="num">{k(r.biasK)}</td>
                <td className="num">{k(r.offsetFreeRmseK, 3)}</td>
                <td className="num">{k(r.detailRmseK, 3)}</td>
                <td className="num">{k(r.detailCorr)}</td>
                <td className="num">{r.n.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small">
        Two sensors seldom agree on the mean (emissivity, view angle, minutes between overpasses), so the RMSE
        is also given without the mean difference. The detail is each output pixel minus the mean of its input
        LST pixel, against the same of the independent LST: what a method adds to the input, since the
        residual correction fixes every input pixel's mean. The independent LST's own detail has a standard
        deviation of {k(rows[rows.length - 1]?.truthDetailSdK ?? Number.NaN)} K at the finest
        output: a method that adds none has about that detail RMSE.
        {truth.finerStages.length > 0 &&
          ' Outputs finer than the independent LST are not scored where its pixels are not whole blocks of theirs on its grid (the notice says why).'}
      </p>
    </div>
  );
}

/** The closed-loop part of the panel (shown only with a loop). */
function LoopCheck({ earlierNote, hasTruth }: { earlierNote?: string; hasTruth: boolean }) {
  const metrics = useAppState((s) => s.metrics);
  const loop = useAppState((s) => s.closedLoop)!;
  const { perMethod, recommendation } = trustSentences(metrics, loop.coarsePixelM, loop.referencePixelM);
  const sampleNote = loopSampleNote(loop);
  return (
    <>
      {earlierNote && (
        <p className="warn small" data-testid="trust-earlier">
          {earlierNote}
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
        The check runs one octave above the output: the input LST is averaged to{' '}
        {formatDistance(loop.coarsePixelM)}, downscaled back to {formatDistance(loop.referencePixelM)} and
        compared with itself. The {formatDistance(loop.outputPixelM)} output{' '}
        {hasTruth
          ? 'is checked directly only against the independent LST above.'
          : 'cannot be checked directly without an independent fine LST (drop one of the same date, ASTER or Landsat, beside the LST).'}
        {sampleNote && <span data-testid="trust-sample"> {sampleNote}</span>}
      </p>
      {recommendation && (
        <p data-testid="trust-recommendation">
          <strong>{recommendation}</strong>
        </p>
      )}
    </>
  );
}
