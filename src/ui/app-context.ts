/** React access to the page's actions and the helpers every control uses. */
import { createContext, useContext } from 'react';
import type { Actions } from './engine-io/actions';
import type { ControlName } from './state/settings';
import { useAppState } from './state/store';

export const ActionsContext = createContext<Actions | null>(null);

export function useActions(): Actions {
  const actions = useContext(ActionsContext);
  if (actions === null) throw new Error('useActions needs an <ActionsContext.Provider>.');
  return actions;
}

/** False when the URL's `hide=` hides this control (teacher mode). */
export function useVisible(name: ControlName): boolean {
  return useAppState((s) => !s.settings.hidden.includes(name));
}

/** Catalogue entry of the selected model (undefined until the manifest is read). */
export function useCurrentModel() {
  return useAppState((s) => s.catalogue.find((m) => m.id === s.settings.modelId));
}
