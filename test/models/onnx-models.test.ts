/**
 * Every ONNX model in models/manifest.json: the file matches its card, loads in onnxruntime-node
 * with the declared inputs, returns finite output of the declared shape, and — for images — really
 * denoises real data (MSE to the clean image falls below the card's bound at σ = 0.1, 0.5, 2).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadCard,
  manifestIds,
  MODELS_DIR,
  createCheckedSession,
  sessionNetwork,
} from '../../src/cli/load-model';
import { NetworkDenoiser } from '../../src/core/denoiser';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { gaussianNoise } from '../../src/core/rng';
import { asSigma } from '../../src/core/types';
import type { ModelCard } from '../../src/core/card';
import { fashionImages, FASHION_TEST_IMAGES, mnistImages } from './real-data';

const ids = manifestIds();
const onnxCards = ids.map((id) => loadCard(id)).filter((loaded) => loaded.card.onnx !== undefined);

it('every id in models/manifest.json has a card file', () => {
  for (const id of ids) expect(existsSync(resolve(MODELS_DIR, `${id}.json`)), `${id}.json`).toBe(true);
});

/** Real images and their labels for a dataset card, or null when the data is not installed. */
function realImages(card: ModelCard): { images: Float32Array[]; labels: number[] } | null {
  const { id } = card;
  if (id === 'fashion') return fashionImages(100);
  if (id.startsWith('emoji')) {
    // The shipped examples: held-out glyphs, class k % classes in turn (models/train/make_examples.py).
    const examples = card.examples;
    if (!examples) return null;
    const bytes = readFileSync(resolve(MODELS_DIR, examples.file));
    const dim = card.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = card.range;
    const classes = card.classes?.length ?? 0;
    const images = Array.from({ length: examples.count }, (_, k) =>
      Float32Array.from(bytes.subarray(k * dim, (k + 1) * dim), (b) => lo + ((hi - lo) * b) / 255),
    );
    return { images, labels: classes > 0 ? images.map((_, k) => k % classes) : [] };
  }
  const images = mnistImages(10);
  return { images, labels: images.map((_, k) => Math.floor(k / 10)) };
}

const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

describe.each(onnxCards.map((loaded) => [loaded.card.id, loaded] as const))(
  'ONNX model %s',
  (_id, loaded) => {
    const { card } = loaded;
    const dim = card.shape.reduce((a, b) => a * b, 1);

    it('ships the ONNX file the card describes (size and SHA-256)', () => {
      const file = resolve(MODELS_DIR, card.onnx as string);
      expect(existsSync(file), `${file} exists`).toBe(true);
      const bytes = readFileSync(file);
      expect(bytes.length).toBe(card.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(card.sha256);
      expect(card.opset).toBe(17);
    });

    it('loads with the declared inputs and returns finite eps of the declared shape', async () => {
      const session = await createCheckedSession(loaded); // also checks size and SHA-256
      expect([...session.inputNames].sort()).toEqual(Object.keys(card.inputs ?? {}).sort());
      const batch = 3;
      const x = gaussianNoise(1, 0, 0, batch * dim);
      const t = Float32Array.from([0.01, 0.5, 1]);
      const y = card.classes ? BigInt64Array.from([0n, 1n, BigInt(card.nullClass as number)]) : null;
      const out = await sessionNetwork(session, card)(x, t, y, batch);
      expect(out.length).toBe(batch * dim);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(0.1); // a network that outputs zeros is broken
      await session.release();
    });

    it.skipIf(card.task !== 'image')(
      'denoises real data by the margins recorded in the card',
      async (ctx) => {
        const data = realImages(card);
        if (!data) {
          ctx.skip(`${FASHION_TEST_IMAGES} missing: sudo apt-get install dataset-fashion-mnist`);
          return;
        }
        const margins = card.denoiseMargins;
        expect(margins, 'card has denoiseMargins').toBeDefined();
        const session = await createCheckedSession(loaded);
        const { images, labels } = data;
        const batch = images.length;
        const clean = new Float32Array(batch * dim);
        images.forEach((img, k) => clean.set(img, k * dim));
        const denoiser = new NetworkDenoiser(
          sessionNetwork(session, card),
          card,
          labels.length ? { classLabels: labels } : {},
        );
        for (const [k, sigma] of (margins?.sigmas ?? []).entries()) {
          const noise = gaussianNoise(11, k, 0, batch * dim);
          const noisy = clean.map((v, e) => v + sigma * noise[e]);
          const denoised = await denoiser.denoise(noisy, asSigma(sigma), batch);
          const ratio = mse(denoised, clean) / mse(noisy, clean);
          expect(ratio, `σ = ${sigma}`).toBeLessThanOrEqual(margins?.maxRatio[k] ?? 0);
          expect(ratio).toBeLessThan(1);
        }
        await session.release();
      },
    );
  },
);

/** Learned toys whose training distribution is an analytic card: the exact denoiser is the truth. */
const EXACT_REFERENCE: Record<string, string> = { toy_eight_gaussians: 'ring8' };

describe.each(onnxCards.filter((l) => l.card.id in EXACT_REFERENCE).map((l) => [l.card.id, l] as const))(
  'learned toy %s against its exact mixture',
  (id, loaded) => {
    it('denoises like the exact posterior mean E[x₀ | x̃] at every noise level', async () => {
      const reference = loadCard(EXACT_REFERENCE[id]).card;
      const mixture = mixtureFromAnalytic(
        reference.analytic ?? { weights: [], means: [], covs: [] },
        reference.id,
      );
      const exact = new MixtureDenoiser(mixture);
      const session = await createCheckedSession(loaded);
      const learned = new NetworkDenoiser(sessionNetwork(session, loaded.card), loaded.card);
      const n = 1000;
      const clean = sampleMixture(mixture, n, 5);
      for (const [k, sigma] of [0.05, 0.1, 0.3, 1, 3].entries()) {
        const noise = gaussianNoise(9, k, 0, 2 * n);
        const noisy = clean.map((v, e) => v + sigma * noise[e]);
        const truth = await exact.denoise(noisy, asSigma(sigma), n);
        const got = await learned.denoise(noisy, asSigma(sigma), n);
        // The learned estimate sits far closer to the exact one than the noisy input does …
        expect(mse(got, truth) / mse(noisy, truth), `σ = ${sigma}`).toBeLessThan(0.05);
        // … and its error to the clean points is within 10% of the Bayes-optimal (exact) error.
        expect(mse(got, clean) / mse(truth, clean), `σ = ${sigma}`).toBeLessThan(1.1);
      }
      await session.release();
    });
  },
);
