/**
 * Where verified model networks are kept for offline use: the Cache API cache the worker writes
 * once a download's size and SHA-256 match the card (src/engine/fetch-model.ts), and the page
 * reads to mark models available offline (src/ui/components/ModelPicker.tsx). The key carries the
 * digest, so a new export of a model never reuses an old copy. The service worker
 * (public/coi-sw.js) keeps this cache across deploys: every entry is re-verified on use.
 */
export const MODEL_CACHE_NAME = 'diffusion-playground-models-v1';

/** The cache key of a network file: its URL and the digest its card gives. */
export function modelCacheKey(url: string, sha256: string): string {
  return `${url}#sha256=${sha256.toLowerCase()}`;
}
