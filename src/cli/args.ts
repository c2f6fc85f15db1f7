/**
 * Command-line flags of `npm run sample`, `npm run encode` and `npm run likelihood`. Parsing checks
 * syntax and ranges only; whether a model, sampler or class exists is checked against the card and
 * the registry by each command.
 */
import { NOISE_KEYINGS, type NoiseKeying } from '../core/sampling-loop';
import type { ParamValue, ScheduleKind, SdeKind } from '../core/types';
import { MAX_FLOW_LINES } from '../core/flow-map';

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints a command's failure as one line; returns its exit status (2 for a usage mistake, else 1). */
export function failureStatus(err: unknown): number {
  const usage = err instanceof UsageError;
  console.error(`error: ${(err as Error).message}${usage ? ' (see --help)' : ''}`);
  return usage ? 2 : 1;
}

export const SDE_KINDS: readonly SdeKind[] = ['vp', 'subvp', 've'];
export const SCHEDULES: readonly ScheduleKind[] = ['uniform', 'karras', 'logsnr'];
export const MAX_STEPS = 2000;
export const MAX_COUNT = 4096;
export const MAX_GUIDANCE = 50;
/** Most panes of one --compare or --sweep-steps run. */
export const MAX_PANES = 8;

/** One pane of --compare: SAMPLER[:steps[:sde[:schedule[:guidance]]]]; unset fields follow the flags. */
export interface PaneArg {
  sampler: string;
  steps?: number;
  sde?: SdeKind;
  schedule?: ScheduleKind;
  guidance?: number;
}

export interface SampleArgs {
  model: string;
  sampler: string;
  /** Undefined: the SDE the model was trained with. */
  sde?: SdeKind;
  steps: number;
  schedule: ScheduleKind;
  seed: number;
  n: number;
  /** A class index, 'all' (n split evenly over the classes, one row each), or undefined (unguided). */
  classLabel?: number | 'all';
  /** Classifier-free guidance weight (0 unconditional, 1 conditional, > 1 stronger); needs a class. */
  guidance?: number;
  params: Record<string, ParamValue>;
  denoiseFinal: boolean;
  /** Print a progress line to stderr every tenth of the run. */
  progress: boolean;
  out: string;
  format: 'png' | 'json';
  /** Undefined: the Brownian tree (one path per seed); 'step' keys noise by step, as before it. */
  noise?: NoiseKeying;
  /** Several panes on one seed, sharing network calls; one output file each. */
  compare?: PaneArg[];
  /** The sampler at each of these step counts, one output file each. */
  sweepSteps?: number[];
  /** Whether --n was given (it is ignored, with a warning, when the inputs fix the count). */
  nGiven: boolean;
  /** --init: one output per input; with --t0 SDEdit, with --mask inpainting. */
  init?: string;
  /** Known-value masks for --init (1 = known). */
  mask?: string;
  /** Start time t₀ of the reverse process from the noised --init (SDEdit strength). */
  t0?: number;
  /** RePaint resampling passes per step of an inpainting run. */
  resample?: number;
  /** Latents from `npm run encode` to decode. */
  latents?: string;
}

/** Class flags, shared by every command: one class for all samples, or 'all'; guidance weight. */
export type ClassArgs = Pick<SampleArgs, 'classLabel' | 'guidance' | 'n'>;

export const USAGE = `usage: npm run sample -- --model <id|card.json> --sampler <id> --out FILE.png|FILE.json
  [--sde vp|subvp|ve] [--steps N] [--schedule uniform|karras|logsnr] [--seed S] [--n COUNT]
  [--class K|all] [--guidance W] [--param name=value ...] [--denoise-final] [--progress]
  [--noise brownian|step]
  [--compare SAMPLER[:steps[:sde[:schedule[:guidance]]]],...]   one FILE-<sampler>-<steps> per pane
  [--sweep-steps N,N,...]   the sampler at each step count, e.g. 10,20,50,100,200,500,1000
  [--init IN.json|IN.png [--t0 T0] [--mask MASK.json|MASK.png [--resample R]]] [--latents LAT.json]`;

export const ENCODE_USAGE = `usage: npm run encode -- --model <id|card.json> --in IN.json|IN.png --out LAT.json
  [--sampler ode_rk45|ode_heun] [--steps N] [--schedule uniform|karras|logsnr] [--sde vp|subvp|ve]
  [--param rtol=1e-5 --param atol=1e-5] [--class K|all] [--guidance W]
  [--slerp F]   F latents along the slerp from the first input's latent to the second's
       npm run encode -- --model <2D id> --grid N --out FLOW.json   (flow map: N + N grid lines)`;

export const LIKELIHOOD_USAGE = `usage: npm run likelihood -- --model <id|card.json> --in IN.json|IN.png --out OUT.json
  [--probes K] [--probe rademacher|gaussian|basis] [--seed S] [--sde vp|subvp|ve]
  [--param rtol=1e-5 --param atol=1e-5] [--class K|all] [--guidance W] [--progress]
       npm run likelihood -- --model <2D id> --grid N --out MAP.json   (log-density map, N × N)`;

/** Flags every command takes. */
const COMMON_VALUE_FLAGS = ['model', 'sde', 'class', 'guidance', 'param', 'out'];
const SAMPLE_FLAGS = {
  value: [
    ...COMMON_VALUE_FLAGS,
    'sampler',
    'steps',
    'schedule',
    'seed',
    'n',
    'init',
    'mask',
    't0',
    'resample',
    'latents',
    'noise',
    'compare',
    'sweep-steps',
  ],
  bool: ['denoise-final', 'progress', 'help'],
};
const ENCODE_FLAGS = {
  value: [...COMMON_VALUE_FLAGS, 'in', 'sampler', 'steps', 'schedule', 'grid', 'slerp'],
  bool: ['help'],
};
/** Most frames of `npm run encode -- --slerp F`. */
export const MAX_SLERP_FRAMES = 64;
const LIKELIHOOD_FLAGS = {
  value: [...COMMON_VALUE_FLAGS, 'in', 'probes', 'probe', 'seed', 'grid'],
  bool: ['progress', 'help'],
};
export const MAX_PROBES = 256;
/** Largest RePaint resampling count (core's MAX_RESAMPLE). */
export const MAX_RESAMPLE_FLAG = 20;

function intIn(flag: string, text: string, lo: number, hi: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < lo || value > hi) {
    throw new UsageError(`--${flag} must be an integer from ${lo} to ${hi}, got "${text}"`);
  }
  return value;
}

function numberIn(flag: string, text: string, lo: number, hi: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new UsageError(`--${flag} must be a number from ${lo} to ${hi}, got "${text}"`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${text}"`);
  }
  return text as T;
}

/** "name=value": numbers and true/false become typed values, anything else stays a string. */
export function parseParam(text: string): [string, ParamValue] {
  const match = /^([A-Za-z_][\w-]*)=(.+)$/.exec(text);
  if (!match)
    throw new UsageError(`--param must look like name=value (e.g. --param snr=0.16), got "${text}"`);
  const [, name, raw] = match;
  if (raw === 'true' || raw === 'false') return [name, raw === 'true'];
  const num = Number(raw);
  return [name, raw.trim() !== '' && Number.isFinite(num) ? num : raw];
}

/** Split argv into flag → values (flags may repeat: --param). */
function collectFlags(
  argv: readonly string[],
  allowed: { value: readonly string[]; bool: readonly string[] },
): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  const { value: valueFlags, bool: boolFlags } = allowed;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (name === undefined || (!valueFlags.includes(name) && !boolFlags.includes(name))) {
      const known = [...valueFlags, ...boolFlags].map((f) => `--${f}`).join(', ');
      throw new UsageError(`unknown argument "${arg}": the flags are ${known}`);
    }
    let value = inline ?? 'true';
    if (valueFlags.includes(name) && inline === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--'))
        throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

function single(flags: Map<string, string[]>, name: string): string | undefined {
  const values = flags.get(name);
  if (values && values.length > 1)
    throw new UsageError(`--${name} was given ${values.length} times; give it once`);
  return values?.[0];
}

/** Either --in (the data to score) or --grid N (a 2D log-density map), not both. */
function inputOrGrid(flags: Map<string, string[]>): { input: string; grid: number | null } {
  const grid = single(flags, 'grid');
  if (grid === undefined)
    return { input: required(flags, 'in', 'the data to score, .json or .png'), grid: null };
  if (single(flags, 'in') !== undefined) throw new UsageError('give --in or --grid, not both');
  return { input: '', grid: intIn('grid', grid, 2, 128) };
}

function encodeInput(flags: Map<string, string[]>): {
  input: string;
  grid: number | null;
  slerp: number | null;
} {
  const grid = single(flags, 'grid');
  const slerpFlag = single(flags, 'slerp');
  const slerp = slerpFlag === undefined ? null : intIn('slerp', slerpFlag, 2, MAX_SLERP_FRAMES);
  if (grid === undefined)
    return { input: required(flags, 'in', 'the data to encode, .json or .png'), grid: null, slerp };
  if (single(flags, 'in') !== undefined) throw new UsageError('give --in or --grid, not both');
  if (slerp !== null) throw new UsageError('--slerp interpolates between two inputs: give --in, not --grid');
  return { input: '', grid: intIn('grid', grid, 2, MAX_FLOW_LINES), slerp: null };
}

function required(flags: Map<string, string[]>, name: string, hint: string): string {
  const value = single(flags, name);
  if (value === undefined) throw new UsageError(`--${name} is required (${hint})`);
  return value;
}

function outputFormat(out: string): 'png' | 'json' {
  if (/\.png$/i.test(out)) return 'png';
  if (/\.json$/i.test(out)) return 'json';
  throw new UsageError(`--out must end in .png or .json, got "${out}"`);
}

function jsonOut(flags: Map<string, string[]>, what: string): string {
  const out = required(flags, 'out', `a .json file for the ${what}`);
  if (!/\.json$/i.test(out)) throw new UsageError(`--out must end in .json, got "${out}"`);
  return out;
}

function classFlag(text: string | undefined): number | 'all' | undefined {
  if (text === undefined || text === 'all') return text;
  return intIn('class', text, 0, 1_000_000);
}

/** Splits a comma list, checking its length. */
function list(flag: string, text: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '') || items.length > MAX_PANES) {
    throw new UsageError(`--${flag} takes 1 to ${MAX_PANES} comma-separated entries, got "${text}"`);
  }
  return items;
}

/** --compare: SAMPLER[:steps[:sde[:schedule[:guidance]]]] per pane; an empty field keeps the flag's. */
function compareFlag(text: string): PaneArg[] {
  return list('compare', text).map((entry) => {
    const [sampler, steps, sde, schedule, guidance, ...rest] = entry.split(':');
    if (sampler === '' || rest.length > 0) {
      throw new UsageError(
        `--compare entries look like SAMPLER[:steps[:sde[:schedule[:guidance]]]] (e.g. ddim:20:vp::1), got "${entry}"`,
      );
    }
    const given = (field: string | undefined) => field !== undefined && field !== '';
    return {
      sampler,
      ...(given(steps) ? { steps: intIn('compare', steps, 1, MAX_STEPS) } : {}),
      ...(given(sde) ? { sde: oneOf('compare', sde, SDE_KINDS) } : {}),
      ...(given(schedule) ? { schedule: oneOf('compare', schedule, SCHEDULES) } : {}),
      ...(given(guidance) ? { guidance: numberIn('compare', guidance, 0, MAX_GUIDANCE) } : {}),
    };
  });
}

const MODEL_HINT = 'a model id from models/manifest.json or a path to a card .json';

/** --sde, --class, --guidance and --param, as every command reads them. */
function commonArgs(flags: Map<string, string[]>) {
  const sde = single(flags, 'sde');
  const guidance = single(flags, 'guidance');
  return {
    model: required(flags, 'model', MODEL_HINT),
    sde: sde === undefined ? undefined : oneOf('sde', sde, SDE_KINDS),
    classLabel: classFlag(single(flags, 'class')),
    guidance: guidance === undefined ? undefined : numberIn('guidance', guidance, 0, MAX_GUIDANCE),
    params: Object.fromEntries((flags.get('param') ?? []).map(parseParam)),
  };
}

/** The --init / --mask / --t0 / --resample / --latents group, checked for what needs what. */
function startArgs(
  flags: Map<string, string[]>,
): Pick<SampleArgs, 'init' | 'mask' | 't0' | 'resample' | 'latents'> {
  const [init, mask, latents] = [single(flags, 'init'), single(flags, 'mask'), single(flags, 'latents')];
  const [t0, resample] = [single(flags, 't0'), single(flags, 'resample')];
  if (mask !== undefined && init === undefined) {
    throw new UsageError('--mask needs --init: the known values come from the --init file');
  }
  if (t0 !== undefined && init === undefined)
    throw new UsageError('--t0 needs --init: the data to start from');
  if (resample !== undefined && mask === undefined)
    throw new UsageError('--resample needs --mask (inpainting)');
  if (latents !== undefined && init !== undefined) {
    throw new UsageError('--latents and --init both say where to start; give one');
  }
  return {
    init,
    mask,
    latents,
    t0: t0 === undefined ? undefined : numberIn('t0', t0, Number.MIN_VALUE, 1),
    resample: resample === undefined ? undefined : intIn('resample', resample, 0, MAX_RESAMPLE_FLAG),
  };
}

/** Parse argv (without node and script); throws UsageError with a one-line message. */
export function parseSampleArgs(argv: readonly string[]): SampleArgs | 'help' {
  const flags = collectFlags(argv, SAMPLE_FLAGS);
  if (flags.has('help')) return 'help';
  const out = required(flags, 'out', 'a .png or .json file to write');
  const noise = single(flags, 'noise');
  const compareText = single(flags, 'compare');
  const sweep = single(flags, 'sweep-steps');
  if (compareText !== undefined && sweep !== undefined) {
    throw new UsageError('--compare and --sweep-steps cannot be combined; give one of them');
  }
  const compare = compareText === undefined ? undefined : compareFlag(compareText);
  return {
    ...commonArgs(flags),
    sampler:
      compare && !flags.has('sampler')
        ? compare[0].sampler
        : required(flags, 'sampler', 'e.g. euler_maruyama, pc, ode_heun, ddim, dpmpp_2m'),
    steps: intIn('steps', single(flags, 'steps') ?? '100', 1, MAX_STEPS),
    schedule: oneOf('schedule', single(flags, 'schedule') ?? 'uniform', SCHEDULES),
    seed: intIn('seed', single(flags, 'seed') ?? '0', 0, 2 ** 32 - 1),
    n: intIn('n', single(flags, 'n') ?? '16', 1, MAX_COUNT),
    denoiseFinal: flags.has('denoise-final'),
    progress: flags.has('progress'),
    out,
    format: outputFormat(out),
    nGiven: flags.has('n'),
    ...startArgs(flags),
    ...(noise === undefined ? {} : { noise: oneOf('noise', noise, NOISE_KEYINGS) }),
    ...(compare ? { compare } : {}),
    ...(sweep === undefined
      ? {}
      : { sweepSteps: list('sweep-steps', sweep).map((n) => intIn('sweep-steps', n, 1, MAX_STEPS)) }),
  };
}

export type EncodeMethod = 'ode_rk45' | 'ode_heun';

export interface EncodeArgs extends ReturnType<typeof commonArgs> {
  /** The data to encode; empty with --grid. */
  input: string;
  /** A 2D flow map: grid lines per direction over the card's range instead of --in, or null. */
  grid: number | null;
  /** Frames of a latent interpolation between the first two inputs, or null. */
  slerp: number | null;
  sampler: EncodeMethod;
  steps: number;
  schedule: ScheduleKind;
  out: string;
}

export function parseEncodeArgs(argv: readonly string[]): EncodeArgs | 'help' {
  const flags = collectFlags(argv, ENCODE_FLAGS);
  if (flags.has('help')) return 'help';
  return {
    ...commonArgs(flags),
    ...encodeInput(flags),
    sampler: oneOf('sampler', single(flags, 'sampler') ?? 'ode_rk45', ['ode_rk45', 'ode_heun'] as const),
    steps: intIn('steps', single(flags, 'steps') ?? '100', 1, MAX_STEPS),
    schedule: oneOf('schedule', single(flags, 'schedule') ?? 'uniform', SCHEDULES),
    out: jsonOut(flags, 'latents'),
  };
}

export type ProbeFlag = 'rademacher' | 'gaussian' | 'basis';

export interface LikelihoodArgs extends ReturnType<typeof commonArgs> {
  /** The data to score; empty with --grid. */
  input: string;
  /** A 2D log-density map of grid × grid cells over the card's range instead of --in, or null. */
  grid: number | null;
  probes: number;
  probe: ProbeFlag;
  seed: number;
  progress: boolean;
  out: string;
}

export function parseLikelihoodArgs(argv: readonly string[]): LikelihoodArgs | 'help' {
  const flags = collectFlags(argv, LIKELIHOOD_FLAGS);
  if (flags.has('help')) return 'help';
  return {
    ...commonArgs(flags),
    ...inputOrGrid(flags),
    probes: intIn('probes', single(flags, 'probes') ?? '1', 1, MAX_PROBES),
    probe: oneOf('probe', single(flags, 'probe') ?? 'rademacher', [
      'rademacher',
      'gaussian',
      'basis',
    ] as const),
    seed: intIn('seed', single(flags, 'seed') ?? '0', 0, 2 ** 32 - 1),
    progress: flags.has('progress'),
    out: jsonOut(flags, 'log-likelihoods'),
  };
}
