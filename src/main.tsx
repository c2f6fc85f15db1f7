/**
 * Page entry: read the model list and the URL, create the store, the actions and the engine
 * worker, render, then load the chosen model.
 */
import './register-coi';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './ui/App';
import { ActionsContext, LessonContext, StoreContext } from './ui/contexts';
import { createActions } from './ui/engine-io/actions';
import { createLessonPlayer } from './ui/engine-io/lesson-player';
import { shouldWelcome } from './ui/components/Welcome';
import { fetchCatalogue } from './ui/state/catalogue';
import { registryVocabulary, samplerParamsWithDefaults } from './ui/state/registry-view';
import { defaultSettings } from './ui/state/settings';
import { catalogueEntry, DRAWING_ID, drawingCard, TRAINED_ID } from './ui/state/drawing';
import { addNotice, createAppStore } from './ui/state/store';
import { createEngineClient, type EngineClient } from './ui/engine-io/worker-client';
import {
  linkChange,
  readLocationHash,
  summariseIgnored,
  writeLessonKeys,
  writeLocationHash,
} from './ui/state/url-state';
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
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    // storage refused (private mode): the welcome card shows on each bare load
  }
  store.setState({
    catalogue: entries,
    welcome: shouldWelcome(window.location.hash, storage),
  });
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
  const lessons = createLessonPlayer(store, actions, {
    siteUrl,
    pageUrl: () => window.location.href,
    fetchText: async (url) => {
      const response = await fetch(url, { cache: 'no-cache' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    },
    vocabulary,
    defaults,
    // The lesson's keys, and the settings beside them (a lesson link may have brought none).
    writeKeys: (keys) => {
      writeLessonKeys(keys);
      writeLocationHash(store.getState().settings, vocabulary);
    },
  });
  store.subscribe((state, previous) => {
    if (state.settings !== previous.settings) writeLocationHash(state.settings, vocabulary);
  });
  writeLocationHash(parsed.settings, vocabulary);
  // A link pasted into this tab changes only the hash: apply it as a fresh load would (a hash
  // that changes only a lesson's keys changes nothing else).
  // A lesson link (#lesson=<id>&lstep=<k>) opens, moves or closes the lesson player, which applies
  // the step's own settings.
  window.addEventListener('hashchange', (event) => {
    const change = linkChange(new URL(event.oldURL).hash, window.location.hash);
    if (change === 'none') return;
    const link = readLocationHash(vocabulary, defaults);
    if (change === 'settings' && link.passive.lesson === undefined) {
      reportIgnored(link.ignored);
      actions.applyLink(link.settings);
      writeLocationHash(store.getState().settings, vocabulary);
    }
    lessons.syncFromHash(link.passive);
  });
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <ActionsContext.Provider value={actions}>
          <LessonContext.Provider value={lessons}>
            <App />
          </LessonContext.Provider>
        </ActionsContext.Provider>
      </StoreContext.Provider>
    </StrictMode>,
  );
  actions.boot();
  lessons.syncFromHash(parsed.passive);
}

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element.');
const root = createRoot(container);
start(root).catch((error: unknown) =>
  showFatal(root, error instanceof Error ? error.message : String(error)),
);
