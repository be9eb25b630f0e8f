import { useAppState } from '../state/store.ts';
import { formatTemp, sampleNative } from '../layer-math.ts';

/** Every layer's value at the last clicked map position. */
export function Inspector() {
  const at = useAppState((s) => s.inspect);
  const layers = useAppState((s) => s.layers);
  const unit = useAppState((s) => s.unit);
  if (layers.length === 0) return null;
  return (
    <div className="inspector" data-testid="inspector">
      <h3>Pixel inspector</h3>
      {!at ? (
        <p className="muted small">Click the map to read every layer at that point.</p>
      ) : (
        <>
          <p className="small">
            {at.lat.toFixed(5)}°, {at.lng.toFixed(5)}°
          </p>
          <table>
            <tbody>
              {layers.map((l) => {
                const hit = sampleNative(l, at.lng, at.lat);
                const v = hit?.value ?? Number.NaN;
                return (
                  <tr
                    key={l.id}
                    data-testid="inspector-row"
                    data-layer={l.id}
                    data-value={Number.isFinite(v) ? v : ''}
                    data-col={hit?.col}
                    data-row={hit?.row}
                  >
                    <td title={l.id}>{l.label}</td>
                    <td className="muted small">{hit ? `${hit.col},${hit.row}` : ''}</td>
                    <td className="num">{formatTemp(v, unit, l.kind === 'difference' || l.kind === 'uncertainty')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
