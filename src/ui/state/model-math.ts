/** Per-model helpers the views share: the current SDE and the exact mixture of analytic models. */
import { useMemo } from 'react';
import { makeSde, sdeForModel } from '../../core/sde';
import { MixtureDenoiser, mixtureFromAnalytic } from '../../core/mixture';
import type { Sde, SdeKind } from '../../core/types';
import type { CatalogueEntry } from './store';

/** The forward process of kind `kind` for this model (its σ range matched to the training SDE). */
export function sdeOf(entry: CatalogueEntry | undefined, kind: SdeKind): Sde {
  return makeSde(entry === undefined ? { kind } : sdeForModel(kind, entry.card.sde));
}

export function useSde(entry: CatalogueEntry | undefined, kind: SdeKind): Sde {
  return useMemo(() => sdeOf(entry, kind), [entry, kind]);
}

/** Exact denoiser of an analytic model, or null for networks. */
export function useMixture(entry: CatalogueEntry | undefined): MixtureDenoiser | null {
  return useMemo(() => {
    const analytic = entry?.card.analytic;
    return analytic === undefined ? null : new MixtureDenoiser(mixtureFromAnalytic(analytic, entry?.id));
  }, [entry]);
}
