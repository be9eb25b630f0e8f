import { dismissError } from '../state/actions.ts';
import { describeError } from '../messages.ts';
import { useAppState } from '../state/store.ts';

/** The current error in plain words, with developer detail folded away. */
export function ErrorBox() {
  const error = useAppState((s) => s.error);
  const notices = useAppState((s) => s.notices);
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
      {notices.length > 0 && (
        <ul className="notices" data-testid="notices">
          {notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </>
  );
}
