/**
 * First visit: on the bare URL, one card in the notices row says what the page is, the one thing
 * to press (Play) and where the lessons are. Dismissed, it never comes back (localStorage); a link
 * with settings or a lesson never shows it.
 */
import { useActions, useAppState, useLessonPlayer } from '../contexts';

/** localStorage key remembering that the welcome card was dismissed. */
export const WELCOME_KEY = 'diffusion-playground.welcome-dismissed';

/** Whether to greet: a bare URL (no hash) and a card never dismissed in this browser. */
export function shouldWelcome(hash: string, storage: Pick<Storage, 'getItem'> | null): boolean {
  if (hash.replace(/^#/, '') !== '') return false;
  try {
    return storage?.getItem(WELCOME_KEY) !== '1';
  } catch {
    return true; // storage refused (private mode): greet, at worst once per load
  }
}

export function Welcome() {
  const show = useAppState((s) => s.welcome && s.lesson === null);
  const actions = useActions();
  const player = useLessonPlayer();
  if (!show) return null;
  const dismiss = (): void => {
    try {
      window.localStorage.setItem(WELCOME_KEY, '1');
    } catch {
      // storage refused: dismissed for this visit only
    }
    actions.dismissWelcome();
  };
  return (
    <section className="banner welcome" aria-label="Welcome">
      <div className="banner-text">
        <strong>Watch a diffusion model turn noise into data.</strong> The model runs live in your browser,
        one denoising step per frame. Press <span className="welcome-key">▶ Play</span> below to start.
        {player !== null && (
          <>
            {' '}
            New to diffusion? The <strong>Lessons</strong> button at the top right walks you from the forward
            process to predictor–corrector sampling.
          </>
        )}
      </div>
      <button type="button" className="quiet" aria-label="Dismiss the welcome" onClick={dismiss}>
        ×
      </button>
    </section>
  );
}
