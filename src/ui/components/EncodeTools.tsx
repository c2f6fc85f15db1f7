/**
 * Encode / decode (issue 13, after Song et al. 2021, §4.3): the probability-flow ODE as a
 * bijection between data and latents, shown three ways:
 * - the round trip of the current samples (or a real example), with its error and NFE;
 * - images: latent interpolation, two images encoded, their latents joined by slerp and decoded,
 *   beside a plain blend of their pixels;
 * - 2D: the flow map, a grid over the data's square carried to the latent space and back.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { flowLine, type FlowGridLayout } from '../../core/flow-map';
import { MAX_INTERPOLATION_FRAMES, type InterpolationEnd, type ToolResult } from '../../engine/protocol';
import { useActions, useAppState, useCurrentModel } from '../contexts';
import { drawGrid } from '../render/canvas';
import { renderImageGrid } from '../render/image-grid';
import {
  JobProgress,
  JobSource,
  useCurrentSamples,
  useJobInput,
  useShape,
  WholeNumberField,
} from './tool-parts';

/** Frames of the interpolation strip (the 8). */
const FRAMES = 8;

export function EncodeControls() {
  const model = useCurrentModel();
  return (
    <>
      <RoundTripControls />
      {model?.task === 'image' && <InterpolationControls />}
      {model?.task === 'points' && <FlowMapControls />}
    </>
  );
}

function useResult<K extends ToolResult['kind']>(kind: K): Extract<ToolResult, { kind: K }> | null {
  const job = useAppState((s) => s.toolData.job);
  const result = job?.result ?? null;
  return result !== null && result.kind === kind ? (result as Extract<ToolResult, { kind: K }>) : null;
}

function useRunning(): boolean {
  return useAppState((s) => s.toolData.job?.status === 'running');
}

function RoundTripControls() {
  const actions = useActions();
  const { data: x, what } = useJobInput();
  const running = useRunning();
  const result = useResult('roundTrip');
  return (
    <div className="tool-body">
      <p className="note">
        The probability-flow ODE is a bijection: integrating it from the data at t = ε up to t = 1 gives a
        latent that identifies the sample, and integrating back returns it (Song et al. 2021, §4.3). RK45 at
        rtol = atol = 10⁻⁴ both ways.
      </p>
      <JobSource />
      <button
        type="button"
        disabled={x === null || running}
        onClick={() => x && actions.runToolJob({ kind: 'roundTrip', data: Float32Array.from(x) })}
      >
        Encode and decode {what}
      </button>
      {result !== null && (
        <p data-testid="round-trip" className="note">
          Round-trip RMSE {result.rmse.toExponential(2)} (largest error {result.maxError.toExponential(2)}),
          NFE {result.nfeEncode} to encode + {result.nfeDecode} to decode. The latents have mean{' '}
          {mean(result.latent).toFixed(2)} and standard deviation {std(result.latent).toFixed(2)} (a good
          encoder gives about 0 and 1: they are draws of the prior).
        </p>
      )}
    </div>
  );
}

function mean(v: ArrayLike<number>): number {
  let sum = 0;
  for (let e = 0; e < v.length; e++) sum += v[e];
  return sum / Math.max(1, v.length);
}

function std(v: ArrayLike<number>): number {
  const m = mean(v);
  let sum = 0;
  for (let e = 0; e < v.length; e++) sum += (v[e] - m) ** 2;
  return Math.sqrt(sum / Math.max(1, v.length));
}

type EndSource = 'example' | 'sample';

/**
 * Latent interpolation between two images: both encoded, z(τ) = slerp(z_a, z_b, τ) for FRAMES values
 * of τ, every frame decoded. Beside it the straight blend (1 − τ)·a + τ·b of the pixels, which shows
 * both images at once where the latent path passes through images of the model.
 */
function InterpolationControls() {
  const actions = useActions();
  const model = useCurrentModel();
  const samples = useCurrentSamples();
  const info = useShape();
  const running = useRunning();
  const result = useResult('interpolate');
  const examples = model?.task === 'image' ? (model.card.examples?.count ?? 0) : 0;
  const [source, setSource] = useState<EndSource>(examples > 0 ? 'example' : 'sample');
  const [ends, setEnds] = useState<[number, number]>([0, 1]);
  if (info === null) return null;
  const batch = samples ? samples.length / info.dim : 0;
  const count = source === 'example' ? examples : batch;
  const valid = count >= 2 && ends.every((k) => k >= 0 && k < count) && ends[0] !== ends[1];
  const endOf = (k: number): InterpolationEnd =>
    source === 'example' ? { example: k } : { data: samples!.slice(k * info.dim, (k + 1) * info.dim) };
  const run = () => {
    actions.runToolJob({ kind: 'interpolate', from: endOf(ends[0]), to: endOf(ends[1]), frames: FRAMES });
  };
  const setEnd = (which: 0 | 1, value: string) => {
    const k = Math.round(Number(value));
    if (Number.isFinite(k)) setEnds((e) => (which === 0 ? [k, e[1]] : [e[0], k]));
  };
  return (
    <div className="tool-body">
      <h4>Latent interpolation</h4>
      <p className="note">
        Both images are encoded; their latents z_a and z_b are joined along the great circle, z(τ) = sin((1 −
        τ)θ)/sin θ · z_a + sin(τθ)/sin θ · z_b with θ = arccos(z_a·z_b / (|z_a| |z_b|)) (slerp), and each of
        the {FRAMES} frames is decoded (Song et al. 2021, §4.3 and Fig. 3). Latents of the prior have nearly
        the same length; slerp keeps it (exactly when |z_a| = |z_b|), while a straight line between two
        independent latents, nearly orthogonal in high dimension, passes through a midpoint only about 0.71 as
        long, where the prior has almost no mass.
      </p>
      <label>
        Ends{' '}
        <select
          aria-label="Interpolation ends"
          value={source}
          onChange={(e) => setSource(e.currentTarget.value as EndSource)}
        >
          {examples > 0 && <option value="example">real examples</option>}
          <option value="sample">current samples</option>
        </select>
      </label>{' '}
      {([0, 1] as const).map((which) => (
        <span key={which}>
          <label>
            {which === 0 ? 'from' : 'to'} {source === 'example' ? 'example' : 'sample'}{' '}
            <input
              aria-label={which === 0 ? 'Interpolate from' : 'Interpolate to'}
              type="number"
              min={0}
              max={Math.max(0, count - 1)}
              value={ends[which]}
              onChange={(e) => setEnd(which, e.currentTarget.value)}
            />
          </label>{' '}
        </span>
      ))}
      <button type="button" disabled={!valid || running} onClick={run}>
        Interpolate ({FRAMES} frames)
      </button>
      {!valid && (
        <p className="note">
          {count < 2
            ? 'Two current samples are needed: choose a batch of 2 or more.'
            : `Choose two different ${source === 'example' ? 'examples' : 'samples'} from 0 to ${count - 1}.`}
        </p>
      )}
      {result !== null && (
        <>
          <ImageStrip
            images={result.images}
            frames={result.images.length / info.dim}
            label="Latent path, τ from 0 to 1"
            testId="interpolation-strip"
          />
          {result.ends.length === 2 * info.dim && (
            <ImageStrip
              images={pixelBlend(
                result.ends.subarray(0, info.dim),
                result.ends.subarray(info.dim),
                result.images.length / info.dim,
              )}
              frames={result.images.length / info.dim}
              label="Pixel blend, for contrast"
              testId="pixel-blend-strip"
            />
          )}
          <p className="note" data-testid="interpolation">
            The end frames are the two inputs again up to an RMSE of {result.endError.toExponential(2)} (their
            round trips); NFE {result.nfeEncode} to encode the pair + {result.nfeDecode} to decode the{' '}
            {result.images.length / info.dim} frames. The pixel blend (1 − τ)·a + τ·b shows both images at
            once; the frames of the latent path are images the model itself would make.
          </p>
        </>
      )}
      <JobProgress />
    </div>
  );
}

/** (1 − τ)·a + τ·b for `frames` values of τ from 0 to 1. */
function pixelBlend(a: ArrayLike<number>, b: ArrayLike<number>, frames: number): Float32Array {
  const out = new Float32Array(frames * a.length);
  for (let f = 0; f < frames; f++) {
    const tau = f / (frames - 1);
    for (let e = 0; e < a.length; e++) out[f * a.length + e] = (1 - tau) * a[e] + tau * b[e];
  }
  return out;
}

/** A row of images (frames × dim) at the model's shape, captioned by τ. */
function ImageStrip(props: { images: Float32Array; frames: number; label: string; testId: string }) {
  const { images, frames, label, testId } = props;
  const info = useShape();
  const refs = useRef<(HTMLCanvasElement | null)[]>([]);
  useLayoutEffect(() => {
    if (info === null) return;
    for (let f = 0; f < frames; f++) {
      const canvas = refs.current[f];
      const image = images.subarray(f * info.dim, (f + 1) * info.dim);
      if (canvas && image.length === info.dim)
        drawGrid(canvas, renderImageGrid(image, 1, info.shape, info.range));
    }
  }, [images, frames, info]);
  if (frames > MAX_INTERPOLATION_FRAMES) return null;
  return (
    <div className="strip frames" data-testid={testId}>
      <span className="strip-label">{label}</span>
      {Array.from({ length: frames }, (_, f) => (
        <figure key={f}>
          <canvas
            ref={(el) => void (refs.current[f] = el)}
            className="pixelated"
            aria-label={`${label}, τ = ${(f / (frames - 1)).toFixed(2)}`}
          />
          <figcaption>{(f / (frames - 1)).toFixed(2)}</figcaption>
        </figure>
      ))}
    </div>
  );
}

/** Lines per direction of the flow map, and points per line (four segments per grid cell). */
const FLOW_LINES = 9;
const pointsPerLine = (lines: number) => 4 * (lines - 1) + 1;

/**
 * The 2D flow map: a grid over the data's square and the current samples, every point carried by
 * the PF-ODE from t = ε to t = 1 and back. The latent plot shows where each grid line goes.
 */
function FlowMapControls() {
  const actions = useActions();
  const model = useCurrentModel();
  const samples = useCurrentSamples();
  const running = useRunning();
  const result = useResult('flowMap');
  // Samples are data only at the end of a run (useCurrentSamples is null before).
  const finished = samples !== null;
  const [lines, setLines] = useState(FLOW_LINES);
  const [withSamples, setWithSamples] = useState(true);
  if (model === undefined) return null;
  const lost = result === null ? [] : lostPoints(result.grid, result.decoded);
  return (
    <div className="tool-body">
      <h4>Flow map</h4>
      <p className="note">
        A grid of lines over the data&apos;s square (left; vertical lines blue, horizontal orange, lighter to
        the right and top) is carried by the probability-flow ODE from t = ε to t = 1 (right), and every point
        is decoded back. Where the data is dense the grid is stretched to fill the Gaussian latent; where it
        is empty the lines are squeezed together. The circles have radius 1, 2 and 3: in 2D they hold 39 %, 86
        % and 99 % of the prior. White dots are the current samples of a finished run (left: after the round
        trip). The flow is a bijection in exact arithmetic, but the squeeze can be extreme: on ring8 the point
        (0, 0.75) in the empty centre lands within 10⁻¹⁶ of z = 0, far inside the solver&apos;s tolerance, so
        decoding cannot tell such points apart and sends them to a nearby mode. Grid points that miss their
        place by 10⁻² or more are red: the empty regions, the centre and the gaps between and beyond the
        modes. Where the data lives the grid comes back.
      </p>
      <WholeNumberField label="Lines per direction" min={2} max={17} value={lines} onChange={setLines} />{' '}
      <label>
        <input
          type="checkbox"
          checked={withSamples}
          onChange={(e) => setWithSamples(e.currentTarget.checked)}
        />{' '}
        with the current samples{finished ? '' : ' (once the run has finished: now they are not data yet)'}
      </label>{' '}
      <button
        type="button"
        disabled={running}
        onClick={() =>
          actions.runToolJob({
            kind: 'flowMap',
            lines,
            perLine: pointsPerLine(lines),
            points: withSamples && finished && samples ? Float32Array.from(samples) : new Float32Array(0),
          })
        }
      >
        Carry the grid through the flow
      </button>
      {result !== null && (
        <div data-testid="flow-map" data-rmse={result.rmse}>
          <div className="density-maps">
            <FlowPlot
              result={result}
              points={result.grid}
              lost={lost}
              samples={result.decoded}
              bounds={model.card.range}
              label="Data (t = ε): red points did not come back"
            />
            <FlowPlot
              result={result}
              points={result.latent}
              samples={result.latent}
              bounds={[-3.5, 3.5]}
              label="Latent (t = 1)"
              rings
            />
          </div>
          <p className="note">
            {2 * result.lines} lines of {result.perLine} points
            {result.extra > 0 ? ` and ${result.extra} samples` : ''}; round-trip RMSE{' '}
            {result.rmse.toExponential(2)} (largest {result.maxError.toExponential(2)});{' '}
            <span data-testid="flow-back">{lost.filter((gone) => !gone).length}</span> of{' '}
            {result.grid.length / 2} points back within 10⁻²; NFE {result.nfeEncode} to encode +{' '}
            {result.nfeDecode} to decode.
          </p>
        </div>
      )}
      <JobProgress />
    </div>
  );
}

const PLOT = 160;

/** Whether each 2D point of `decoded` lies further than 10⁻² from its original. */
function lostPoints(grid: Float32Array, decoded: Float32Array): boolean[] {
  return Array.from(
    { length: grid.length / 2 },
    (_, k) => Math.hypot(decoded[2 * k] - grid[2 * k], decoded[2 * k + 1] - grid[2 * k + 1]) >= 1e-2,
  );
}

/**
 * One side of the flow map as SVG: the grid's lines through `points` (vertical blue, horizontal
 * orange, lighter with x or y), the samples (white, from `samples`) and the grid points marked `lost`
 * (red).
 */
function FlowPlot(props: {
  result: Extract<ToolResult, { kind: 'flowMap' }>;
  points: Float32Array;
  samples: Float32Array;
  lost?: boolean[];
  bounds: readonly [number, number];
  label: string;
  rings?: boolean;
}) {
  const { result, points, samples, lost, bounds, label, rings } = props;
  const layout: FlowGridLayout = { lines: result.lines, perLine: result.perLine };
  const [lo, hi] = bounds;
  const px = (v: number) => ((v - lo) / (hi - lo)) * PLOT;
  const py = (v: number) => PLOT - ((v - lo) / (hi - lo)) * PLOT;
  const first = 2 * 2 * layout.lines * layout.perLine;
  const svgPoints = (line: [number, number][]) =>
    line.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const extra = Array.from({ length: result.extra }, (_, k) => [
    samples[first + 2 * k],
    samples[first + 2 * k + 1],
  ]);
  const gridCount = first / 2;
  return (
    <figure>
      <svg
        width={PLOT}
        height={PLOT}
        viewBox={`0 0 ${PLOT} ${PLOT}`}
        role="img"
        aria-label={label}
        className="flow-plot"
      >
        <rect width={PLOT} height={PLOT} fill="#111" />
        {rings &&
          [1, 2, 3].map((r) => (
            <circle
              key={r}
              cx={px(0)}
              cy={py(0)}
              r={(r / (hi - lo)) * PLOT}
              fill="none"
              stroke="#555"
              strokeDasharray="3 3"
            />
          ))}
        {Array.from({ length: 2 * layout.lines }, (_, l) => {
          const vertical = l < layout.lines;
          const shade = 40 + (40 * (l % layout.lines)) / Math.max(1, layout.lines - 1);
          return (
            <polyline
              key={l}
              fill="none"
              stroke={vertical ? `hsl(210 90% ${shade}%)` : `hsl(30 95% ${shade}%)`}
              strokeWidth={1.2}
              points={svgPoints(flowLine(points, layout, l))}
            />
          );
        })}
        {lost?.map(
          (gone, k) =>
            gone &&
            k < gridCount && (
              <circle
                key={`l${k}`}
                cx={px(points[2 * k])}
                cy={py(points[2 * k + 1])}
                r={1.6}
                fill="#ff4d4d"
              />
            ),
        )}
        {extra.map(([x, y], k) => (
          <circle key={k} cx={px(x)} cy={py(y)} r={1.3} fill="#f5f5f5" />
        ))}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
