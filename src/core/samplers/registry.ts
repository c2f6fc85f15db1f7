/** Every sampler by its stable id (the ids are the URL vocabulary). */
import type { Sampler } from '../types';
import { ddim } from './ddim';
import { dpmpp2m } from './dpmpp';
import { annealedLangevin } from './langevin';
import { odeEuler, odeHeun } from './ode';
import { pc } from './pc';
import { odeRk45 } from './rk45';
import { ancestral, eulerMaruyama, reverseDiffusion } from './sde-predictors';

export const samplers: readonly Sampler[] = [
  eulerMaruyama,
  reverseDiffusion,
  ancestral,
  pc,
  annealedLangevin,
  odeEuler,
  odeHeun,
  odeRk45,
  ddim,
  dpmpp2m,
];

export const samplerIds: readonly string[] = samplers.map((s) => s.id);

const byId = new Map(samplers.map((s) => [s.id, s]));

/** The sampler with this id; an unknown id is an error that lists the valid ones. */
export function getSampler(id: string): Sampler {
  const sampler = byId.get(id);
  if (!sampler) {
    throw new Error(`Unknown sampler "${id}". Choose one of: ${samplerIds.join(', ')}.`);
  }
  return sampler;
}
