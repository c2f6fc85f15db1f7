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
import { gridSize } from '../../shared/grid-layout';
import { GlossaryTerm } from './Glossary';

const xCaption = (i: number): string => `x_t — the sample at step ${i}`;

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
function EngineDrawnViews({ step, batch, shape }: { step: number; batch: number; shape: readonly number[] }) {
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
      </div>
      <figcaption>
        <CaptionText view={view} caption={caption} />
      </figcaption>
    </figure>
  );
  return (
    <div className="views">
      {canvas(xRef, 'xt-canvas', xCaption(step), false, 'xt')}
      {canvas(denoisedRef, 'x0-canvas', denoisedCaption, step === 0, 'x0')}
    </div>
  );
}

function ImageViews() {
  const frame = useAppState((s) => s.run.frame);
  const onWebGpu = useAppState((s) => s.backend.ep === 'webgpu');
  const engineEpoch = useAppState((s) => s.engineEpoch);
  const model = useCurrentModel();
  if (frame === null || model === undefined) return <Placeholder />;
  // Only a GPU-resident run is sure to have the device the worker draws with.
  if (onWebGpu && frame.onGpu && canTransferCanvases) {
    // Keyed by the grid and the worker: a transferred canvas cannot be resized from the page, and
    // it went with a worker that was replaced, so a new grid or a new worker gets new canvases.
    return (
      <EngineDrawnViews
        key={`engine ${engineEpoch} ${frame.batch} ${frame.shape.join('×')}`}
        step={frame.i}
        batch={frame.batch}
        shape={frame.shape}
      />
    );
  }
  const range = model.card.range;
  return (
    <div className="views" key="page">
      <GridCanvas
        testId="xt-canvas"
        view="xt"
        caption={xCaption(frame.i)}
        x={frame.x}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
      />
      <GridCanvas
        testId="x0-canvas"
        view="x0"
        caption={denoisedCaption}
        x={frame.denoised}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
        noEstimate={frame.i === 0}
      />
    </div>
  );
}

const viewSize = 640;

function PointsView() {
  const ref = useRef<HTMLCanvasElement>(null);
  const frame = useAppState((s) => s.run.frame);
  const view = useAppState((s) => s.settings.view);
  const sdeKind = useAppState((s) => s.settings.sde);
  const frameLog = useAppState((s) => s.frameLog);
  const learned = useAppState((s) => s.learnedScore);
  const figureClass = useViewClass('view points-view', 'xt', 'x0', 'score');
  const highlight = useAppState((s) => s.highlight);
  const model = useCurrentModel();
  const mixture = useMixture(model);
  const sde = useSde(model, sdeKind);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || frame === null || model === undefined) return;
    const bounds = model.card.range;
    const scale = sde.scale(asTime(frame.t));
    const longest = ((bounds[1] - bounds[0]) / ARROWS_PER_SIDE) * 0.9;
    // Exact for a mixture (computed here); a network's from the engine (score-field.ts).
    let arrows: Arrow[] = [];
    if (view.scoreField && frame.sigma > 0) {
      if (mixture !== null)
        arrows = scoreArrows(mixture, frame.sigma, scale, bounds, ARROWS_PER_SIDE, longest);
      else if (learned !== null && learned.runId === frame.runId)
        arrows = arrowsAt(learned.points, learned.score, learned.scale, longest);
    }
    // For tests and tools: how many arrows are drawn.
    ref.current?.setAttribute('data-arrows', String(arrows.length));
    const paths = view.trajectories ? frameLog.upTo(frame.i).map((f) => f.x) : [];
    drawPoints(ctx, viewSize, {
      bounds,
      x: frame.x,
      // At step 0 there is no estimate yet (x̂₀ would be x̃ itself).
      denoised: view.denoisedPoints && frame.i > 0 ? frame.denoised : null,
      arrows,
      paths,
    });
  }, [frame, view, model, mixture, sde, frameLog, learned]);
  if (frame === null) return <Placeholder />;
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
        </div>
        <figcaption>
          {/* The key names only what is drawn (a lesson step may turn layers off). */}
          <span className="key key-x">●</span> <GlossaryTerm id="x-t">x_t</GlossaryTerm> particles
          {view.trajectories && ' and their paths'}
          {view.denoisedPoints && (
            <>
              {' · '}
              <span className="key key-x0">●</span> <GlossaryTerm id="x0-hat">x̂₀</GlossaryTerm> estimates
              {frame.i === 0 ? ' (from step 1)' : ''}
            </>
          )}
          {view.scoreField && (
            <>
              {' · '}
              <span className="key-score">
                arrows: <GlossaryTerm id="score">score ∇log p_t</GlossaryTerm>
              </span>
              {mixture !== null ? ' (exact)' : ' (the network’s)'}
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
  return model?.task === 'image' ? <ImageViews /> : <PointsView />;
}
