/**
 * Compare mode's pictures (issue 14): one pane per sampler setting, all from the same seed, prior
 * draw and Brownian path. Each pane shows its label (the sampler and its formula's source), its
 * NFE and its ms per step (its share of the shared network time), and x̂₀ (images) or the
 * particles (2D). Beside them: the difference image of two chosen panes (images), or the sliced-W1
 * error against NFE with the sampling floor (exact mixtures). The step sweep shows its seven step
 * counts as a strip of x̂₀ grids (images) or one overlay of the particles (2D).
 */
import { useLayoutEffect, useRef } from 'react';
import { useAppState, useActions, useCurrentModel } from '../contexts';
import { drawGrid } from '../render/canvas';
import { errorPlotGeometry } from '../render/error-plot';
import { renderImageGrid } from '../render/image-grid';
import { drawPoints } from '../render/points';
import { differenceOf, type CompareView } from '../state/compare';
import { findSampler } from '../state/registry-view';
import { sdeLabels } from '../state/settings';
import type { ComparePaneFrame, CompareFrameEvent } from '../../engine/protocol';
import { formatNumber } from './format';
import { SWEEP_STEPS } from '../../core/pane-batch';

/**
 * The network calls of a comparison, from the engine's compareFrame events: this tick's, all of
 * them, and the evaluations they served (the status line shows it in compare mode).
 */
export function CompareCalls({ frame }: { frame: CompareFrameEvent }) {
  const nfeSum = frame.panes.reduce((n, p) => n + p.nfeTotal, 0);
  return (
    <dd
      data-testid="compare-calls"
      data-calls-total={frame.callsTotal}
      data-calls={frame.calls}
      data-nfe-sum={nfeSum}
      data-tick={frame.tick}
    >
      {frame.callsTotal} for {nfeSum} pane evaluations (tick {frame.tick}: {frame.calls})
      {frame.onGpu ? ' · GPU-resident' : ''}
    </dd>
  );
}

/** One colour per pane, shared by its header, its plot line and its overlay points. */
export const paneColours = ['#5eb0ff', '#ffb454', '#7ee08a', '#ff7bd0', '#c9a2ff', '#ff6b6b', '#e8ebf1'];
const colourOf = (p: number): string => paneColours[p % paneColours.length];

const POINTS_SIZE = 480;

function GridImage({
  x,
  batch,
  shape,
  range,
  label,
  testId,
}: {
  x: Float32Array;
  batch: number;
  shape: readonly number[];
  range: readonly [number, number];
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    if (ref.current && x.length > 0) drawGrid(ref.current, renderImageGrid(x, batch, shape, range));
  }, [x, batch, shape, range]);
  return <canvas ref={ref} className="pixelated" aria-label={label} data-testid={testId} />;
}

function Points({
  sets,
  bounds,
  label,
  testId,
}: {
  sets: { x: Float32Array; denoised: Float32Array | null }[];
  bounds: readonly [number, number];
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || sets.length === 0) return;
    if (sets.length === 1) {
      drawPoints(ctx, POINTS_SIZE, {
        bounds,
        x: sets[0].x,
        denoised: sets[0].denoised,
        arrows: [],
        paths: [],
      });
      return;
    }
    // The sweep's overlay: the frame of the first, then every set's particles in its own colour.
    drawPoints(ctx, POINTS_SIZE, { bounds, x: new Float32Array(0), denoised: null, arrows: [], paths: [] });
    const [lo, hi] = bounds;
    const px = (v: number): number => ((v - lo) / (hi - lo)) * POINTS_SIZE;
    sets.forEach((set, p) => {
      ctx.fillStyle = colourOf(p);
      ctx.globalAlpha = 0.6;
      for (let k = 0; k + 1 < set.x.length; k += 2) {
        ctx.fillRect(px(set.x[k]) - 1.5, POINTS_SIZE - px(set.x[k + 1]) - 1.5, 3, 3);
      }
    });
    ctx.globalAlpha = 1;
  }, [sets, bounds]);
  return (
    <canvas ref={ref} width={POINTS_SIZE} height={POINTS_SIZE} aria-label={label} data-testid={testId} />
  );
}

/** "Euler–Maruyama" and where its update comes from, for a pane's header. */
function samplerName(pane: ComparePaneFrame, sde: keyof typeof sdeLabels): { label: string; cite: string } {
  const sampler = findSampler(pane.sampler);
  if (sampler === undefined) return { label: pane.sampler, cite: '' };
  return { label: sampler.label, cite: sampler.formula(sde, {}).cite };
}

function PaneHeader({ pane, k }: { pane: ComparePaneFrame; k: number }) {
  const sde = useAppState((s) => s.settings.compare?.[k]?.sde ?? s.settings.sde);
  const { label, cite } = samplerName(pane, sde);
  const steps = useAppState((s) => s.settings.compare?.[k]?.steps ?? pane.steps);
  return (
    <div className="pane-head">
      <div className="pane-title" style={{ borderColor: colourOf(k) }}>
        <strong>
          {k + 1}. {label}
        </strong>{' '}
        <span className="muted">
          {steps} steps · {sdeLabels[sde]}
        </span>
      </div>
      <div className="pane-stats">
        <span data-testid={`pane-nfe-${k + 1}`} data-nfe={pane.nfeTotal}>
          NFE {pane.nfeTotal}
        </span>{' '}
        ·{' '}
        <span data-testid={`pane-ms-${k + 1}`} data-ms={pane.msPerStep}>
          {formatNumber(pane.msPerStep)} ms/step
        </span>
        {cite !== '' && <span className="muted"> · {cite}</span>}
      </div>
    </div>
  );
}

function ErrorPlot({ view, frame }: { view: CompareView; frame: CompareFrameEvent }) {
  const box = { width: 420, height: 320, margin: { left: 46, bottom: 34, top: 10, right: 10 } };
  const plot = errorPlotGeometry(view.series, frame.floor, box);
  const { margin } = box;
  return (
    <figure className="view compare-cell" data-testid="error-plot-cell">
      <div className="pane-head">
        <div className="pane-title">
          <strong>Sliced W₁ to the exact distribution</strong>
        </div>
        <div className="pane-stats muted">
          {frame.particles} particles per pane · band: exact vs exact, same N
        </div>
      </div>
      <svg
        className="error-plot"
        viewBox={`0 0 ${box.width} ${box.height}`}
        role="img"
        aria-label="Sliced Wasserstein distance against NFE, one line per pane"
        data-testid="error-plot"
      >
        {plot.band && (
          <rect
            data-testid="error-floor"
            x={margin.left}
            width={box.width - margin.left - margin.right}
            y={plot.band.top}
            height={Math.max(1, plot.band.bottom - plot.band.top)}
            className="floor-band"
          />
        )}
        {plot.xTicks.map((t) => (
          <text key={`x${t.label}`} x={t.at} y={box.height - margin.bottom + 14} className="tick">
            {t.label}
          </text>
        ))}
        {plot.yTicks.map((t) => (
          <text key={`y${t.label}`} x={margin.left - 4} y={t.at + 4} className="tick end">
            {t.label}
          </text>
        ))}
        <line
          x1={margin.left}
          x2={margin.left}
          y1={margin.top}
          y2={box.height - margin.bottom}
          className="axis"
        />
        <line
          x1={margin.left}
          x2={box.width - margin.right}
          y1={box.height - margin.bottom}
          y2={box.height - margin.bottom}
          className="axis"
        />
        <text x={box.width - margin.right} y={box.height - 4} className="tick end">
          NFE (log)
        </text>
        {plot.lines.map((line) => (
          <path
            key={line.pane}
            d={line.d}
            stroke={colourOf(line.pane)}
            className="error-line"
            data-testid="error-line"
            data-pane={line.pane + 1}
            data-points={line.points}
          />
        ))}
      </svg>
    </figure>
  );
}

function DifferenceView({ frame, range }: { frame: CompareFrameEvent; range: readonly [number, number] }) {
  const [a, b] = useAppState((s) => s.differencePanes);
  const actions = useActions();
  const count = frame.panes.length;
  const pa = frame.panes[Math.min(a, count - 1)];
  const pb = frame.panes[Math.min(b, count - 1)];
  const choice = (value: number, other: number, name: string, set: (v: number) => void) => (
    <select aria-label={name} value={value} onChange={(e) => set(Number(e.target.value))}>
      {frame.panes.map((_, p) => (
        <option key={p} value={p} disabled={p === other}>
          pane {p + 1}
        </option>
      ))}
    </select>
  );
  return (
    <figure className="view compare-cell" data-testid="difference-cell">
      <div className="pane-head">
        <div className="pane-title">
          <strong>|x̂₀ difference|</strong>{' '}
          {choice(a, b, 'Difference: first pane', (v) => actions.setDifferencePanes([v, b]))} −{' '}
          {choice(b, a, 'Difference: second pane', (v) => actions.setDifferencePanes([a, v]))}
        </div>
        <div className="pane-stats muted">black: the same pixel; white: as far apart as the range allows</div>
      </div>
      <div className="view-frame">
        <GridImage
          x={differenceOf(pa.denoised, pb.denoised, range)}
          batch={frame.batch}
          shape={frame.shape}
          range={range}
          label={`Difference of the x̂₀ of panes ${a + 1} and ${b + 1}`}
          testId="difference-canvas"
        />
      </div>
    </figure>
  );
}

export function CompareViews({ view }: { view: CompareView }) {
  const model = useCurrentModel();
  const actions = useActions();
  const frame = view.frame;
  if (frame === null || model === undefined) {
    return (
      <div className="views placeholder" data-testid="views-placeholder">
        Preparing the panes…
      </div>
    );
  }
  const range = model.card.range;
  const image = model.task === 'image';
  if (view.sweep) {
    return (
      <div className="compare-area" data-testid="sweep-view">
        <div className="sweep-head">
          <span className="muted">The same seed at 10 to 1000 steps</span>
          <button type="button" onClick={actions.closeSweep}>
            Close sweep
          </button>
        </div>
        {image ? (
          <div className="sweep-strip">
            {frame.panes.map((pane, p) => (
              <figure key={p} className="view compare-cell" data-testid={`sweep-pane-${p + 1}`}>
                <div className="pane-title" style={{ borderColor: colourOf(p) }}>
                  <strong>{SWEEP_STEPS[p] ?? pane.steps} steps</strong>
                </div>
                <div className="view-frame">
                  <GridImage
                    x={pane.denoised}
                    batch={frame.batch}
                    shape={frame.shape}
                    range={range}
                    label={`x̂₀ after ${pane.i} of ${pane.steps} steps`}
                  />
                </div>
                <div className="pane-stats">NFE {pane.nfeTotal}</div>
              </figure>
            ))}
          </div>
        ) : (
          <figure className="view compare-cell sweep-overlay">
            <div className="view-frame">
              <Points
                sets={frame.panes.map((pane) => ({ x: pane.x, denoised: null }))}
                bounds={range}
                label="The same seed at 10 to 1000 steps, overlaid"
                testId="sweep-overlay"
              />
            </div>
            <figcaption>
              {frame.panes.map((_, p) => (
                <span key={p} className="sweep-key" style={{ color: colourOf(p) }}>
                  ● {SWEEP_STEPS[p]}{' '}
                </span>
              ))}
              steps
            </figcaption>
          </figure>
        )}
      </div>
    );
  }
  const extra = image ? 'difference' : frame.floor !== null ? 'plot' : null;
  const cells = frame.panes.length + (extra === null ? 0 : 1);
  const cols = cells <= 3 ? cells : cells === 4 ? 2 : 3;
  return (
    <div className="compare-area" data-testid="compare-view">
      <div className="compare-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
        {frame.panes.map((pane, p) => (
          <figure key={p} className="view compare-cell" data-testid={`compare-pane-${p + 1}`}>
            <PaneHeader pane={pane} k={p} />
            <div className="view-frame">
              {image ? (
                <GridImage
                  x={pane.denoised}
                  batch={frame.batch}
                  shape={frame.shape}
                  range={range}
                  label={`Pane ${p + 1}: x̂₀ at step ${pane.i}`}
                  testId={`pane-canvas-${p + 1}`}
                />
              ) : (
                <Points
                  sets={[{ x: pane.x, denoised: pane.i > 0 ? pane.denoised : null }]}
                  bounds={range}
                  label={`Pane ${p + 1}: particles x_t and x̂₀ at step ${pane.i}`}
                  testId={`pane-canvas-${p + 1}`}
                />
              )}
            </div>
          </figure>
        ))}
        {extra === 'difference' && <DifferenceView frame={frame} range={range} />}
        {extra === 'plot' && <ErrorPlot view={view} frame={frame} />}
      </div>
    </div>
  );
}
