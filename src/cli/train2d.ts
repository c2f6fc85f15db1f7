/**
 * `npm run train2d -- --data POINTS.json|POINTS.csv [--steps N] [--seed S] --out CARD.json`: trains
 * core's small MLP denoiser (core/mlp/trainer.ts, the page's trainer) on a 2D point set and writes a
 * model card with the weights inside, which `npm run sample -- --model CARD.json` and the page load
 * without ONNX. The defaults give a good model; usage mistakes print one line and exit 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelCard } from '../core/card';
import { MAX_TRAIN_STEPS, TRAIN_DEFAULTS, Trainer } from '../core/mlp/trainer';
import { parsePointsCsv, parsePointsJson, PointSetError } from '../core/point-set';
import { failureStatus, UsageError } from './args';

export const TRAIN2D_USAGE = `usage: npm run train2d -- --data POINTS.json|POINTS.csv --out CARD.json
  [--steps N (default ${TRAIN_DEFAULTS.steps})] [--seed S (default ${TRAIN_DEFAULTS.seed})] [--id ID] [--title TEXT] [--quiet]
  POINTS.json: {"shape": [N, 2], "samples": [[x, y], ...]} as npm run sample writes; CSV: one x,y per row`;

export interface Train2dArgs {
  data: string;
  out: string;
  steps: number;
  seed: number;
  id: string;
  title: string;
  quiet: boolean;
}

const VALUE_FLAGS = ['data', 'out', 'steps', 'seed', 'id', 'title'];
const BOOL_FLAGS = ['quiet', 'help'];

function wholeNumber(flag: string, text: string, lo: number, hi: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < lo || value > hi) {
    throw new UsageError(`--${flag} must be a whole number from ${lo} to ${hi}, got "${text}"`);
  }
  return value;
}

/** Parses argv (without node and script). */
export function parseTrain2dArgs(argv: readonly string[]): Train2dArgs | 'help' {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (BOOL_FLAGS.includes(name)) {
      flags.set(name, 'true');
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) {
      const known = [...VALUE_FLAGS, ...BOOL_FLAGS].map((f) => `--${f}`).join(', ');
      throw new UsageError(`unknown argument "${arg}": the flags are ${known}`);
    }
    if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name} needs a value`);
    if (flags.has(name)) throw new UsageError(`--${name} was given twice; give it once`);
    flags.set(name, argv[++i]);
  }
  if (flags.has('help')) return 'help';
  const data = flags.get('data');
  if (data === undefined)
    throw new UsageError('--data is required (a POINTS.json or .csv file of x,y points)');
  const out = flags.get('out');
  if (out === undefined || !/\.json$/i.test(out)) {
    throw new UsageError(
      `--out must name the card file to write, ending in .json${out ? `, got "${out}"` : ''}`,
    );
  }
  const id = flags.get('id') ?? basename(out, extname(out)).replace(/[^A-Za-z0-9_-]+/g, '_');
  if (!/^[A-Za-z0-9_-]+$/.test(id))
    throw new UsageError(`--id must use letters, digits, "-" and "_", got "${id}"`);
  return {
    data,
    out,
    steps: wholeNumber('steps', flags.get('steps') ?? String(TRAIN_DEFAULTS.steps), 1, MAX_TRAIN_STEPS),
    seed: wholeNumber('seed', flags.get('seed') ?? String(TRAIN_DEFAULTS.seed), 0, 2 ** 32 - 1),
    id,
    title: flags.get('title') ?? `Trained on ${basename(data)}`,
    quiet: flags.has('quiet'),
  };
}

/** The points of a .json (npm run sample's format) or .csv file, row-major N × 2. */
export function readPoints(path: string): Float32Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--data: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new PointSetError(`${path} is not valid JSON (${(err as Error).message})`);
      }
      return parsePointsJson(json, path);
    }
    return parsePointsCsv(text, path);
  } catch (err) {
    if (err instanceof PointSetError) throw new UsageError(`--data: ${err.message}`);
    throw err;
  }
}

export interface Train2dOutcome {
  card: ModelCard;
  points: number;
  seconds: number;
  finalLoss: number | null;
}

/** Trains on the file's points and writes the card. */
export async function train2d(
  args: Train2dArgs,
  log: (line: string) => void = () => {},
): Promise<Train2dOutcome> {
  const started = performance.now();
  const points = readPoints(args.data);
  const count = points.length / 2;
  const trainer = Trainer.create(points, 2, { steps: args.steps, seed: args.seed });
  const slice = Math.max(1, Math.round(args.steps / 10));
  while (trainer.stepsDone < args.steps) {
    await trainer.step(Math.min(slice, args.steps - trainer.stepsDone));
    const seconds = (performance.now() - started) / 1000;
    log(
      `step ${trainer.stepsDone}/${args.steps}, loss ${trainer.recentLoss?.toFixed(4)}, ${seconds.toFixed(0)} s`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const card = await trainer.snapshot({
    id: args.id,
    title: args.title,
    description: `A ${trainer.architecture.width}-wide residual MLP trained on ${count} points from ${basename(args.data)}.`,
    train: {
      data: basename(args.data),
      seconds: Number(seconds.toFixed(1)),
      command: `npm run train2d -- --data ${basename(args.data)} --steps ${args.steps} --seed ${args.seed}`,
    },
  });
  writeFileSync(args.out, JSON.stringify(card, null, 2) + '\n');
  return { card, points: count, seconds, finalLoss: trainer.recentLoss };
}

/** The command: returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseTrain2dArgs(argv);
    if (args === 'help') {
      console.log(TRAIN2D_USAGE);
      return 0;
    }
    const outcome = await train2d(args, args.quiet ? undefined : (line) => process.stderr.write(`${line}\n`));
    console.log(
      `wrote ${args.out}: ${outcome.card.train?.params} parameters trained on ${outcome.points} points, ` +
        `${args.steps} steps, final loss ${outcome.finalLoss?.toFixed(4)}, ${outcome.seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (err) {
    return failureStatus(err);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
