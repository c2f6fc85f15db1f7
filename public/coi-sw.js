/**
 * The site's service worker, registered on every host by src/register-coi.ts.
 *
 * Headers: it re-serves same-origin responses with headers a static host may not send:
 * COOP/COEP/CORP, so that the page is crossOriginIsolated and onnxruntime-web's WASM backend can
 * use threads, and the Content-Security-Policy (src/shared/csp.ts, where each exception is
 * explained): as a header it also governs the workers, which index.html's meta tag does not reach.
 *
 * Offline: on install it stores the app shell (this build's files, listed into SHELL_FILES by
 * vite.config.ts) and the model manifest with every card it lists; pages are network-first with
 * the stored copy as fallback, built assets (hashed names) cache-first, cards and lessons
 * network-first. Model networks (.onnx) pass through: the engine keeps each one in its own cache
 * once its SHA-256 matches the card (src/shared/model-cache.ts). Each build has its own shell
 * cache; activating a new build deletes the others, and the page reloads onto it.
 */
// Filled in by the build (vite.config.ts): this build's id and its files, relative to the site root.
const BUILD_ID = 'unbuilt';
const SHELL_FILES = [];

const SHELL_PREFIX = 'diffusion-playground-shell-';
const SHELL_CACHE = SHELL_PREFIX + BUILD_ID;
const SITE_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
};

/** A URL of the site from a path relative to its root (the worker's scope: works from a sub-path). */
const siteUrl = (path) => new URL(path, self.registration.scope).href;

async function storeShell() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(['./', ...SHELL_FILES].map(siteUrl));
  // The cards the manifest lists (a host may add models after the build).
  const manifest = await fetch(siteUrl('models/manifest.json'));
  if (!manifest.ok) return;
  await cache.put(siteUrl('models/manifest.json'), manifest.clone());
  const { models } = await manifest.json();
  if (Array.isArray(models)) {
    await Promise.all(
      models
        .filter((id) => typeof id === 'string' && /^[A-Za-z0-9_-]+$/.test(id))
        .map((id) => cache.add(siteUrl('models/' + id + '.json')).catch(() => undefined)),
    );
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(storeShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** A copy of the response with the site's headers set (opaque responses cannot be copied). */
function withSiteHeaders(response) {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(SITE_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The network's answer, stored for later; the stored copy when the network fails. */
async function networkFirst(request, key) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const stored = await cache.match(key, { ignoreSearch: true });
    if (stored) return stored;
    throw error;
  }
}

/** The stored copy, else the network's answer (stored when it is a whole 200). */
async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const stored = await cache.match(request, { ignoreSearch: true });
  if (stored) return stored;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  if (request.headers.has('range')) return;
  const scope = new URL(self.registration.scope);
  const path = url.pathname.startsWith(scope.pathname) ? url.pathname.slice(scope.pathname.length) : null;
  let answer;
  if (path === null || path.endsWith('.onnx')) answer = fetch(request);
  else if (request.mode === 'navigate' || path === '' || path === 'index.html')
    answer = networkFirst(request, siteUrl('./'));
  else if (path.startsWith('assets/')) answer = cacheFirst(request);
  else answer = networkFirst(request, request);
  event.respondWith(answer.then(withSiteHeaders));
});
