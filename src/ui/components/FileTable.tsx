import { convertUnits, removeInput, setRole } from '../state/actions.ts';
import { effectiveRole, qcWithoutLst, unusedReason, useAppState } from '../state/store.ts';
import { undatedPairing } from '../state/undated-pairing.ts';
import { describeError } from '../messages.ts';
import { ROLES, type InputInfo, type RoleId } from '../../worker/protocol.ts';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function formatPixel(i: InputInfo): string {
  if (!i.pixelSize) return '—';
  const m = i.pixelSizeM !== undefined ? `≈${Math.round(i.pixelSizeM)} m` : '';
  const native = i.pixelSize.x < 0.1 ? `${i.pixelSize.x.toPrecision(4)}°` : `${i.pixelSize.x.toFixed(1)}`;
  return i.pixelSize.x < 0.1 ? `${m} (${native})` : m || native;
}

function Row({ input }: { input: InputInfo }) {
  const role = useAppState((s) => effectiveRole(s, input));
  const unused = useAppState((s) => unusedReason(s, input));
  const lonelyQc = useAppState((s) => qcWithoutLst(s, input));
  const pairing = useAppState((s) => undatedPairing(s, input));
  const isSynthetic = useAppState((s) => s.syntheticIds.includes(input.id));
  return (
    <tr data-testid="file-row" data-role={input.metadata ? 'metadata' : role} data-synthetic={isSynthetic || undefined} className={input.problem ? 'bad' : undefined}>
      <td title={input.fileName}>
        {isSynthetic && (
          <span className="badge" data-testid="synthetic-badge">
            synthetic demo
          </span>
        )}{' '}
        {input.fileName}
      </td>
      <td>
        <select
          aria-label={`Role of ${input.fileName}`}
          value={role}
          disabled={!!input.problem || !!input.metadata}
          onChange={(e) => setRole(input, e.target.value as RoleId)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td>{input.product ?? '—'}</td>
      <td>{input.date ?? '—'}</td>
      <td>{formatBytes(input.sizeBytes)}</td>
      <td>{input.width ? `${input.width}×${input.height}` : '—'}</td>
      <td>{formatPixel(input)}</td>
      <td>{input.crsName ?? '—'}</td>
      <td>{input.validFraction !== undefined ? `${(100 * input.validFraction).toFixed(1)}%` : '—'}</td>
      <td className="reason">
        {input.unitCandidates?.length ? (
          <UnitChoice input={input} candidates={input.unitCandidates} />
        ) : role === 'lst' && input.lstUnitCandidates?.length ? (
          <UnitChoice input={input} candidates={input.lstUnitCandidates} />
        ) : input.problem ? (
          describeError(input.problem)
        ) : input.metadata ? (
          `metadata: ${input.metadata}`
        ) : role === 'unknown' && unused ? (
          unused
        ) : lonelyQc ? (
          lonelyQc
        ) : pairing ? (
          pairing
        ) : input.convertedFrom ? (
          `converted from ${input.convertedFrom} to K`
        ) : input.sidecar ? (
          input.sidecar
        ) : role === 'unknown' && input.nameless ? (
          `unknown: ${input.nameless}. If it is a cloud mask (Fmask: 0 clear, 1 water, 2 shadow, 3 snow, 4 cloud), pick "cloud-mask" in its Role column: the LST is then masked wherever it is not 0.`
        ) : role === 'unknown' ? (
          'ignored: role unknown (pick one to use this file)'
        ) : (
          ''
        )}
      </td>
      <td>
        <button
          type="button"
          className="link"
          aria-label={`Remove ${input.fileName}`}
          onClick={() => void removeInput(input)}
        >
          ✕
        </button>
      </td>
    </tr>
  );
}

/** "Not kelvin" notice with one button per plausible conversion; nothing is converted until one is pressed. */
function UnitChoice({ input, candidates }: { input: InputInfo; candidates: { code: string; label: string }[] }) {
  return (
    <span data-testid="unit-choice">
      Values are not kelvin; they look like{' '}
      {candidates.map((c, k) => (
        <span key={c.code}>
          {k > 0 ? ' or ' : ''}
          <button type="button" className="link" onClick={() => void convertUnits(input, c.code)}>
            {c.label}: convert to K
          </button>
        </span>
      ))}
    </span>
  );
}

/** The ingested files with their detected role (editable), grid and validity. */
export function FileTable() {
  const inputs = useAppState((s) => s.inputs);
  if (inputs.length === 0) return null;
  return (
    <section className="panel files-panel">
      <table className="files">
        <thead>
          <tr>
            <th>File</th>
            <th>Role</th>
            <th>Product</th>
            <th>Date</th>
            <th>Size</th>
            <th>Pixels</th>
            <th>Pixel size</th>
            <th>CRS</th>
            <th>Valid</th>
            <th>Notes</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {inputs.map((i) => (
            <Row key={i.id} input={i} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
