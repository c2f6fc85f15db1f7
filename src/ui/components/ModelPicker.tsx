/** Model choice: analytic 2D mixtures first (no download), then image networks with load progress. */
import { useEffect, useState } from 'react';
import { MODEL_CACHE_NAME, modelCacheKey } from '../../shared/model-cache';
import { useAppState, useActions, useVisible } from '../contexts';
import type { CatalogueEntry, ModelLoadState } from '../state/store';
import { FormRow } from './FormRow';
import { DRAWING_ID, TRAINED_ID } from '../state/drawing';

const isLocal = (m: CatalogueEntry) => m.id === DRAWING_ID || m.id === TRAINED_ID;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function optionLabel(entry: CatalogueEntry, offline: boolean): string {
  if (entry.analytic) return `${entry.title} (exact, 2D)`;
  // Made in this page (the drawn points, a trained or uploaded card): nothing to download.
  if (isLocal(entry)) return `${entry.title} · no download`;
  const size = entry.bytes > 0 ? ` (${megabytes(entry.bytes)})` : '';
  return `${entry.title}${size}${offline ? ' · available offline' : ''}`;
}

/**
 * Which models run offline (data-offline on each option): an exact mixture and a model made in this
 * page need no download (the service worker keeps the cards and the page), a network only once its
 * verified file is in the offline cache. This hook gives the ids of those networks (the cache is
 * src/shared/model-cache.ts), looked up again whenever a model finishes loading.
 */
function useOfflineModels(catalogue: readonly CatalogueEntry[]): ReadonlySet<string> {
  const models = useAppState((s) => s.models);
  const [offline, setOffline] = useState<ReadonlySet<string>>(new Set());
  const readyCount = Object.values(models).filter((m) => m.state === 'ready').length;
  useEffect(() => {
    if (typeof caches === 'undefined') return;
    let current = true;
    const lookUp = async (): Promise<ReadonlySet<string>> => {
      const cache = await caches.open(MODEL_CACHE_NAME);
      const found = await Promise.all(
        catalogue.map(async (entry) => {
          const { onnx, sha256 } = entry.card;
          if (onnx === undefined || sha256 === undefined) return null;
          const url = new URL(onnx, new URL(`models/${entry.id}.json`, document.baseURI)).href;
          return (await cache.match(modelCacheKey(url, sha256))) ? entry.id : null;
        }),
      );
      return new Set(found.filter((id): id is string => id !== null));
    };
    lookUp().then(
      (ids) => current && setOffline(ids),
      () => undefined, // no storage (private mode): nothing is marked
    );
    return () => {
      current = false;
    };
  }, [catalogue, readyCount]);
  return offline;
}

function LoadState({ state }: { state: ModelLoadState | undefined }) {
  const actions = useActions();
  if (state === undefined || state.state === 'ready') return null;
  if (state.state === 'failed')
    return <p className="help error-text">Failed to load: see the banner above.</p>;
  const fraction = state.total > 0 ? state.loaded / state.total : 0;
  return (
    <div className="load-progress">
      <progress aria-label="Model download" max={1} value={state.total > 0 ? fraction : undefined} />
      <span>{state.total > 0 ? `${megabytes(state.loaded)} of ${megabytes(state.total)}` : 'Loading…'}</span>
      <button
        type="button"
        className="quiet"
        title="Stop loading this model and go back to the one before"
        onClick={() => actions.cancelDownload()}
      >
        Cancel
      </button>
    </div>
  );
}

export function ModelPicker() {
  const visible = useVisible('Model');
  const catalogue = useAppState((s) => s.catalogue);
  const modelId = useAppState((s) => s.settings.modelId);
  const loadState = useAppState((s) => s.models[modelId]);
  const actions = useActions();
  const offline = useOfflineModels(catalogue);
  if (!visible) return null;
  const analytic = catalogue.filter((m) => m.analytic);
  const networks = catalogue.filter((m) => !m.analytic && !isLocal(m));
  const local = catalogue.filter(isLocal);
  return (
    <FormRow id="model" label="Model">
      <select id="model" value={modelId} onChange={(e) => actions.selectModel(e.target.value)}>
        {analytic.length > 0 && (
          <optgroup label="2D toys (exact score, no download)">
            {analytic.map((m) => (
              <option key={m.id} value={m.id} data-offline="yes">
                {optionLabel(m, false)}
              </option>
            ))}
          </optgroup>
        )}
        {networks.length > 0 && (
          <optgroup label="Trained networks">
            {networks.map((m) => (
              <option key={m.id} value={m.id} data-offline={offline.has(m.id) ? 'yes' : 'no'}>
                {optionLabel(m, offline.has(m.id))}
              </option>
            ))}
          </optgroup>
        )}
        {local.length > 0 && (
          <optgroup label="Your own data (2D)">
            {local.map((m) => (
              <option key={m.id} value={m.id} data-offline="yes">
                {optionLabel(m, true)}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      <LoadState state={loadState} />
    </FormRow>
  );
}
