/**
 * Makes the page cross-origin isolated where the host cannot send COOP/COEP headers: registers
 * public/coi-sw.js, which adds them, and reloads once so the page is served through it. Without
 * isolation everything still works, with onnxruntime-web's WASM backend on a single thread.
 */
const RELOAD_FLAG = 'coi-sw-reloaded';

export async function registerCrossOriginIsolation(): Promise<void> {
  if (globalThis.crossOriginIsolated || !globalThis.isSecureContext) return;
  if (!('serviceWorker' in navigator)) return;
  try {
    const url = new URL('coi-sw.js', document.baseURI);
    const registration = await navigator.serviceWorker.register(url, { scope: './' });
    await navigator.serviceWorker.ready;
    const reloadedOnce = sessionStorage.getItem(RELOAD_FLAG) === '1';
    if (registration.active && !navigator.serviceWorker.controller && !reloadedOnce) {
      sessionStorage.setItem(RELOAD_FLAG, '1');
      location.reload();
      return;
    }
    sessionStorage.removeItem(RELOAD_FLAG);
  } catch (e) {
    // The page stays usable; the backend event tells the user WASM runs on one thread.
    console.warn('Cross-origin isolation service worker not registered:', e);
  }
}

void registerCrossOriginIsolation();
