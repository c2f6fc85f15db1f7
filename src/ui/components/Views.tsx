/**
 * The pictures: x_t and x̂₀ grids side by side for images; a particle view for 2D models.
 *
 * On WebGPU (a GPU-resident run) the engine worker draws the image grids itself: the canvases go
 * over (transferControlToOffscreen, actions.attachViews) when they mount and the worker draws every
 * frame into them from the GPU buffers; the page never draws into them (a transferred canvas can
 * have no other context). Otherwise (WASM, or a browser without transferable canvases) the page
 * draws each frame's arrays. Switching between the two remounts fresh canvases.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useAppState, useActions, useCurrentModel } from '../contexts';
import { drawGrid } from '../render/canvas';
import { renderImageGrid } from '../render/image-grid';
import { drawPoints } from '../render/points';
import { ARROWS_PER_SIDE, arrowsAt, scoreArrows, type Arrow } from '../render/score-arrows';
import { useMixture, useSde } from '../state/model-math';
import type { ViewHighlight } from '../state/update-rule';
import { asTime } from '../../core/types';
import { marginalDensityGrid } from '../../core/forward';
import { gridSize } from '../../shared/grid-layout';
import { GlossaryTerm } from './Glossary';
import { CompareViews } from './CompareViews';
import { InpaintOverlay } from './InpaintOverlay';
import { DrawingOverlay } from './DrawingOverlay';
import { LineOverlay } from './LineOverlay';
import { DRAWING_ID, TRAINED_ID } from '../state/drawing';

const xCaption = (i: number): string => `x_t — the sample at step ${i}`;
/** Forward (issue 12): the data noised to time t. */
const forwardCaption = (t: number): string => `x_t — real data noised to t = ${t.toFixed(2)}`;
const forwardDenoisedCaption = "x̂₀(x_t) — the network's Tweedie estimate E[x₀ | x_t]";

/** The frame the views show: the forward frame in Forward, the run's step otherwise. */
function useShownFrame() {
  return useAppState((s) => (s.settings.direction === 'forward' ? s.forward.frame : s.run.frame));
}

/** The view's class: highlighted while a term of the Update rule points at one of `views`. */
function useViewClass(base: string, ...views: ViewHighlight[]): string {
  return useAppState((s) =>
    s.highlight !== null && views.includes(s.highlight) ? `${base} highlighted` : base,
  );
}
const denoisedCaption = "x̂₀ — the denoiser's guess of the clean image";

/** The caption as shown: its symbol a glossary term (definition on hover and focus). */
function CaptionText({ view, caption }: { view: ViewHighlight; caption: string }) {
  const [symbol, rest] = caption.split(' — ', 2);
  if (rest === undefined || (view !== 'xt' && view !== 'x0')) return <>{caption}</>;
  return (
    <>
      <GlossaryTerm id={view === 'xt' ? 'x-t' : 'x0-hat'}>{symbol}</GlossaryTerm> — {rest}
    </>
  );
}

/**
 * At step 0 nothing has been denoised yet (the frame's x̂₀ is x̃ itself, pure noise): the x̂₀ view
 * says so instead of showing saturated noise as a "guess".
 */
function NoEstimateYet() {
  return (
    <div className="no-estimate" data-testid="no-estimate">
      No estimate yet: x̂₀ appears after the first step.
    </div>
  );
}

/** The page can hand a canvas to the worker (HTMLCanvasElement.transferControlToOffscreen). */
const canTransferCanvases =
  typeof HTMLCanvasElement !== 'undefined' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype;

interface GridCanvasProps {
  testId: string;
  caption: string;
  x: Float32Array;
  batch: number;
  shape: readonly number[];
  range: readonly [number, number];
  /** Covers the picture with "no estimate yet" (x̂₀ at step 0). */
  noEstimate?: boolean;
  view: ViewHighlight;
}

/**
 * A grid the page draws from the frame's arrays (WASM): at the grid's native size, like the grids
 * the engine draws; CSS scales it up without smoothing. Drawn before the browser paints, so the
 * picture and the step counter always change together.
 */
function GridCanvas({ testId, view, caption, x, batch, shape, range, noEstimate = false }: GridCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const className = useViewClass('view', view);
  useLayoutEffect(() => {
    // A frame the worker drew for canvases that were since replaced may lack its arrays: keep the last picture.
    if (ref.current && x.length > 0) drawGrid(ref.current, renderImageGrid(x, batch, shape, range));
  }, [x, batch, shape, range]);
  return (
    <figure className={className} data-highlight={view}>
      <div className="view-frame">
        <canvas ref={ref} data-testid={testId} className="pixelated" aria-label={caption} />
        {noEstimate && <NoEstimateYet />}
        {view === 'xt' && <InpaintOverlay batch={batch} shape={shape} />}
      </div>
      <figcaption>
        <CaptionText view={view} caption={caption} />
      </figcaption>
    </figure>
  );
}

/**
 * The two grids the engine draws (WebGPU): handed over on mount, let go on unmount. Their size is
 * the grid's native size (the worker sets the same); CSS scales them up without smoothing.
 */
interface EngineDrawnProps {
  batch: number;
  shape: readonly number[];
  xCaption: string;
  denoisedCaption: string;
  noEstimate: boolean;
}

function EngineDrawnViews({ batch, shape, xCaption, denoisedCaption, noEstimate }: EngineDrawnProps) {
  const actions = useActions();
  const xRef = useRef<HTMLCanvasElement>(null);
  const denoisedRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const x = xRef.current;
    const denoised = denoisedRef.current;
    if (x === null || denoised === null) return;
    actions.attachViews(x, denoised);
    return () => actions.releaseViews(x, denoised);
  }, [actions]);
  const { width, height } = gridSize(batch, shape);
  const xClass = useViewClass('view', 'xt');
  const denoisedClass = useViewClass('view', 'x0');
  const canvas = (
    ref: typeof xRef,
    testId: string,
    caption: string,
    noEstimate: boolean,
    view: ViewHighlight,
  ) => (
    <figure className={view === 'xt' ? xClass : denoisedClass} data-highlight={view}>
      <div className="view-frame">
        <canvas
          ref={ref}
          width={width}
          height={height}
          data-testid={testId}
          data-drawn-by="engine"
          className="pixelated"
          aria-label={caption}
        />
        {noEstimate && <NoEstimateYet />}
        {view === 'xt' && <InpaintOverlay batch={batch} shape={shape} />}
      </div>
      <figcaption>
        <CaptionText view={view} caption={caption} />
      </figcaption>
    </figure>
  );
  return (
    <div className="views">
      {canvas(xRef, 'xt-canvas', xCaption, false, 'xt')}
      {canvas(denoisedRef, 'x0-canvas', denoisedCaption, noEstimate, 'x0')}
    </div>
  );
}

function ImageViews() {
  const frame = useShownFrame();
  const onWebGpu = useAppState((s) => s.backend.ep === 'webgpu');
  const engineEpoch = useAppState((s) => s.engineEpoch);
  const model = useCurrentModel();
  if (frame === null || model === undefined) return <Placeholder />;
  const forward = frame.forward;
  const captions = {
    x: forward ? forwardCaption(forward.t) : xCaption(frame.i),
    denoised: forward ? forwardDenoisedCaption : denoisedCaption,
    noEstimate: !forward && frame.i === 0,
  };
  // Only a GPU-resident run is sure to have the device the worker draws with.
  if (onWebGpu && frame.onGpu && canTransferCanvases) {
    // Keyed by the grid and the worker: a transferred canvas cannot be resized from the page, and
    // it went with a worker that was replaced, so a new grid or a new worker gets new canvases.
    return (
      <EngineDrawnViews
        key={`engine ${engineEpoch} ${frame.batch} ${frame.shape.join('×')}`}
        batch={frame.batch}
        shape={frame.shape}
        xCaption={captions.x}
        denoisedCaption={captions.denoised}
        noEstimate={captions.noEstimate}
      />
    );
  }
  const range = model.card.range;
  return (
    <div className="views" key="page">
      <GridCanvas
        testId="xt-canvas"
        view="xt"
        caption={captions.x}
        x={frame.x}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
      />
      <GridCanvas
        testId="x0-canvas"
        view="x0"
        caption={captions.denoised}
        x={frame.denoised}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
        noEstimate={captions.noEstimate}
      />
    </div>
  );
}

const viewSize = 640;
/** Cells per side of the forward view's density map (drawn smoothed). */
const DENSITY_CELLS = 96;

function PointsView() {
  const ref = useRef<HTMLCanvasElement>(null);
  const frame = useShownFrame();
  const view = useAppState((s) => s.settings.view);
  const sdeKind = useAppState((s) => s.settings.sde);
  const frameLog = useAppState((s) => s.frameLog);
  const learned = useAppState((s) => s.learnedScore);
  const figureClass = useViewClass('view points-view', 'xt', 'x0', 'score');
  const highlight = useAppState((s) => s.highlight);
  const model = useCurrentModel();
  const mixture = useMixture(model);
  const sde = useSde(model, sdeKind);
  const local = model?.id === DRAWING_ID || model?.id === TRAINED_ID;
  // 2D imputation (issue 13): the known coordinate's line, dragged on the plot.
  const imputing = useAppState((s) => s.settings.tool.kind === 'inpaint') && !local;
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || model === undefined) return;
    const bounds = model.card.range;
    if (frame === null) {
      // A drawing without points has no run yet: an empty plot to draw on.
      drawPoints(ctx, viewSize, { bounds, x: new Float32Array(0), denoised: null, arrows: [], paths: [] });
      return;
    }
    const scale = sde.scale(asTime(frame.t));
    const longest = ((bounds[1] - bounds[0]) / ARROWS_PER_SIDE) * 0.9;
    // Exact for a mixture (computed here); a network's from the engine (score-field.ts).
    let arrows: Arrow[] = [];
    const forward = frame.forward !== undefined;
    if (view.scoreField && frame.sigma > 0) {
      if (mixture !== null)
        arrows = scoreArrows(mixture, frame.sigma, scale, bounds, ARROWS_PER_SIDE, longest);
      // A learned model's arrows are asked for at the run's σ, not the forward frame's.
      else if (learned !== null && learned.runId === frame.runId && !forward)
        arrows = arrowsAt(learned.points, learned.score, learned.scale, longest);
    }
    // Forward on a mixture: the exact marginal p_t under the particles (forward.ts).
    const density =
      forward && mixture !== null
        ? {
            values: marginalDensityGrid(mixture, frame.sigma, scale, bounds, DENSITY_CELLS),
            cells: DENSITY_CELLS,
          }
        : null;
    ref.current?.setAttribute('data-density', density === null ? '0' : String(DENSITY_CELLS));
    // For tests and tools: how many arrows are drawn.
    ref.current?.setAttribute('data-arrows', String(arrows.length));
    const paths = view.trajectories && !forward ? frameLog.upTo(frame.i).map((f) => f.x) : [];
    drawPoints(ctx, viewSize, {
      bounds,
      x: frame.x,
      // At step 0 there is no estimate yet (x̂₀ would be x̃ itself); a forward frame has one.
      denoised: view.denoisedPoints && (frame.i > 0 || forward) ? frame.denoised : null,
      arrows,
      paths,
      density,
    });
  }, [frame, view, model, mixture, sde, frameLog, learned]);
  if (frame === null && !(local && model !== undefined)) return <Placeholder />;
  return (
    <div className="views">
      <figure className={figureClass} data-highlight={highlight ?? undefined}>
        <div className="view-frame">
          <canvas
            ref={ref}
            width={viewSize}
            height={viewSize}
            data-testid="points-canvas"
            aria-label="Particles x_t, their x̂₀ and the score field"
          />
          {local && model !== undefined && <DrawingOverlay size={viewSize} bounds={model.card.range} />}
          {imputing && model !== undefined && <LineOverlay size={viewSize} bounds={model.card.range} />}
        </div>
        <figcaption>
          {frame?.forward !== undefined && (
            <>
              Forward, t = {frame.forward.t.toFixed(2)}
              {mixture !== null ? ' · shading: exact p_t' : ''} ·{' '}
            </>
          )}
          {/* The key names only what is drawn (a lesson step may turn layers off). */}
          <span className="key key-x">●</span> <GlossaryTerm id="x-t">x_t</GlossaryTerm> particles
          {view.trajectories && ' and their paths'}
          {view.denoisedPoints && (
            <>
              {' · '}
              <span className="key key-x0">●</span> <GlossaryTerm id="x0-hat">x̂₀</GlossaryTerm> estimates
              {frame?.i === 0 && frame.forward === undefined ? ' (from step 1)' : ''}
            </>
          )}
          {view.scoreField && (
            <>
              {' · '}
              <span className="key-score">
                arrows: <GlossaryTerm id="score">score ∇log p_t</GlossaryTerm>
              </span>
              {mixture !== null
                ? ' (exact)'
                : model?.id === DRAWING_ID
                  ? ' (exact, empirical)'
                  : ' (the network’s)'}
            </>
          )}
        </figcaption>
      </figure>
    </div>
  );
}

function Placeholder() {
  const status = useAppState((s) => s.run.status);
  const modelId = useAppState((s) => s.settings.modelId);
  const failed = useAppState((s) => {
    const model = s.models[s.settings.modelId];
    return model?.state === 'failed' ? model.message : null;
  });
  const actions = useActions();
  if (failed !== null) {
    return (
      <div className="views placeholder" data-testid="views-placeholder">
        <p className="error-text">This model failed to load: {failed}</p>
        <button type="button" onClick={() => actions.retryModel(modelId)}>
          Retry
        </button>
      </div>
    );
  }
  return (
    <div className="views placeholder" data-testid="views-placeholder">
      {status === 'loading' ? 'Loading the model…' : 'Pick a model and press Play.'}
    </div>
  );
}

export function Views() {
  const model = useCurrentModel();
  const compare = useAppState((s) => s.run.compare);
  if (compare !== null) return <CompareViews view={compare} />;
  return model?.task === 'image' ? <ImageViews /> : <PointsView />;
}
