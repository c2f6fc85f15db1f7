/**
 * WGSL compute kernels behind GpuField. Every kernel indexes its work as
 * (workgroup_id.y · num_workgroups.x + workgroup_id.x), so a host that needs more workgroups than
 * maxComputeWorkgroupsPerDimension (65535 by default) can spread them over a 2-D grid.
 */

/** Threads per workgroup for every kernel (a size every WebGPU device accepts). */
export const WORKGROUP_SIZE = 64;

/**
 * Term slots one combine dispatch reads. Default maxStorageBuffersPerShaderStage is 8, and the
 * output and the coefficient table take two; longer sums run as further dispatches that add on.
 */
export const TERMS_PER_PASS = 6;

/**
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), the same
 * rounds and constants as src/core/rng.ts.
 */
export const PHILOX_WGSL = /* wgsl */ `
const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;

// WGSL has no 64-bit integers: the high word of a 32 x 32-bit product from 16-bit halves.
fn mulhi32(a: u32, b: u32) -> u32 {
  let a_hi = a >> 16u;
  let a_lo = a & 0xffffu;
  let b_hi = b >> 16u;
  let b_lo = b & 0xffffu;
  let lo_lo = a_lo * b_lo;
  let lo_hi = a_lo * b_hi;
  let hi_lo = a_hi * b_lo;
  let carry = ((lo_lo >> 16u) + (lo_hi & 0xffffu) + (hi_lo & 0xffffu)) >> 16u;
  return a_hi * b_hi + (lo_hi >> 16u) + (hi_lo >> 16u) + carry;
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi32(PHILOX_M0, c.x);
    let lo0 = PHILOX_M0 * c.x;
    let hi1 = mulhi32(PHILOX_M1, c.z);
    let lo1 = PHILOX_M1 * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
  }
  return c;
}
`;

/**
 * Box–Muller on two Philox words, as rng.ts gaussianNoise does it in float64: u = (w + 0.5)/2^32,
 * radius √(−2 ln u_even), angle 2π u_odd. In float32 the naive formula loses digits where it
 * matters, so: −ln u comes from the exact integer 2^32 − 1 − w when u ≥ 1/2 (u itself would round
 * toward 1), and cos/sin take the quarter turn from the word's top bits exactly and use
 * polynomials on |t| ≤ π/4, since WGSL only promises 2^-11 absolute accuracy for its own cos/sin
 * (and only on [−π, π]) and about 2^-21 for log near 1.
 */
export const BOX_MULLER_WGSL = /* wgsl */ `
const LN2: f32 = 0.6931471805599453;
const INV_2_32: f32 = 2.3283064365386963e-10;
const ANGLE_PER_WORD: f32 = 1.4629180792671596e-9; // 2*pi / 2^32

// ln((1 + s) / (1 - s)) = 2 atanh(s) by its odd series; for |s| <= 1/3 the terms after s^17 are
// below float32 rounding.
fn ln_ratio(s: f32) -> f32 {
  let s2 = s * s;
  var p = 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  return 2.0 * s * p;
}

// Natural log of a positive normal float: exponent from the bits, mantissa m in [1/sqrt2, sqrt2]
// through ln_ratio with s = (m - 1)/(m + 1), |s| < 0.18 (m - 1 is exact there).
fn ln_normal(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var e = i32(bits >> 23u) - 127;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.4142135) {
    m = m * 0.5;
    e = e + 1;
  }
  return f32(e) * LN2 + ln_ratio((m - 1.0) / (m + 1.0));
}

// -ln((w + 0.5) / 2^32), always > 0.
fn neg_ln_unit(w: u32) -> f32 {
  if (w < 0x80000000u) {
    return -ln_normal((f32(w) + 0.5) * INV_2_32);
  }
  // u = 1 - x with x = (m + 0.5)/2^32 in (0, 1/2] exact; ln(1 - x) = ln_ratio(-x / (2 - x)).
  let x = (f32(0xffffffffu - w) + 0.5) * INV_2_32;
  return -ln_ratio(-x / (2.0 - x));
}

// (cos, sin) of 2*pi*(w + 0.5)/2^32.
fn unit_cos_sin(w: u32) -> vec2<f32> {
  let q = (w + 0x20000000u) >> 30u; // nearest quarter turn; words near 2^32 wrap to q = 0
  let rest = bitcast<i32>(w - (q << 30u)); // in [-2^29, 2^29)
  let t = (f32(rest) + 0.5) * ANGLE_PER_WORD; // |t| <= pi/4
  let t2 = t * t;
  let s = t * (1.0 + t2 * (-1.0 / 6.0 + t2 * (1.0 / 120.0 + t2 * (-1.0 / 5040.0 + t2 * (1.0 / 362880.0)))));
  let c = 1.0 + t2 * (-0.5 + t2 * (1.0 / 24.0 + t2 * (-1.0 / 720.0 + t2 * (1.0 / 40320.0 + t2 * (-1.0 / 3628800.0)))));
  switch q {
    case 0u: { return vec2<f32>(c, s); }
    case 1u: { return vec2<f32>(-s, c); }
    case 2u: { return vec2<f32>(-c, -s); }
    default: { return vec2<f32>(s, -c); }
  }
}

// Two standard normals from two words: (radius cos, radius sin).
fn box_muller(w_radius: u32, w_angle: u32) -> vec2<f32> {
  return sqrt(2.0 * neg_ln_unit(w_radius)) * unit_cos_sin(w_angle);
}
`;

/** The flat index of this workgroup in a 1-D or 2-D grid. */
const GROUP_INDEX_WGSL = /* wgsl */ `
fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}
`;

const ENTRY = /* wgsl */ `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
)`;

/**
 * Gaussian noise: one thread per Philox block, counter (block, step, stream, 0), writing elements
 * 4·block … 4·block + 3 (those below length).
 */
export const NOISE_WGSL = /* wgsl */ `
${PHILOX_WGSL}
${BOX_MULLER_WGSL}
${GROUP_INDEX_WGSL}
struct NoiseParams { key0: u32, key1: u32, step: u32, stream: u32, length: u32 }
@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<uniform> prm: NoiseParams;

${ENTRY} {
  let blk = group_index(wid, nwg) * ${WORKGROUP_SIZE}u + lid;
  let first = blk * 4u;
  if (first >= prm.length) {
    return;
  }
  let w = philox4x32(vec4<u32>(blk, prm.step, prm.stream, 0u), vec2<u32>(prm.key0, prm.key1));
  let z01 = box_muller(w.x, w.y);
  let z23 = box_muller(w.z, w.w);
  dst[first] = z01.x;
  if (first + 1u < prm.length) { dst[first + 1u] = z01.y; }
  if (first + 2u < prm.length) { dst[first + 2u] = z23.x; }
  if (first + 3u < prm.length) { dst[first + 3u] = z23.y; }
}
`;

/** Ops a Brownian plan can hold: a descent of at most DEPTH levels, then two walks below it. */
export const BROWNIAN_MAX_OPS = 72;

/**
 * The Brownian tree's normals (src/core/brownian.ts): one thread per Philox block of four elements
 * applies the plan's scalar ops to its four lanes. The node normal of element e is
 * box_muller on Philox counter (e / 4, node, 0, 2), as rng.ts brownianNodeNoise draws it; each op is
 * (kind, node, weight bits, std bits) and first draws left = weight·cur + std·z, the increment over
 * the left half of the current interval:
 *   0 left: cur ← left;  1 right: cur ← cur − left;  2 split: side ← left, cur ← cur − left;
 *   3 take-left: acc += left, cur ← cur − left;  4 take-right: acc += cur − left, cur ← left.
 * The descent acts on cur; after a split the suffix walk acts on side and the prefix walk on cur,
 * both adding to acc, and the increment is acc + side + cur. The plan's root std and stds arrive
 * already multiplied by the normaliser 1/√(u_b − u_a) (the walk is linear in them), so the result
 * is a standard normal.
 */
export const BROWNIAN_WGSL = /* wgsl */ `
${PHILOX_WGSL}
${BOX_MULLER_WGSL}
${GROUP_INDEX_WGSL}
struct BrownianPlan {
  key: vec2<u32>,
  length: u32,
  split: u32,
  // descent, suffix and prefix op counts, unused
  counts: vec4<u32>,
  root_std: f32,
  ops: array<vec4<u32>, ${BROWNIAN_MAX_OPS}>,
}
@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> plan: BrownianPlan;

fn node_normals(blk: u32, node: u32) -> vec4<f32> {
  let w = philox4x32(vec4<u32>(blk, node, 0u, 2u), plan.key);
  return vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));
}

// Applies op k to the four lanes; returns the left half's increment (for a split).
fn apply(blk: u32, k: u32, cur: ptr<function, vec4<f32>>, acc: ptr<function, vec4<f32>>) -> vec4<f32> {
  let op = plan.ops[k];
  let left = bitcast<f32>(op.z) * *cur + bitcast<f32>(op.w) * node_normals(blk, op.y);
  switch op.x {
    case 0u: { *cur = left; }
    case 1u, 2u: { *cur = *cur - left; }
    case 3u: { *acc = *acc + left; *cur = *cur - left; }
    default: { *acc = *acc + (*cur - left); *cur = left; }
  }
  return left;
}

${ENTRY} {
  let blk = group_index(wid, nwg) * ${WORKGROUP_SIZE}u + lid;
  let first = blk * 4u;
  if (first >= plan.length) {
    return;
  }
  var cur = plan.root_std * node_normals(blk, 0u);
  var side = vec4<f32>(0.0);
  var acc = vec4<f32>(0.0);
  let descent = plan.counts.x;
  for (var k = 0u; k < descent; k++) {
    let left = apply(blk, k, &cur, &acc);
    if (plan.ops[k].x == 2u) {
      side = left;
    }
  }
  var out = cur;
  if (plan.split != 0u) {
    let suffix_end = descent + plan.counts.y;
    for (var k = descent; k < suffix_end; k++) {
      _ = apply(blk, k, &side, &acc);
    }
    for (var k = suffix_end; k < suffix_end + plan.counts.z; k++) {
      _ = apply(blk, k, &cur, &acc);
    }
    out = acc + side + cur;
  }
  dst[first] = out.x;
  if (first + 1u < plan.length) { dst[first + 1u] = out.y; }
  if (first + 2u < plan.length) { dst[first + 2u] = out.z; }
  if (first + 3u < plan.length) { dst[first + 3u] = out.w; }
}
`;

const termBindings = Array.from(
  { length: TERMS_PER_PASS },
  (_, j) => `@group(0) @binding(${3 + j}) var<storage, read> v${j}: array<f32>;`,
).join('\n');
const termSums = Array.from(
  { length: TERMS_PER_PASS },
  (_, j) =>
    `  if (prm.terms > ${j}u) { acc = df_add(acc, df_mul(vec2<f32>(coefs[c + ${2 * j}u], coefs[c + ${2 * j + 1}u]), v${j}[i])); }`,
).join('\n');

/**
 * Double-float arithmetic (a value is hi + lo, |lo| ≤ ulp(hi)/2; Dekker 1971, Knuth TAOCP 4.2.2):
 * exact products and sums of float32s with IEEE rounding only, no fma and no float64. The
 * combine kernel accumulates in it, so a sum of large nearly cancelling terms (RK45's error
 * estimate, x̃ − σε at large σ) rounds once at the end, as the CPU's float64 accumulation does.
 */
const DOUBLE_FLOAT_WGSL = /* wgsl */ `
fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}
fn split(a: f32) -> vec2<f32> {
  let t = 4097.0 * a;
  let hi = t - (t - a);
  return vec2<f32>(hi, a - hi);
}
// (c.x + c.y) · v, with c.x · v exact as a double-float.
fn df_mul(c: vec2<f32>, v: f32) -> vec2<f32> {
  let p = c.x * v;
  let cs = split(c.x);
  let vs = split(v);
  let e = ((cs.x * vs.x - p) + cs.x * vs.y + cs.y * vs.x) + cs.y * vs.y;
  return vec2<f32>(p, e + c.y * v);
}
fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let e = s.y + a.y + b.y;
  let h = s.x + e;
  return vec2<f32>(h, e - (h - s.x));
}
`;

/**
 * dst = (accumulate ? dst : 0) + Σ_j c_j · v_j for j < terms, one thread per element, summed in
 * double-float with each coefficient given as a float32 pair (hi, lo) at
 * coefs[(sample·TERMS_PER_PASS + j)·2 + {0,1}]. Unused slots are bound to a dummy buffer and never
 * read. A combination of more than TERMS_PER_PASS terms rounds to float32 between passes.
 */
export const COMBINE_WGSL = /* wgsl */ `
${GROUP_INDEX_WGSL}
${DOUBLE_FLOAT_WGSL}
struct CombineParams { length: u32, dim: u32, terms: u32, accumulate: u32 }
@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> coefs: array<f32>;
@group(0) @binding(2) var<uniform> prm: CombineParams;
${termBindings}

${ENTRY} {
  let i = group_index(wid, nwg) * ${WORKGROUP_SIZE}u + lid;
  if (i >= prm.length) {
    return;
  }
  let c = (i / prm.dim) * ${2 * TERMS_PER_PASS}u;
  var acc = vec2<f32>(0.0, 0.0);
  if (prm.accumulate != 0u) {
    acc.x = dst[i];
  }
${termSums}
  dst[i] = acc.x + acc.y;
}
`;

/** Shared by the per-sample reductions: one workgroup per sample, a tree sum in workgroup memory. */
const REDUCE_WGSL = /* wgsl */ `
${GROUP_INDEX_WGSL}
struct ReduceParams { batch: u32, dim: u32, atol: f32, rtol: f32 }
var<workgroup> partial: array<f32, ${WORKGROUP_SIZE}>;

fn workgroup_sum(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_SIZE / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      partial[lid] = partial[lid] + partial[lid + stride];
    }
    workgroupBarrier();
  }
  return partial[0];
}
`;

/**
 * The entry point of a per-sample reduction: for sample `smp` (elements base … base + dim − 1),
 * `accumulate` adds element base + k into `s` (per invocation), the workgroup sums the parts into
 * `total`, and `finish` stores it.
 */
function perSampleSum(accumulate: string, finish: string): string {
  return /* wgsl */ `${ENTRY} {
  let smp = group_index(wid, nwg);
  if (smp >= prm.batch) {
    return;
  }
  let base = smp * prm.dim;
  var s: f32 = 0.0;
  for (var k = lid; k < prm.dim; k = k + ${WORKGROUP_SIZE}u) {
${accumulate}
  }
  let total = workgroup_sum(lid, s);
${finish}
}`;
}

/** sums[sample] = Σ x² over the sample's elements. */
export const NORMS_WGSL = /* wgsl */ `
${REDUCE_WGSL}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> sums: array<f32>;
@group(0) @binding(2) var<uniform> prm: ReduceParams;

${perSampleSum(
  /* wgsl */ `
    let x = src[base + k];
    s = s + x * x;`,
  /* wgsl */ `
  if (lid == 0u) {
    sums[smp] = total;
  }`,
)}
`;

/**
 * means[sample] = mean of (e / (atol + rtol·max(|a|, |b|)))², as float bits; a NaN pattern where
 * e is not finite or a or b is NaN. Inputs are read as raw bits because WGSL lets
 * implementations assume floats are finite, so a float-typed NaN test could be optimised away.
 */
export const ERROR_NORM_WGSL = /* wgsl */ `
${REDUCE_WGSL}
@group(0) @binding(0) var<storage, read> e: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> means: array<u32>;
@group(0) @binding(4) var<uniform> prm: ReduceParams;
var<workgroup> bad: atomic<u32>;

const EXPONENT: u32 = 0x7f800000u;
const MAGNITUDE: u32 = 0x7fffffffu;

${perSampleSum(
  /* wgsl */ `
    let eb = e[base + k];
    let ab = a[base + k];
    let bb = b[base + k];
    if ((eb & EXPONENT) == EXPONENT || (ab & MAGNITUDE) > EXPONENT || (bb & MAGNITUDE) > EXPONENT) {
      atomicOr(&bad, 1u);
    }
    let scale = prm.atol + prm.rtol * max(abs(bitcast<f32>(ab)), abs(bitcast<f32>(bb)));
    let r = bitcast<f32>(eb) / scale;
    s = s + r * r;`,
  /* wgsl */ `
  let any_bad = atomicLoad(&bad);
  if (lid == 0u) {
    if (any_bad != 0u) {
      means[smp] = 0x7fc00000u;
    } else {
      means[smp] = bitcast<u32>(total / f32(prm.dim));
    }
  }`,
)}
`;

/** flag |= 1 if any element's exponent bits are all ones (±∞ or NaN), tested on raw bits. */
export const ALL_FINITE_WGSL = /* wgsl */ `
${GROUP_INDEX_WGSL}
struct LengthParams { length: u32 }
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> flag: atomic<u32>;
@group(0) @binding(2) var<uniform> prm: LengthParams;

${ENTRY} {
  let i = group_index(wid, nwg) * ${WORKGROUP_SIZE}u + lid;
  if (i >= prm.length) {
    return;
  }
  if ((src[i] & 0x7f800000u) == 0x7f800000u) {
    atomicOr(&flag, 1u);
  }
}
`;

/** dst = m·a + (1 − m)·b element by element (Field.blend), the same expression as the CPU. */
export const BLEND_WGSL = /* wgsl */ `
${GROUP_INDEX_WGSL}
struct LengthParams { length: u32 }
@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<uniform> prm: LengthParams;

${ENTRY} {
  let i = group_index(wid, nwg) * ${WORKGROUP_SIZE}u + lid;
  if (i >= prm.length) {
    return;
  }
  let m = mask[i];
  dst[i] = m * a[i] + (1.0 - m) * b[i];
}
`;
