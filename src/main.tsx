/**
 * Page entry: read the model list and the URL, create the store, the actions and the engine
 * worker, render, then load the chosen model.
 */
import './register-coi';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './ui/App';
import { ActionsContext, StoreContext } from './ui/contexts';
import { createActions } from './ui/engine-io/actions';
import { fetchCatalogue } from './ui/state/catalogue';
import { registryVocabulary, samplerParamsWithDefaults } from './ui/state/registry-view';
import { defaultSettings } from './ui/state/settings';
import { catalogueEntry, DRAWING_ID, drawingCard, TRAINED_ID } from './ui/state/drawing';
import { addNotice, createAppStore } from './ui/state/store';
import { createEngineClient, type EngineClient } from './ui/engine-io/worker-client';
import { linkChange, readLocationHash, summariseIgnored, writeLocationHash } from './ui/state/url-state';
import './ui/styles.css';

function showFatal(root: Root, message: string): void {
  root.render(
    <div className="fatal" role="alert">
      <h1>Diffusion Playground could not start</h1>
      <p>{message}</p>
    </div>,
  );
}

async function start(root: Root): Promise<void> {
  const siteUrl = new URL('.', document.baseURI).href;
  const catalogue = await fetchCatalogue(siteUrl);
  // Your own data (issue 15): the drawing is always in the picker; a trained network joins it later.
  const entries = [...catalogue.entries, catalogueEntry(drawingCard(new Float32Array(0)), DRAWING_ID)];
  const vocabulary = registryVocabulary([
    ...entries,
    catalogueEntry(drawingCard(new Float32Array(0)), TRAINED_ID),
  ]);
  const defaults = { ...defaultSettings, modelId: catalogue.entries[0].id };
  const parsed = readLocationHash(vocabulary, defaults);
  const store = createAppStore(parsed.settings);
  store.setState({ catalogue: entries });
  const reportIgnored = (ignored: string[]): void => {
    if (ignored.length === 0) return;
    addNotice(store, {
      kind: 'warning',
      title: 'Part of the link was ignored',
      message: summariseIgnored(ignored),
    });
  };
  reportIgnored(parsed.ignored);
  for (const problem of catalogue.problems)
    addNotice(store, { kind: 'error', title: 'A model is unavailable', message: problem });

  let client: EngineClient | null = null;
  const actions = createActions(store, {
    send: (request) => client?.send(request),
    nextRunId: () => client?.nextRunId() ?? 0,
    samplerParams: samplerParamsWithDefaults,
    modelsUrl: new URL('models/', siteUrl).href,
    now: () => performance.now(),
    restartEngine: () => client?.restart(),
  });
  client = createEngineClient(actions.handleEvent);
  store.subscribe((state, previous) => {
    if (state.settings !== previous.settings) writeLocationHash(state.settings, vocabulary);
  });
  writeLocationHash(parsed.settings, vocabulary);
  // A link pasted into this tab changes only the hash: apply it as a fresh load would (a hash
  // that changes only a lesson's keys changes nothing else).
  window.addEventListener('hashchange', (event) => {
    if (linkChange(new URL(event.oldURL).hash, window.location.hash) !== 'settings') return;
    const link = readLocationHash(vocabulary, defaults);
    reportIgnored(link.ignored);
    actions.applyLink(link.settings);
    writeLocationHash(store.getState().settings, vocabulary);
  });
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <ActionsContext.Provider value={actions}>
          <App />
        </ActionsContext.Provider>
      </StoreContext.Provider>
    </StrictMode>,
  );
  actions.boot();
}

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element.');
const root = createRoot(container);
start(root).catch((error: unknown) =>
  showFatal(root, error instanceof Error ? error.message : String(error)),
);
