/**
 * Checks the parsed flags against the model card and the sampler registry and turns them into
 * what the CPU runner needs: sampler parameters with defaults filled in, per-sample class labels, SDE.
 */
import type { ModelCard } from '../core/card';
import type { PaneSpec } from '../core/pane-batch';
import { sdeForModel } from '../core/sde';
import { samplerIds, samplers } from '../core/samplers/registry';
import type { ParamSpec, ParamValue, Sampler, SdeConfig } from '../core/types';
import { UsageError, type ClassArgs, type PaneArg, type SampleArgs } from './args';

export function resolveSampler(id: string): Sampler {
  const sampler = samplers.find((s) => s.id === id);
  if (!sampler) throw new UsageError(`--sampler must be one of ${samplerIds.join(', ')}, got "${id}"`);
  return sampler;
}

function checkParam(sampler: Sampler, spec: ParamSpec, value: ParamValue): ParamValue {
  const where = `--param ${spec.name} (sampler ${sampler.id})`;
  switch (spec.kind) {
    case 'number':
    case 'int': {
      const ok = typeof value === 'number' && value >= spec.min && value <= spec.max;
      if (!ok || (spec.kind === 'int' && !Number.isInteger(value))) {
        const kind = spec.kind === 'int' ? 'an integer' : 'a number';
        throw new UsageError(
          `${where} must be ${kind} from ${spec.min} to ${spec.max}, got "${String(value)}"`,
        );
      }
      return value;
    }
    case 'choice':
      if (typeof value !== 'string' || !spec.choices.includes(value)) {
        throw new UsageError(`${where} must be one of ${spec.choices.join(', ')}, got "${String(value)}"`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean')
        throw new UsageError(`${where} must be true or false, got "${String(value)}"`);
      return value;
  }
}

/** The sampler's parameters: its defaults, overridden by --param values checked against the specs. */
export function resolveParams(
  sampler: Sampler,
  given: Record<string, ParamValue>,
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = Object.fromEntries(
    sampler.params.map((p) => [p.name, p.default]),
  );
  for (const [name, value] of Object.entries(given)) {
    const spec = sampler.params.find((p) => p.name === name);
    if (!spec) {
      const names = sampler.params.map((p) => p.name);
      const allowed = names.length ? `its parameters are ${names.join(', ')}` : 'it has no parameters';
      throw new UsageError(`--param ${name}: sampler ${sampler.id} has no such parameter; ${allowed}`);
    }
    params[name] = checkParam(sampler, spec, value);
  }
  return params;
}

/**
 * One class per sample: a single --class K for all, --class all as n/classes consecutive samples
 * per class (one grid row each), or null for unconditional sampling.
 */
export function resolveLabels(card: ModelCard, args: ClassArgs): number[] | null {
  const { classLabel, n } = args;
  if (classLabel === undefined) {
    if (args.guidance !== undefined) {
      throw new UsageError(
        '--guidance needs --class: guidance mixes class-conditional and unconditional predictions',
      );
    }
    return null;
  }
  const classes = card.classes;
  if (!classes) throw new UsageError(`--class: model "${card.id}" has no classes; leave --class out`);
  if (classLabel === 'all') {
    if (n % classes.length !== 0) {
      throw new UsageError(
        `--n must be a multiple of ${classes.length} with --class all (one row per class), got ${n}`,
      );
    }
    const perClass = n / classes.length;
    return Array.from({ length: n }, (_, k) => Math.floor(k / perClass));
  }
  if (classLabel >= classes.length) {
    const names = classes.map((c, k) => `${k}=${c}`).join(', ');
    throw new UsageError(
      `--class must be from 0 to ${classes.length - 1} or all (${names}), got ${classLabel}`,
    );
  }
  return new Array<number>(n).fill(classLabel);
}

/** The SDE to sample with: the one the model was trained on, or --sde mapped onto its σ range. */
export function resolveSde(card: ModelCard, args: Pick<SampleArgs, 'sde'>): SdeConfig {
  return args.sde === undefined || args.sde === card.sde.kind
    ? { ...card.sde }
    : sdeForModel(args.sde, card.sde);
}

/** One pane of a run: what it samples with, and the file it writes. */
export interface PaneJob {
  spec: PaneSpec;
  sampler: Sampler;
  out: string;
}

/** FILE.png → FILE-<suffix>.png (the extension kept as given). */
export function suffixed(out: string, suffix: string): string {
  const dot = out.lastIndexOf('.');
  return `${out.slice(0, dot)}-${suffix}${out.slice(dot)}`;
}

/**
 * The panes of a run: one (--out as given), the --compare entries, or the sampler at each
 * --sweep-steps count (one file each, suffixed with sampler and steps, and the pane's number where
 * that is not unique). Fields an entry leaves out follow the flags. With several samplers, a
 * --param goes to the panes whose sampler has it, and must fit at least one.
 */
export function resolvePanes(card: ModelCard, args: SampleArgs, labels: number[] | null): PaneJob[] {
  const entries: PaneArg[] = args.compare ??
    args.sweepSteps?.map((steps) => ({ sampler: args.sampler, steps })) ?? [{ sampler: args.sampler }];
  const samplersUsed = entries.map((e) => resolveSampler(e.sampler));
  const several = args.compare !== undefined || args.sweepSteps !== undefined;
  for (const name of Object.keys(args.params)) {
    if (several && !samplersUsed.some((s) => s.params.some((p) => p.name === name))) {
      throw new UsageError(
        `--param ${name}: none of the samplers ${[...new Set(entries.map((e) => e.sampler))].join(', ')} has it`,
      );
    }
  }
  const jobs = entries.map((entry, k): PaneJob => {
    const sampler = samplersUsed[k];
    const given = several
      ? Object.fromEntries(
          Object.entries(args.params).filter(([name]) => sampler.params.some((p) => p.name === name)),
        )
      : args.params;
    const guidance = entry.guidance ?? args.guidance;
    if (guidance !== undefined && labels === null) {
      throw new UsageError(
        '--guidance needs --class: guidance mixes class-conditional and unconditional predictions',
      );
    }
    const steps = entry.steps ?? args.steps;
    return {
      sampler,
      out: several ? suffixed(args.out, `${sampler.id}-${steps}`) : args.out,
      spec: {
        samplerId: sampler.id,
        steps,
        params: resolveParams(sampler, given),
        sde: resolveSde(card, { ...args, sde: entry.sde ?? args.sde }),
        schedule: entry.schedule ?? args.schedule,
        guidance,
      },
    };
  });
  const names = jobs.map((job) => job.out);
  return jobs.map((job, k) =>
    names.indexOf(job.out) === names.lastIndexOf(job.out)
      ? job
      : { ...job, out: suffixed(job.out, `pane${k + 1}`) },
  );
}
