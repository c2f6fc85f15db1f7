/**
 * The site's service worker, registered on every host by src/register-coi.ts. It re-serves
 * same-origin responses with headers a static host may not send:
 * - COOP/COEP/CORP, so that after one reload the page is crossOriginIsolated and
 *   onnxruntime-web's WASM backend can use threads;
 * - the Content-Security-Policy (src/shared/csp.ts, where each exception is explained): as a
 *   header it also governs the workers, which index.html's meta tag does not reach.
 */
const SITE_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
};

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** A copy of the response with the site's headers set (opaque responses cannot be copied). */
function withSiteHeaders(response) {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(SITE_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(fetch(request).then(withSiteHeaders));
});
