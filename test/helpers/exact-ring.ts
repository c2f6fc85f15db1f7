/**
 * The ring of eight Gaussians (models/ring8.json) as a class-conditional x₀-network, for the compare
 * mode tests: class k is component k alone, the null class the whole ring, and x₀ is exact. Rows
 * are evaluated one at a time, so a row's output cannot depend on the batch it came in.
 */
import { parseCard, type ModelCard } from '../../src/core/card';
import { MixtureDenoiser, mixtureFromAnalytic, type GaussianMixture } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { asTime } from '../../src/core/types';

export interface ExactRing {
  /** A network card: x₀ output, eight classes and a null class, the ring's SDE. */
  card: ModelCard;
  /** The whole ring's exact denoiser. */
  mixture: GaussianMixture;
  /** x₀ of `rows` rows of native x at diffusion time t (one t per row), class per row. */
  x0(
    x: Float32Array,
    t: (row: number) => number,
    label: (row: number) => number,
    rows: number,
  ): Promise<Float32Array>;
}

/** From the parsed models/ring8.json (read from disk in Node, fetched in the browser). */
export function exactRing(json: unknown): ExactRing {
  const ring = parseCard(json, 'models/ring8.json');
  const mixture = mixtureFromAnalytic(ring.analytic!, 'ring8');
  const dim = mixture.dim;
  const nullClass = mixture.weights.length;
  const card: ModelCard = {
    ...ring,
    analytic: undefined,
    onnx: 'exact-ring.onnx',
    parameterization: 'x0',
    classes: mixture.weights.map((_, k) => `component ${k}`),
    nullClass,
  };
  const component = (k: number): GaussianMixture => ({
    dim,
    weights: [1],
    means: [mixture.means[k]],
    covs: [mixture.covs[k]],
  });
  const denoisers = [
    ...mixture.weights.map((_, k) => new MixtureDenoiser(component(k))),
    new MixtureDenoiser(mixture),
  ];
  const sde = makeSde(card.sde);
  return {
    card,
    mixture,
    async x0(x, t, label, rows) {
      const out = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) {
        const time = asTime(t(r));
        const scale = sde.scale(time);
        const row = x.slice(r * dim, (r + 1) * dim).map((v) => v / scale);
        out.set(await denoisers[label(r)].denoise(row, sde.sigma(time), 1), r * dim);
      }
      return out;
    },
  };
}
