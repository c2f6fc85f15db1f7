/** The pictures: x_t and x̂₀ grids side by side for images; a particle view for 2D models. */
import { useEffect, useRef } from 'react';
import { useCurrentModel } from '../app-context';
import { drawGridCrisp } from '../render/canvas';
import { renderImageGrid } from '../render/image-grid';
import { drawPoints } from '../render/points';
import { scoreArrows } from '../render/score-field';
import { useMixture, useSde } from '../model-math';
import { useAppState } from '../store';
import { asTime } from '../../core/types';

interface GridCanvasProps {
  testId: string;
  caption: string;
  x: Float32Array;
  batch: number;
  shape: readonly number[];
  range: readonly [number, number];
}

function GridCanvas({ testId, caption, x, batch, shape, range }: GridCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) drawGridCrisp(ref.current, renderImageGrid(x, batch, shape, range));
  }, [x, batch, shape, range]);
  return (
    <figure className="view">
      <canvas ref={ref} data-testid={testId} className="pixelated" aria-label={caption} />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

function ImageViews() {
  const frame = useAppState((s) => s.run.frame);
  const model = useCurrentModel();
  if (frame === null || model === undefined) return <Placeholder />;
  const range = model.card.range;
  return (
    <div className="views">
      <GridCanvas
        testId="xt-canvas"
        caption={`x_t — the sample at step ${frame.i}`}
        x={frame.x}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
      />
      <GridCanvas
        testId="x0-canvas"
        caption="x̂₀ — the denoiser's guess of the clean image"
        x={frame.denoised}
        batch={frame.batch}
        shape={frame.shape}
        range={range}
      />
    </div>
  );
}

const viewSize = 640;
/** Score arrows per side of the 2D view. */
const arrowsPerSide = 17;

function PointsView() {
  const ref = useRef<HTMLCanvasElement>(null);
  const frame = useAppState((s) => s.run.frame);
  const view = useAppState((s) => s.settings.view);
  const sdeKind = useAppState((s) => s.settings.sde);
  const frameLog = useAppState((s) => s.frameLog);
  const model = useCurrentModel();
  const mixture = useMixture(model);
  const sde = useSde(model, sdeKind);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || frame === null || model === undefined) return;
    const bounds = model.card.range;
    const scale = sde.scale(asTime(frame.t));
    const arrows =
      view.scoreField && mixture !== null
        ? scoreArrows(
            mixture,
            frame.sigma,
            scale,
            bounds,
            arrowsPerSide,
            ((bounds[1] - bounds[0]) / arrowsPerSide) * 0.9,
          )
        : [];
    const paths = view.trajectories ? frameLog.upTo(frame.i).map((f) => f.x) : [];
    drawPoints(ctx, viewSize, {
      bounds,
      x: frame.x,
      denoised: view.denoisedPoints ? frame.denoised : null,
      arrows,
      paths,
    });
  }, [frame, view, model, mixture, sde, frameLog]);
  if (frame === null) return <Placeholder />;
  return (
    <div className="views">
      <figure className="view points-view">
        <canvas
          ref={ref}
          width={viewSize}
          height={viewSize}
          data-testid="points-canvas"
          aria-label="Particles x_t, their x̂₀ and the score field"
        />
        <figcaption>
          <span className="key key-x">●</span> x_t particles · <span className="key key-x0">●</span> x̂₀
          estimates · arrows: score ∇log p_t
          {mixture !== null ? ' (exact)' : ''}
        </figcaption>
      </figure>
    </div>
  );
}

function Placeholder() {
  const status = useAppState((s) => s.run.status);
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
