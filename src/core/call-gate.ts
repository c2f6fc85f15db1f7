/**
 * One network call for every pane that needs one at that moment (compare mode, issue 14). Panes
 * run their sampler steps concurrently; each network request waits at the gate until every pane
 * still inside its work has either asked for a call or finished, then all waiting requests go out
 * as one call on the concatenated batch. A sampler makes its calls one after another, so the j-th
 * call of the gate serves the j-th request of every pane that makes one: per round of work the
 * number of calls is the largest count of any pane, never the sum.
 *
 * The gate knows nothing of vectors: `call` does the concatenation (Float32Arrays on the CPU,
 * `networkGate` below; buffer copies on the GPU) and hands each request its part of the output.
 * Requests are always concatenated in pane order, so a pane's part of the batch is where it would
 * be whichever pane asked first.
 */
import type { NetworkFn } from './denoiser';
import type { Denoiser, Sigma } from './types';

/** What the gate has done: calls made, their time, and each pane's share of that time. */
export interface GateStats {
  /** Batched calls released (a backend may split one, e.g. the GPU gate by noise level). */
  calls: number;
  /** Milliseconds spent inside `call`. */
  ms: number;
  /** Samples sent, over all calls. */
  samples: number;
  /** Per pane: Σ over its calls of (call time × its samples / the call's samples). */
  shareMs: number[];
}

interface Waiting<Req, Res> {
  request: Req;
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

export class CallGate<Req, Res> {
  private readonly active = new Set<number>();
  private readonly waiting = new Map<number, Waiting<Req, Res>>();
  private readonly counts: GateStats = { calls: 0, ms: 0, samples: 0, shareMs: [] };

  /**
   * @param call one call serving every request (in pane order); returns one result per request.
   * @param sizeOf a request's sample count, for the time shares.
   */
  constructor(
    private readonly call: (requests: readonly Req[]) => Promise<Res[]>,
    private readonly sizeOf: (request: Req) => number,
  ) {}

  /** A copy of the counters (they only grow). */
  get stats(): GateStats {
    return { ...this.counts, shareMs: [...this.counts.shareMs] };
  }

  /** Pane `pane` starts work that may ask for calls: the gate waits for it from now on. */
  enter(pane: number): void {
    if (this.active.has(pane)) throw new Error(`Pane ${pane + 1} is already running.`);
    this.active.add(pane);
  }

  /** Pane `pane` will ask for no more calls (its work finished or failed). */
  leave(pane: number): void {
    this.active.delete(pane);
    this.release();
  }

  /**
   * A call for pane `pane`. A pane that has not entered (stepped on its own) is served at once;
   * otherwise the request waits for the other running panes.
   */
  request(pane: number, request: Req): Promise<Res> {
    if (this.waiting.has(pane)) {
      throw new Error(`Pane ${pane + 1} asked for a second call before its first was answered.`);
    }
    if (!this.active.has(pane)) return this.send([[pane, request]]).then(([result]) => result);
    return new Promise<Res>((resolve, reject) => {
      this.waiting.set(pane, { request, resolve, reject });
      this.release();
    });
  }

  /** Sends every waiting request once each running pane waits (or has left). */
  private release(): void {
    if (this.waiting.size === 0 || this.waiting.size < this.active.size) return;
    const batch = [...this.waiting.entries()].sort(([a], [b]) => a - b);
    this.waiting.clear();
    this.send(batch.map(([pane, w]) => [pane, w.request])).then(
      (results) => batch.forEach(([, w], k) => w.resolve(results[k])),
      (error: unknown) => batch.forEach(([, w]) => w.reject(error)),
    );
  }

  private async send(batch: readonly (readonly [number, Req])[]): Promise<Res[]> {
    const began = performance.now();
    const results = await this.call(batch.map(([, request]) => request));
    const ms = performance.now() - began;
    if (results.length !== batch.length) {
      throw new Error(`A batched call answered ${results.length} of ${batch.length} requests.`);
    }
    const sizes = batch.map(([, request]) => this.sizeOf(request));
    const total = sizes.reduce((a, b) => a + b, 0);
    const counts = this.counts;
    counts.calls++;
    counts.ms += ms;
    counts.samples += total;
    batch.forEach(([pane], k) => {
      while (counts.shareMs.length <= pane) counts.shareMs.push(0);
      counts.shareMs[pane] += total > 0 ? (ms * sizes[k]) / total : ms / batch.length;
    });
    return results;
  }
}

/** One pane's network call, as NetworkDenoiser makes it (native x, per-sample t, labels). */
export interface NetworkRequest {
  x: Float32Array;
  t: Float32Array;
  y: BigInt64Array | null;
  batch: number;
}

/**
 * A network shared by panes: `forPane(p)` is the NetworkFn pane p's denoiser calls; requests meet
 * at `gate` and go to `network` as one batch, x, t and labels concatenated in pane order. Every
 * pane's labels must be given or none (panes share the model, so they agree).
 */
export function networkGate(
  network: NetworkFn,
  dim: number,
): { gate: CallGate<NetworkRequest, Float32Array>; forPane: (pane: number) => NetworkFn } {
  const gate = new CallGate<NetworkRequest, Float32Array>(
    async (requests) => {
      if (requests.length === 1) {
        const { x, t, y, batch } = requests[0];
        return [await network(x, t, y, batch)];
      }
      const total = requests.reduce((n, r) => n + r.batch, 0);
      const labelled = requests.filter((r) => r.y !== null).length;
      if (labelled !== 0 && labelled !== requests.length) {
        throw new Error('Panes sharing one network call must all give class labels, or none.');
      }
      const x = new Float32Array(total * dim);
      const t = new Float32Array(total);
      const y = labelled ? new BigInt64Array(total) : null;
      let at = 0;
      for (const r of requests) {
        x.set(r.x, at * dim);
        t.set(r.t, at);
        if (y && r.y) y.set(r.y, at);
        at += r.batch;
      }
      const out = await network(x, t, y, total);
      at = 0;
      return requests.map((r) => {
        const part = out.subarray(at * dim, (at + r.batch) * dim);
        at += r.batch;
        return part;
      });
    },
    (r) => r.batch,
  );
  return { gate, forPane: (pane) => (x, t, y, batch) => gate.request(pane, { x, t, y, batch }) };
}

/** One pane's denoiser call, as a SamplingLoop makes it (x̃ coordinates, one σ for the batch). */
export interface DenoiseRequest {
  xTilde: Float32Array;
  sigma: Sigma;
  batch: number;
}

/**
 * A CPU denoiser shared by panes (an exact mixture): `forPane(p)` is the denoiser pane p's loop
 * calls; requests meet at `gate`. A Denoiser takes one σ per call, so the requests released
 * together go to it as one call per distinct σ, on their concatenated x̃ (panes on one grid share
 * every call); the gate counts each release as one call, as the GPU gate does.
 */
export function denoiserGate(denoiser: Denoiser): {
  gate: CallGate<DenoiseRequest, Float32Array>;
  forPane: (pane: number) => Denoiser;
} {
  const { dim } = denoiser;
  const gate = new CallGate<DenoiseRequest, Float32Array>(
    async (requests) => {
      const results = new Array<Float32Array>(requests.length);
      for (const sigma of new Set(requests.map((r) => r.sigma))) {
        const group = requests.flatMap((r, k) => (r.sigma === sigma ? [k] : []));
        const total = group.reduce((n, k) => n + requests[k].batch, 0);
        const x = new Float32Array(total * dim);
        let at = 0;
        for (const k of group) {
          x.set(requests[k].xTilde.subarray(0, requests[k].batch * dim), at * dim);
          at += requests[k].batch;
        }
        const out = await denoiser.denoise(x, sigma, total);
        at = 0;
        for (const k of group) {
          results[k] = out.slice(at * dim, (at + requests[k].batch) * dim);
          at += requests[k].batch;
        }
      }
      return results;
    },
    (r) => r.batch,
  );
  return {
    gate,
    forPane: (pane) => ({
      dim,
      denoise: (xTilde, sigma, batch) => gate.request(pane, { xTilde, sigma, batch }),
    }),
  };
}
