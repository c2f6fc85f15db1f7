/**
 * Checks the parsed flags against the model card and the sampler registry and turns them into
 * what the CPU runner needs: sampler parameters with defaults filled in, per-sample class labels, SDE.
 */
import type { ModelCard } from '../core/card';
import { sdeForModel } from '../core/sde';
import { samplerIds, samplers } from '../core/samplers/registry';
import type { ParamSpec, ParamValue, Sampler, SdeConfig } from '../core/types';
import { UsageError, type ClassArgs, type SampleArgs } from './args';

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
