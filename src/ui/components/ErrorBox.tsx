import { dismissError } from '../state/actions.ts';
import { describeError } from '../messages.ts';
import { useAppState } from '../state/store.ts';

/** Notes from the last run or action, below the map so the map stays above the fold. */
export function Notices() {
  const notices = useAppState((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" data-testid="notices">
      {notices.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

/** The current error in plain words, with developer detail folded away. */
export function ErrorBox() {
  const error = useAppState((s) => s.error);
  return (
    <>
      {error && (
        <div className="error" role="alert" data-testid="error" data-code={error.code}>
          <p>{describeError(error)}</p>
          <details>
            <summary>Details</summary>
            <code>
              {error.code}: {error.message}
            </code>
          </details>
          <button type="button" className="link" onClick={dismissError}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
