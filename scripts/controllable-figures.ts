/**
 * The figures of controllable generation for the note, measured through the CLI's own functions
 * (the same code as `npm run sample / encode / likelihood`):
 *
 *   nice npx tsx scripts/controllable-figures.ts [--dir DIR] [--only bpd,roundtrip,impute]
 *
 * - bpd: bits/dim of 16 held-out MNIST digits and 16 Fashion-MNIST test images (RK45 at 1e-5, one
 *   Rademacher probe; the NFE of each solve), 4 digits with 8 probes for the band over probes, and the
 *   same 16 digits with their pixels shuffled.
 * - roundtrip: encode → decode RMSE of the 16 digits, RK45 at 1e-5 both ways and Heun on a 100-step
 *   log-SNR grid both ways, with NFE.
 * - impute: 200 digits the classifier never trained on (models/train/classifier.py's held-out split;
 *   the checkpoint models/train/runs/classifier_mnist.pt must exist): the fraction it assigns to the
 *   original label for the whole digits, for a random half of the pixels known (one mask per digit),
 *   and for the top half known (the bottom half inpainted) without and with RePaint resampling, each
 *   against a mean-image fill. Sampler: euler_maruyama, 100 steps, final denoising, seed 0.
 *
 * Writes every file it makes and summary.json into DIR (default /tmp/controllable-figures).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEncodeArgs, parseLikelihoodArgs, parseSampleArgs } from '../src/cli/args';
import { encodeFile } from '../src/cli/encode';
import { likelihoodFile, type LikelihoodRecord } from '../src/cli/likelihood';
import { sample } from '../src/cli/sample';
import { uniform } from '../src/core/rng';
import { fashionImages, mnistImages } from '../test/models/real-data';

const PYTHON = '/usr/bin/python3';
const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const dir = flag('dir') ?? '/tmp/controllable-figures';
const only = new Set((flag('only') ?? 'bpd,roundtrip,impute').split(','));
mkdirSync(dir, { recursive: true });
const file = (name: string) => join(dir, name);
const summary: Record<string, unknown> = {};
const round = (v: number) => Number(v.toPrecision(6));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const stdErr = (v: number[]) =>
  Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1) / v.length);

interface ImageFile {
  shape: number[];
  range: [number, number];
  samples: number[][];
  labels?: number[];
  [key: string]: unknown;
}
const readImages = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ImageFile;
function writeImages(
  path: string,
  samples: ArrayLike<number>[],
  extra: Record<string, unknown> = {},
): string {
  const doc = { shape: [samples.length, 1, 28, 28], range: [-1, 1], ...extra };
  writeFileSync(path, JSON.stringify({ ...doc, samples: samples.map((s) => Array.from(s, round)) }));
  return path;
}
const run = <A>(parse: (a: string[]) => A | 'help', args: string[]): A => {
  const parsed = parse(args);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
};
const log = (what: string, value: unknown) => {
  summary[what] = value;
  console.log(`${what}: ${JSON.stringify(value)}`);
  writeFileSync(file('summary.json'), JSON.stringify(summary, null, 2));
};

/** The classifier's held-out MNIST digits (its 2,000 held out; the first n), with labels. */
function heldOutDigits(n: number): string {
  const out = file(`heldout-${n}.json`);
  const code = `
import json, sys
import numpy as np
sys.path.insert(0, 'models/train')
import data
x, y = data.load_mnist()
idx = np.random.default_rng(0).permutation(len(x))[:${n}]
json.dump({'shape': [${n}, 1, 28, 28], 'range': [-1, 1], 'labels': y[idx].tolist(),
           'samples': np.round(x[idx].reshape(${n}, -1).astype(float), 6).tolist()}, open(sys.argv[1], 'w'))
`;
  execFileSync(PYTHON, ['-c', code, out]);
  return out;
}

/** Fraction of each file's images the classifier assigns to `labels`. */
function agreement(paths: string[], labels: number[]): number[] {
  for (const p of paths) {
    const doc = readImages(p);
    writeFileSync(
      p,
      JSON.stringify({ model: 'mnist', sampler: '-', sde: 'vp', steps: 0, seed: 0, ...doc, labels }),
    );
  }
  const code = `
import json, sys
from pathlib import Path
sys.path.insert(0, 'models/train')
import evaluate
for p in sys.argv[1:]:
    print(json.dumps(evaluate.judge(evaluate.load_samples(Path(p)))['agreement']))
`;
  return execFileSync(PYTHON, ['-c', code, ...paths], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number);
}

let likelihoodRuns = 0;
async function bitsPerDim(model: string, input: string, extra: string[] = []): Promise<LikelihoodRecord> {
  const out = file(`likelihood-${(likelihoodRuns += 1)}.json`);
  const record = await likelihoodFile(
    run(parseLikelihoodArgs, ['--model', model, '--in', input, '--out', out, '--progress', ...extra]),
  );
  writeFileSync(out, JSON.stringify(record));
  return record;
}

const bpdSummary = (r: LikelihoodRecord) => ({
  meanBpd: round(mean(r.bpd!)),
  seOverImages: round(stdErr(r.bpd!)),
  nfePerSolve: r.nfe,
  probes: r.probes,
  rtol: r.rtol,
  images: r.bpd!.length,
});

async function main(): Promise<void> {
  const digits200 = only.has('impute') ? heldOutDigits(200) : null;
  const digits16 = writeImages(file('digits16.json'), readImages(heldOutDigits(16)).samples);

  if (only.has('bpd')) {
    log(
      'mnist bits/dim (16 held-out digits, K = 1, rtol 1e-5)',
      bpdSummary(await bitsPerDim('mnist', digits16)),
    );
    const fashion = fashionImages(16);
    if (fashion) {
      const input = writeImages(file('fashion16.json'), fashion.images);
      log(
        'fashion bits/dim (16 test images, K = 1, rtol 1e-5)',
        bpdSummary(await bitsPerDim('fashion', input)),
      );
    } else {
      log('fashion bits/dim', 'skipped: Debian package dataset-fashion-mnist is not installed');
    }
    const four = writeImages(file('digits4.json'), readImages(digits16).samples.slice(0, 4));
    const band = await bitsPerDim('mnist', four, ['--probes', '8']);
    log('mnist bits/dim per digit ± SE over 8 probes (rtol 1e-5)', {
      bpd: band.bpd,
      seOverProbes: band.bpd_stderr,
      nfePerSolve: band.nfe,
    });
    const order = Array.from({ length: 784 }, (_, p) => (p * 389) % 784);
    const shuffled = writeImages(
      file('shuffled16.json'),
      readImages(digits16).samples.map((s) => order.map((p) => s[p])),
    );
    log(
      'mnist bits/dim, same 16 digits with pixels shuffled',
      bpdSummary(await bitsPerDim('mnist', shuffled)),
    );
  }

  if (only.has('roundtrip')) {
    const input = readImages(digits16).samples.flat();
    const tight = ['--param', 'rtol=1e-5', '--param', 'atol=1e-5'];
    const heun = ['--sampler', 'ode_heun', '--steps', '100', '--schedule', 'logsnr'];
    const solvers = [
      {
        name: 'RK45 rtol = atol = 1e-5',
        encodeFlags: tight,
        decodeFlags: ['--sampler', 'ode_rk45', ...tight],
      },
      { name: 'Heun, 100 log-SNR steps', encodeFlags: heun, decodeFlags: heun },
    ];
    for (const [i, { name, encodeFlags, decodeFlags }] of solvers.entries()) {
      const latents = file(`latents-${i}.json`);
      const encoded = await encodeFile(
        run(parseEncodeArgs, ['--model', 'mnist', '--in', digits16, ...encodeFlags, '--out', latents]),
      );
      const out = file(`decoded-${i}.json`);
      const decoded = await sample(
        run(parseSampleArgs, ['--model', 'mnist', '--latents', latents, ...decodeFlags, '--out', out]),
      );
      const output = readImages(out).samples.flat();
      const rmse = Math.sqrt(mean(output.map((v, e) => (v - input[e]) ** 2)));
      const z = (JSON.parse(readFileSync(latents, 'utf8')) as { samples: number[][] }).samples.flat();
      log(`mnist round trip, ${name} (16 digits)`, {
        rmse: round(rmse),
        maxAbs: round(Math.max(...output.map((v, e) => Math.abs(v - input[e])))),
        encodeNfe: encoded.nfe,
        decodeNfe: decoded.nfe,
        latentSecondMoment: round(mean(z.map((v) => v * v))),
      });
    }
  }

  if (digits200) {
    const doc = readImages(digits200);
    const labels = doc.labels!;
    const n = labels.length;
    // Mean image of the package's digits (the model's training data), for the mean-fill baseline.
    const pool = mnistImages(500);
    const meanImage = Float64Array.from({ length: 784 }, (_, p) => mean(pool.map((x) => x[p])));
    const randomHalf = doc.samples.map((_, k) => {
      const keys = uniform(1000 + k, 0, 784);
      const rank = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b]);
      const mask = new Array<number>(784).fill(0);
      for (const p of rank.slice(0, 392)) mask[p] = 1;
      return mask;
    });
    const topHalf = [Array.from({ length: 784 }, (_, p) => (p < 392 ? 1 : 0))];
    writeFileSync(
      file('masks-random-half.json'),
      JSON.stringify({ shape: [n, 1, 28, 28], samples: randomHalf }),
    );
    writeFileSync(file('mask-top-half.json'), JSON.stringify({ shape: [1, 1, 28, 28], samples: topHalf }));
    const meanFill = (masks: number[][]) =>
      writeImages(
        file(`meanfill-${masks.length}.json`),
        doc.samples.map((s, k) =>
          s.map((v, p) => ((masks.length === 1 ? masks[0] : masks[k])[p] ? v : meanImage[p])),
        ),
      );
    const inpaint = async (name: string, mask: string, resample: number) => {
      const out = file(`inpaint-${name}-r${resample}.json`);
      const base = ['--model', 'mnist', '--sampler', 'euler_maruyama', '--steps', '100', '--denoise-final'];
      const started = performance.now();
      const outcome = await sample(
        run(parseSampleArgs, [
          ...base,
          '--init',
          digits200,
          '--mask',
          mask,
          '--resample',
          `${resample}`,
          '--out',
          out,
        ]),
      );
      return { out, nfe: outcome.nfe, seconds: round((performance.now() - started) / 1000) };
    };
    const wholeFile = writeImages(file('whole.json'), doc.samples);
    const random = await inpaint('random-half', file('masks-random-half.json'), 0);
    const bottom = await inpaint('top-known', file('mask-top-half.json'), 0);
    const bottomResampled = await inpaint('top-known', file('mask-top-half.json'), 5);
    const files = [
      wholeFile,
      random.out,
      meanFill(randomHalf),
      bottom.out,
      bottomResampled.out,
      meanFill(topHalf),
    ];
    const rates = agreement(files, labels);
    log('mnist imputation: classifier agreement with the original label (200 held-out digits)', {
      wholeDigits: rates[0],
      randomHalfKnown: { replacement: rates[1], meanImageFill: rates[2], nfe: random.nfe },
      bottomHalfInpainted: {
        replacement: rates[3],
        repaintResample5: rates[4],
        meanImageFill: rates[5],
        nfe: [bottom.nfe, bottomResampled.nfe],
      },
      sampler: 'euler_maruyama, 100 uniform steps, final denoising, seed 0',
    });
  }
}

await main();
