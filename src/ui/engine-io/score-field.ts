/**
 * The score arrows of a learned 2D model. An exact mixture's score is a formula the page
 * evaluates itself; a network's runs in the engine: the page asks for the score on the arrow grid
 * (one batched network call) and draws what comes back. It asks again only when the picture would
 * change: σ moved by more than 10 % or the scale s(t) by more than 5 % since the field shown (the
 * score changes smoothly in log σ), and never while an answer is on its way.
 */
import { asTime } from '../../core/types';
import type { EngineEvent } from '../../engine/protocol';
import { sdeOf } from '../state/model-math';
import { ARROWS_PER_SIDE, arrowGrid } from '../render/score-arrows';
import type { RunSession } from './run-session';

/** |Δ ln σ| and |Δ ln s| beyond which the arrows are asked for again. */
const SIGMA_STEP = Math.log(1.1);
const SCALE_STEP = Math.log(1.05);

/** Asks the engine for the current score field when a learned 2D model's arrows need it. */
export function refreshScoreField(session: RunSession): void {
  const { store } = session;
  const { settings, catalogue, run, learnedScore } = store.getState();
  const entry = catalogue.find((m) => m.id === settings.modelId);
  if (entry === undefined || entry.task !== 'points' || entry.analytic) return;
  if (!settings.view.scoreField || run.runId === null || run.frame === null || !(run.sigma > 0)) return;
  if (session.scoreAsked !== null) return;
  const scale = sdeOf(entry, settings.sde).scale(asTime(run.t));
  const shown = learnedScore?.runId === run.runId ? learnedScore : null;
  if (
    shown !== null &&
    Math.abs(Math.log(run.sigma / shown.sigma)) <= SIGMA_STEP &&
    Math.abs(Math.log(scale / shown.scale)) <= SCALE_STEP
  )
    return;
  const points = Float32Array.from(arrowGrid(entry.card.range, ARROWS_PER_SIDE, scale));
  session.scoreAsked = { runId: run.runId, sigma: run.sigma, scale };
  session.deps.send({ type: 'scoreField', runId: run.runId, sigma: run.sigma, points });
}

/** The engine's answer: shown when it is for the current run, then asked again if σ moved on. */
export function onScoreField(session: RunSession, event: Extract<EngineEvent, { type: 'scoreField' }>): void {
  const asked = session.scoreAsked;
  if (asked === null || asked.runId !== event.runId) return;
  session.scoreAsked = null;
  const { store } = session;
  if (store.getState().run.runId !== event.runId) return;
  if (event.score.length > 0) {
    store.setState({
      learnedScore: {
        runId: event.runId,
        sigma: event.sigma,
        scale: asked.scale,
        points: event.points,
        score: event.score,
      },
    });
  }
  refreshScoreField(session);
}
