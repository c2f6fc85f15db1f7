/**
 * Compare mode's actions (issue 14): turn it on and off, add, remove and change panes, choose how
 * they advance, and the step sweep. A change to the panes starts the comparison over (paused, or
 * playing when it was): every pane starts from the shared prior, so there is nothing to swap live.
 */
import type { CompareAdvance } from '../../engine/protocol';
import {
  addPane as withPaneAdded,
  removePane as withoutPane,
  startPanes,
  updatePane,
  type ComparePane,
} from '../state/compare';
import { updateSettings } from '../state/store';
import type { RunSession } from './run-session';
import { startOrLoad } from './run-start';

/** Starts the run the settings now describe, playing if the last one was. */
function restart(session: RunSession, playing = session.isPlaying): void {
  startOrLoad(session, playing);
}

function setPanes(session: RunSession, compare: readonly ComparePane[] | null): void {
  updateSettings(session.store, { compare });
  restart(session);
}

/** Compare: 2 panes from the current settings; pressed again, back to the single view. */
export function toggleCompare(session: RunSession): void {
  const { settings } = session.store.getState();
  session.sweep = false;
  session.store.setState({ differencePanes: [0, 1] });
  setPanes(session, settings.compare === null ? startPanes(settings) : null);
}

export function addPane(session: RunSession): void {
  const { compare } = session.store.getState().settings;
  if (compare !== null) setPanes(session, withPaneAdded(compare));
}

/** Removes pane k (0-based; its button is "Remove pane k+1"). */
export function removePane(session: RunSession, k: number): void {
  const { settings, differencePanes } = session.store.getState();
  if (settings.compare === null) return;
  const panes = withoutPane(settings.compare, k);
  const keep = (p: number): number => Math.min(p > k ? p - 1 : p, panes.length - 1);
  const [a, b] = differencePanes.map(keep);
  session.store.setState({ differencePanes: a === b ? [0, 1] : [a, b] });
  setPanes(session, panes);
}

export function setPane(session: RunSession, k: number, patch: Partial<ComparePane>): void {
  const { compare } = session.store.getState().settings;
  if (compare !== null) setPanes(session, updatePane(compare, k, patch));
}

/** Lock-step on t or by NFE: from the next tick on, the comparison continues. */
export function setAdvance(session: RunSession, advance: CompareAdvance): void {
  updateSettings(session.store, { advance });
  // In force from the next tick: a comparison ticked again after a crash changes there too.
  const { run } = session.store.getState();
  if (run.compare !== null)
    session.compareAdvances = [...session.compareAdvances, { tick: run.i + 1, advance }];
  session.sendToRun((runId) => ({ type: 'setAdvance', runId, advance }));
}

/** The two panes the difference image subtracts. */
export function setDifferencePanes(session: RunSession, panes: readonly [number, number]): void {
  session.store.setState({ differencePanes: panes });
}

/** Step sweep: the current settings at 10, 20, 50, 100, 200, 500 and 1000 steps, playing. */
export function stepSweep(session: RunSession): void {
  session.sweep = true;
  restart(session, true);
}

/** Back from the sweep to what the settings describe (the single view or compare mode). */
export function closeSweep(session: RunSession): void {
  session.sweep = false;
  restart(session, false);
}
