/**
 * One Brownian path per seed, whatever the step grid: a Brownian tree (the "virtual Brownian tree"
 * of Li et al. 2020, as in torchsde's BrownianInterval and k-diffusion's BrownianTreeNoiseSampler,
 * written here on integers so every backend takes the same branches).
 *
 * The clock is u = σ²: in scale-free coordinates x̃ = x/s(t) every forward process of this project
 * is x̃(u) = x₀ + W(u) (the quadratic variation of x̃ is d(σ²)), so one path W serves every SDE,
 * a mid-run SDE swap and panes with different SDEs.
 *
 * The clock is quantised to an integer k ∈ [0, 2^DEPTH] on a log scale, u(k) = U_MIN·exp(k·Δ), so
 * fine and coarse grids at every noise level land on grid points. W is fixed by bisection: W(u(0))
 * = 0, the root increment over [0, 2^DEPTH] is one Gaussian, and each midpoint m splits its
 * interval's increment by the Brownian bridge,
 *   W(m) − W(l) = w·(W(r) − W(l)) + s·z_m,  w = (u_m − u_l)/(u_r − u_l),
 *   s² = (u_m − u_l)(u_r − u_m)/(u_r − u_l),
 * with z_m a Philox normal keyed by (seed, element, m). The walk from the root to two points is
 * the same for every element, so it is computed once, as a plan of scalar operations; a backend
 * (the CPU loop below, a WGSL kernel on the GPU) only applies the plan to each element. The plan
 * carries increments, never absolute values of W, so float32 loses nothing to cancellation.
 *
 * Increments over [a, b] and [b, c] sum to the increment over [a, c] (the same W), and
 * Var(W(b) − W(a)) = u(b) − u(a) on the quantised clock.
 */
import { brownianNodeNoise } from './rng';

/** Levels of bisection: 2^24 clock points, exactly representable in float32. */
export const BROWNIAN_DEPTH = 24;
const TOP = 2 ** BROWNIAN_DEPTH;
/** The clock's range in σ²: σ from 1e-7 to 1e5 (every shipped SDE lies well inside). */
export const U_MIN = 1e-14;
export const U_MAX = 1e10;
const LOG_SPAN = Math.log(U_MAX / U_MIN);
const DELTA = LOG_SPAN / TOP;

/** The node id of the root increment (no midpoint is 0). */
const ROOT_NODE = 0;

/**
 * The integer clock point nearest to σ² (clamped to the clock's range). Computed in float64 on the
 * CPU only; backends receive integers.
 */
export function clockIndex(sigma: number): number {
  const u = sigma * sigma;
  if (!(u > U_MIN)) return 0;
  if (u >= U_MAX) return TOP;
  return Math.min(TOP, Math.max(0, Math.round(Math.log(u / U_MIN) / DELTA)));
}

/** u(k) = σ² at clock point k. */
export function clockValue(k: number): number {
  return k === 0 ? U_MIN : U_MIN * Math.exp(k * DELTA);
}

/** u(b) − u(a) for a ≤ b, without cancellation. */
function clockSpan(a: number, b: number): number {
  return clockValue(a) * Math.expm1((b - a) * DELTA);
}

/**
 * What happens to the registers at one node. Every op first draws Δ_left = w·cur + s·z_node, the
 * increment over the left half of the current interval.
 *  - 'left':   cur ← Δ_left                    (the walk goes left)
 *  - 'right':  cur ← cur − Δ_left              (the walk goes right)
 *  - 'split':  a < m < b: the left half's increment Δ_left goes to the suffix walk (towards a),
 *              cur ← cur − Δ_left to the prefix walk (towards b)
 *  - 'take-left':  acc += Δ_left; cur ← cur − Δ_left   (prefix walk towards b passes m)
 *  - 'take-right': acc += cur − Δ_left; cur ← Δ_left   (suffix walk towards a passes m)
 */
export type BrownianOpKind = 'left' | 'right' | 'split' | 'take-left' | 'take-right';

export interface BrownianOp {
  kind: BrownianOpKind;
  node: number;
  /** Bridge weight w and standard deviation s of this node. */
  weight: number;
  std: number;
}

/**
 * The walk for one increment. The descent walks from the root (increment rootStd·z_root) to the
 * smallest tree interval holding [a, b]. If that is [a, b] itself, its increment is the answer.
 * Otherwise its midpoint splits it: the suffix walks the left half towards a, summing
 * W(m) − W(a), and the prefix walks the right half towards b, summing W(b) − W(m).
 */
export interface BrownianPlan {
  /** Clock points of the interval, a ≤ b. */
  a: number;
  b: number;
  rootStd: number;
  /** Ops before the split (or all ops when there is none). */
  descent: BrownianOp[];
  /** Towards a in the left half, after the split (acting on cur). */
  suffix: BrownianOp[];
  /** Towards b in the right half, after the split. */
  prefix: BrownianOp[];
  /** Whether the walk split (false when [a, b] is itself a tree interval). */
  split: boolean;
  /** 1/√(u(b) − u(a)): turns the increment into a standard normal (0 when a = b). */
  normaliser: number;
}

function bridge(l: number, m: number): { weight: number; std: number } {
  // With u(k) = U_MIN·e^{kΔ} and m the midpoint of [l, r]: w = 1/(1 + e^{hΔ}),
  // s² = u_l·e^{hΔ}·expm1(hΔ)/(1 + e^{hΔ}), h = m − l = r − m.
  const h = (m - l) * DELTA;
  const grow = Math.exp(h);
  return { weight: 1 / (1 + grow), std: Math.sqrt((clockValue(l) * grow * Math.expm1(h)) / (1 + grow)) };
}

/** The walk that yields W(u(b)) − W(u(a)) (a < b; a = b gives an empty plan). */
export function brownianPlan(a: number, b: number): BrownianPlan {
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b <= TOP)) {
    throw new Error(
      `A Brownian increment needs clock points 0 ≤ a ≤ b ≤ 2^${BROWNIAN_DEPTH}; got ${a}, ${b}.`,
    );
  }
  const plan: BrownianPlan = {
    a,
    b,
    rootStd: Math.sqrt(clockSpan(0, TOP)),
    descent: [],
    suffix: [],
    prefix: [],
    split: false,
    normaliser: a === b ? 0 : 1 / Math.sqrt(clockSpan(a, b)),
  };
  if (a === b) return plan;
  let l = 0;
  let r = TOP;
  const op = (kind: BrownianOpKind, lo: number, mid: number): BrownianOp => ({
    kind,
    node: mid,
    ...bridge(lo, mid),
  });
  // Descend while [a, b] lies in one half.
  while (!(a === l && b === r)) {
    const m = (l + r) / 2;
    if (b <= m) {
      plan.descent.push(op('left', l, m));
      r = m;
    } else if (a >= m) {
      plan.descent.push(op('right', l, m));
      l = m;
    } else {
      plan.descent.push(op('split', l, m));
      plan.split = true;
      // Suffix: W(m) − W(a) within [l, m].
      let sl = l;
      let sr = m;
      while (a !== sl) {
        const sm = (sl + sr) / 2;
        if (a >= sm) {
          plan.suffix.push(op('right', sl, sm));
          sl = sm;
        } else {
          plan.suffix.push(op('take-right', sl, sm));
          sr = sm;
        }
      }
      // Prefix: W(b) − W(m) within [m, r].
      let pl = m;
      let pr = r;
      while (b !== pr) {
        const pm = (pl + pr) / 2;
        if (b <= pm) {
          plan.prefix.push(op('left', pl, pm));
          pr = pm;
        } else {
          plan.prefix.push(op('take-left', pl, pm));
          pl = pm;
        }
      }
      break;
    }
  }
  return plan;
}

/** How many Gaussian draws per element a plan costs (for budgeting). */
export function planDraws(plan: BrownianPlan): number {
  return plan.a === plan.b ? 0 : 1 + plan.descent.length + plan.suffix.length + plan.prefix.length;
}

/**
 * Applies one op to every element: Δ_left = w·cur + s·z, then the op's update (see
 * BrownianOpKind). `side` receives Δ_left for a split (the left half's increment).
 */
function applyOp(
  op: BrownianOp,
  z: Float32Array,
  cur: Float64Array,
  acc: Float64Array,
  side: Float64Array,
): void {
  const { weight, std } = op;
  const n = cur.length;
  switch (op.kind) {
    case 'left':
      for (let e = 0; e < n; e++) cur[e] = weight * cur[e] + std * z[e];
      return;
    case 'right':
      for (let e = 0; e < n; e++) cur[e] -= weight * cur[e] + std * z[e];
      return;
    case 'split':
      for (let e = 0; e < n; e++) {
        const left = weight * cur[e] + std * z[e];
        side[e] = left;
        cur[e] -= left;
      }
      return;
    case 'take-left':
      for (let e = 0; e < n; e++) {
        const left = weight * cur[e] + std * z[e];
        acc[e] += left;
        cur[e] -= left;
      }
      return;
    case 'take-right':
      for (let e = 0; e < n; e++) {
        const left = weight * cur[e] + std * z[e];
        acc[e] += cur[e] - left;
        cur[e] = left;
      }
      return;
  }
}

/** Where a walk gets the normals of one node for elements 0…count−1. */
export type NodeNormals = (seed: number, node: number, count: number) => Float32Array;

/** Bytes of node normals the CPU keeps (a batch of 16 MNIST images: 50 kB a node). */
const NODE_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The node normals of recent walks, least recently used first out. Consecutive steps of a grid
 * share an endpoint (step i's lower end is step i + 1's upper end), so both walk the tree path to
 * it, and every step walks the top levels: keeping the nodes skips about half the Philox work of a
 * step. The values are those of brownianNodeNoise, so results are the same bits with or without
 * it. Callers must not modify the arrays returned.
 */
export function nodeNormalsCache(budgetBytes = NODE_CACHE_BYTES): NodeNormals {
  const kept = new Map<string, Float32Array>();
  let bytes = 0;
  return (seed, node, count) => {
    const key = `${seed}:${node}:${count}`;
    const hit = kept.get(key);
    if (hit) {
      kept.delete(key);
      kept.set(key, hit);
      return hit;
    }
    const z = brownianNodeNoise(seed, node, count);
    if (z.byteLength > budgetBytes) return z;
    kept.set(key, z);
    bytes += z.byteLength;
    for (const [oldKey, old] of kept) {
      if (bytes <= budgetBytes) break;
      kept.delete(oldKey);
      bytes -= old.byteLength;
    }
    return z;
  };
}

const sharedNodes = nodeNormalsCache();

/**
 * The standard-normal increments (W(u(b)) − W(u(a)))/√(u(b) − u(a)) of `count` elements (zeros when
 * a = b). Element e depends only on (seed, e, a, b). `nodes` supplies the node normals (a shared
 * cache by default; brownianNodeNoise itself gives the same numbers).
 */
export function brownianNormals(
  seed: number,
  plan: BrownianPlan,
  count: number,
  nodes: NodeNormals = sharedNodes,
): Float32Array {
  const raw = brownianIncrements(seed, plan, count, nodes);
  const out = new Float32Array(count);
  for (let e = 0; e < count; e++) out[e] = raw[e] * plan.normaliser;
  return out;
}

/** The increments W(u(b)) − W(u(a)) themselves, in float64. */
export function brownianIncrements(
  seed: number,
  plan: BrownianPlan,
  count: number,
  nodes: NodeNormals = sharedNodes,
): Float64Array {
  const out = new Float64Array(count);
  if (plan.a === plan.b) return out;
  const draw = (node: number) => nodes(seed, node, count);
  // Descent: cur is the increment over the current tree interval; a split leaves the right half's
  // in cur (for the prefix walk towards b) and the left half's in `left` (suffix walk towards a).
  const root = draw(ROOT_NODE);
  const cur = new Float64Array(count);
  for (let e = 0; e < count; e++) cur[e] = plan.rootStd * root[e];
  const left = new Float64Array(plan.split ? count : 0);
  for (const op of plan.descent) applyOp(op, draw(op.node), cur, out, left);
  if (!plan.split) {
    out.set(cur);
    return out;
  }
  // out accumulates W(m) − W(a) and W(b) − W(m) of the walks past m, then each walk's remainder.
  for (const op of plan.suffix) applyOp(op, draw(op.node), left, out, left);
  for (const op of plan.prefix) applyOp(op, draw(op.node), cur, out, cur);
  for (let e = 0; e < count; e++) out[e] += left[e] + cur[e];
  return out;
}
