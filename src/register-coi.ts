/**
 * Registers the site's service worker (public/coi-sw.js) on every host, from the page's own
 * folder (so a sub-path works). It keeps the app shell for offline use and sets COOP/COEP and the
 * Content-Security-Policy as headers on what it serves: headers reach the workers, a meta policy
 * does not. When the host did not make
 * the page cross-origin isolated, the page reloads once so it is served through the worker.
 * Without the worker everything still works: the meta policy applies, and onnxruntime-web's WASM
 * backend runs on a single thread. Not in the dev server, whose inline scripts the policy blocks.
 */
const RELOAD_FLAG = 'coi-sw-reloaded';

export async function registerSiteWorker(): Promise<void> {
  if (import.meta.env.DEV || !globalThis.isSecureContext) return;
  if (!('serviceWorker' in navigator)) return;
  try {
    // A new deploy's worker takes over an open page: reload onto the new build at once, so the
    // old page's code never runs against the new files (the old build's cache is gone).
    const hadController = navigator.serviceWorker.controller !== null;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (hadController) location.reload();
    });
    const url = new URL('coi-sw.js', document.baseURI);
    const registration = await navigator.serviceWorker.register(url, { scope: './' });
    await navigator.serviceWorker.ready;
    if (globalThis.crossOriginIsolated) return;
    const reloadedOnce = sessionStorage.getItem(RELOAD_FLAG) === '1';
    if (registration.active && !navigator.serviceWorker.controller && !reloadedOnce) {
      sessionStorage.setItem(RELOAD_FLAG, '1');
      location.reload();
      return;
    }
    sessionStorage.removeItem(RELOAD_FLAG);
  } catch (e) {
    // The page stays usable; the backend event tells the user WASM runs on one thread.
    console.warn('Site service worker not registered:', e);
  }
}

void registerSiteWorker();
