/** The sampler registry as the UI sees it: the URL vocabulary and parameters with their defaults. */
import type { Params, ParamSpec, Sampler } from '../../core/types';
import { samplers } from '../../core/samplers/registry';
import type { UrlVocabulary } from './url-state';
import type { CatalogueEntry } from './store';

export { samplers };

export function findSampler(id: string): Sampler | undefined {
  return samplers.find((s) => s.id === id);
}

/** Registry defaults of a sampler's parameters, overlaid with the values the user set. */
export function samplerParamsWithDefaults(samplerId: string, stored: Params | undefined): Params {
  const specs: readonly ParamSpec[] = findSampler(samplerId)?.params ?? [];
  const defaults: Record<string, Params[string]> = {};
  for (const spec of specs) defaults[spec.name] = spec.default;
  return { ...defaults, ...stored };
}

/** What the URL may say, from the sampler registry and the list of model ids. */
export function urlVocabulary(modelIds: readonly string[]): UrlVocabulary {
  return { samplers: samplers.map((s) => ({ id: s.id, params: s.params })), modelIds };
}

/** The URL vocabulary of this page: the registry's samplers and the catalogue's models. */
export function registryVocabulary(catalogue: readonly CatalogueEntry[]): UrlVocabulary {
  return urlVocabulary(catalogue.map((m) => m.id));
}
