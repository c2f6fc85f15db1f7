/**
 * The glossary: each term the page shows, with a one-sentence definition and its formula, in the
 * notation the code runs (docs/ARCHITECTURE.md, "The one idea"): x_t = s(t)(x₀ + σ(t)n), the
 * samplers' coordinates x̃ = x/s(t), the denoiser D(x̃, σ) = x̂₀, the score (D − x̃)/σ² and
 * ε̂ = (x̃ − D)/σ. Definitions are plain text with inline `$…$` TeX, like lesson text
 * (src/shared/lesson-format.ts); `formula` is TeX for KaTeX. Shown on hover and keyboard focus.
 */

export interface GlossaryEntry {
  /** Stable id, used by the page to attach an entry to a control or a term. */
  id: string;
  /** The term as the page writes it (plain text). */
  term: string;
  /** The term's symbol in TeX, when it has one. */
  symbol?: string;
  /** One sentence, plain text with inline `$…$` TeX. */
  definition: string;
  /** The defining formula, TeX. */
  formula: string;
}

export const glossary: readonly GlossaryEntry[] = [
  {
    id: 'x-t',
    term: 'x_t',
    symbol: 'x_t',
    definition:
      'The sample at time $t$ in the coordinates of the data: the clean data shrunk by $s(t)$, plus Gaussian noise.',
    formula: String.raw`x_t = s(t)\,\bigl(x_0 + \sigma(t)\,n\bigr),\quad n \sim \mathcal{N}(0, I)`,
  },
  {
    id: 'x-tilde',
    term: 'x̃',
    symbol: String.raw`\tilde x`,
    definition: String.raw`The scale-free coordinates every sampler works in: the data plus noise of standard deviation $\sigma$, with no shrinking, so that $\sigma$ alone says how far along a trajectory is.`,
    formula: String.raw`\tilde x = x_t / s(t) = x_0 + \sigma(t)\,n`,
  },
  {
    id: 's-t',
    term: 's(t)',
    symbol: 's(t)',
    definition:
      'How much the forward process has shrunk the data by time $t$: it falls from 1 towards 0 on VP and sub-VP, and stays 1 on VE.',
    formula: String.raw`s(t) = e^{-\frac{1}{2}\int_0^t \beta(u)\,du}\ \text{(VP, sub-VP)},\qquad s(t) = 1\ \text{(VE)}`,
  },
  {
    id: 't',
    term: 't',
    symbol: 't',
    definition:
      'Diffusion time, from 0 (the data) to 1 (pure noise); the forward process runs it up, every sampler runs it down.',
    formula: String.raw`t \in [0, 1],\qquad \sigma = \sigma(t),\quad t = t(\sigma)`,
  },
  {
    id: 'sigma',
    term: 'σ',
    symbol: String.raw`\sigma`,
    definition: String.raw`The noise level: the standard deviation of the noise in $\tilde x$, and the one number a sampler needs to know where it is.`,
    formula: String.raw`\sigma_{\mathrm{VP}} = \frac{\sqrt{1 - s^2}}{s},\quad \sigma_{\text{sub-VP}} = \frac{1 - s^2}{s},\quad \sigma_{\mathrm{VE}} = \sigma_{\min}\Bigl(\frac{\sigma_{\max}}{\sigma_{\min}}\Bigr)^{t}`,
  },
  {
    id: 'x0-hat',
    term: 'x̂₀',
    symbol: String.raw`\hat x_0`,
    definition:
      "The denoiser's estimate of the clean data, the mean of every $x_0$ that could have produced the noisy sample; a blur when the noise is large.",
    formula: String.raw`\hat x_0 = D(\tilde x, \sigma) \approx \mathbb{E}[x_0 \mid \tilde x] = \tilde x - \sigma\,\hat\epsilon`,
  },
  {
    id: 'score',
    term: 'score',
    symbol: String.raw`\nabla \log p`,
    definition: String.raw`The gradient of the log-density of the noisy data, an arrow toward more probable points; it is the pull toward $\hat x_0$ divided by $\sigma^2$.`,
    formula: String.raw`\nabla_{\tilde x} \log p_\sigma(\tilde x) = \frac{D(\tilde x, \sigma) - \tilde x}{\sigma^2},\qquad \nabla_x \log p_t(x) = \frac{D - \tilde x}{s\,\sigma^2}`,
  },
  {
    id: 'epsilon',
    term: 'ε̂',
    symbol: String.raw`\hat\epsilon`,
    definition: String.raw`A noise-predicting network's output, its estimate of the noise $n$ in $\tilde x$: the score scaled by $-\sigma$.`,
    formula: String.raw`\hat\epsilon = \frac{\tilde x - \hat x_0}{\sigma} = -\sigma\,\nabla_{\tilde x} \log p_\sigma(\tilde x) = -\sqrt{1 - \bar\alpha_t}\;\nabla_x \log p_t(x)`,
  },
  {
    id: 'tweedie',
    term: "Tweedie's formula",
    definition: String.raw`The posterior mean of the clean data is the noisy sample plus $\sigma^2$ times the score, so the best denoiser and the score are one thing (Efron 2011).`,
    formula: String.raw`\mathbb{E}[x_0 \mid \tilde x] = \tilde x + \sigma^2\,\nabla_{\tilde x} \log p_\sigma(\tilde x)`,
  },
  {
    id: 'nfe',
    term: 'NFE',
    definition:
      'Number of function evaluations: how many times the network has run so far, the price of a sample (a guided step runs it once on a doubled batch).',
    formula: String.raw`\text{NFE} = \sum_{\text{steps}} \text{network calls per step}\;(+1\ \text{for the final denoising step})`,
  },
  {
    id: 'snr-r',
    term: 'SNR r',
    symbol: 'r',
    definition: String.raw`The corrector's target signal-to-noise ratio: how large its step along the score is against its noise, which sets the Langevin step size $\epsilon$.`,
    formula: String.raw`x \leftarrow x + \epsilon\,\nabla \log p + \sqrt{2\epsilon}\,z,\qquad \epsilon = 2\alpha\Bigl(\frac{r\,\|z\|}{\|\nabla \log p\|}\Bigr)^{2}`,
  },
  {
    id: 'guidance-w',
    term: 'guidance w',
    symbol: 'w',
    definition:
      'The classifier-free guidance weight: 0 ignores the class, 1 is the class-conditional model alone, larger values push toward the most unmistakable examples of the class.',
    formula: String.raw`D = D_u + w\,(D_c - D_u),\qquad \nabla \log p_u + w\,\nabla \log p(y \mid \tilde x)`,
  },
  {
    id: 'vp',
    term: 'VP',
    definition:
      'The variance-preserving SDE of DDPM: it shrinks the data as it adds noise, so unit-variance data keep unit variance (Song et al. 2021, eq. 11).',
    formula: String.raw`dx = -\tfrac{1}{2}\beta(t)\,x\,dt + \sqrt{\beta(t)}\,dw,\qquad \beta(t) = \beta_{\min} + t\,(\beta_{\max} - \beta_{\min})`,
  },
  {
    id: 'sub-vp',
    term: 'sub-VP',
    definition:
      'A VP-like SDE with less noise at every time, whose log-SNR ends higher; it gives better likelihoods (Song et al. 2021, eq. 12).',
    formula: String.raw`dx = -\tfrac{1}{2}\beta(t)\,x\,dt + \sqrt{\beta(t)\bigl(1 - e^{-2\int_0^t \beta(u)\,du}\bigr)}\,dw`,
  },
  {
    id: 've',
    term: 'VE',
    definition: String.raw`The variance-exploding SDE of NCSN: no shrinking, only noise growing geometrically from $\sigma_{\min}$ to $\sigma_{\max}$ (Song et al. 2021, eq. 9).`,
    formula: String.raw`dx = \sqrt{\frac{d[\sigma^2(t)]}{dt}}\,dw,\qquad \sigma(t) = \sigma_{\min}\Bigl(\frac{\sigma_{\max}}{\sigma_{\min}}\Bigr)^{t}`,
  },
  {
    id: 'log-snr',
    term: 'log-SNR',
    symbol: String.raw`\lambda`,
    definition: String.raw`The logarithm of the signal-to-noise ratio $1/\sigma^2$ in $\tilde x$: high near the data, low near pure noise.`,
    formula: String.raw`\lambda(t) = -2 \ln \sigma(t)`,
  },
  {
    id: 'reverse-sde',
    term: 'reverse SDE',
    definition:
      'The stochastic equation that runs the forward process backwards in time, carrying noise to data with the score as its only unknown (Song et al. 2021, eq. 6).',
    formula: String.raw`dx = \bigl[f(t)\,x - g(t)^2\,\nabla_x \log p_t(x)\bigr]\,dt + g(t)\,d\bar w`,
  },
  {
    id: 'probability-flow-ode',
    term: 'probability-flow ODE',
    definition:
      'A deterministic equation with the same marginals $p_t$ as the reverse SDE, a fixed map from noise to data (Song et al. 2021, eq. 13).',
    formula: String.raw`dx = \bigl[f(t)\,x - \tfrac{1}{2} g(t)^2\,\nabla_x \log p_t(x)\bigr]\,dt \quad\Longleftrightarrow\quad \frac{d\tilde x}{d\sigma} = \frac{\tilde x - \hat x_0}{\sigma}`,
  },
  {
    id: 'brownian-path',
    term: 'Brownian path',
    symbol: 'W',
    definition: String.raw`One random path per seed, indexed by $u = \sigma^2$, from which the reverse-SDE steps draw their noise, so runs with other step counts or SDEs see the same randomness.`,
    formula: String.raw`\tilde x(u) = x_0 + W(u),\quad u = \sigma^2,\qquad W(u_b) - W(u_a) \sim \mathcal{N}\bigl(0,\ (u_b - u_a)\,I\bigr)`,
  },
];

/** The entry with this id; an unknown id is an error naming the known ones. */
export function glossaryEntry(id: string): GlossaryEntry {
  const entry = glossary.find((e) => e.id === id);
  if (!entry)
    throw new Error(`No glossary entry "${id}"; the entries are ${glossary.map((e) => e.id).join(', ')}.`);
  return entry;
}
