/** Notices: errors with Retry where it helps, warnings, and the WASM fallback note. */
import { useActions } from '../app-context';
import { useAppState } from '../store';

export function Banners() {
  const notices = useAppState((s) => s.notices);
  const actions = useActions();
  if (notices.length === 0) return null;
  return (
    <div className="banners">
      {notices.map((n) => (
        <div key={n.id} className={`banner banner-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <div className="banner-text">
            <strong>{n.title}</strong> {n.message}
          </div>
          {n.retryModelId !== undefined && (
            <button type="button" onClick={() => actions.retryModel(n.retryModelId ?? '')}>
              Retry
            </button>
          )}
          <button
            type="button"
            className="quiet"
            aria-label={`Dismiss: ${n.title}`}
            onClick={() => actions.dismissNotice(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
