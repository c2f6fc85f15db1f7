/**
 * Your own data (issue 15): the canvas over the 2D view. On "Your drawing" it shows the drawn
 * points and takes the Brush (spray) and the Eraser; while a network trains it shows the training
 * view instead (render/training-view.ts). The view's own canvas is untouched (it may belong to the
 * worker), so this one sits on top, the same size, with the same object-fit.
 */
import { useLayoutEffect, useRef } from 'react';
import { useActions, useAppState } from '../contexts';
import { DRAWING_ID, erase, spray } from '../state/drawing';
import { drawDrawing, drawTrainingView } from '../render/training-view';

/** Dabs so far in this page: each dab's points come from its own Philox stream. */
let dabCounter = 1;

export function DrawingOverlay({ size, bounds }: { size: number; bounds: readonly [number, number] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const actions = useActions();
  const modelId = useAppState((s) => s.settings.modelId);
  const points = useAppState((s) => s.drawing.points);
  const tool = useAppState((s) => s.drawing.tool);
  const brush = useAppState((s) => s.drawing.size);
  const training = useAppState((s) => s.drawing.training);
  /** The stroke in progress: edited here, committed on release (one model update per stroke). */
  const stroke = useRef<Float32Array | null>(null);
  const editable = modelId === DRAWING_ID && training.status === 'idle';
  const showTraining = training.status !== 'idle' && training.snapshot !== null;
  const snapshot = showTraining ? training.snapshot : null;

  const paint = (current: Float32Array) => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    if (snapshot !== null) drawTrainingView(ctx, size, bounds, snapshot, current);
    else if (modelId === DRAWING_ID) drawDrawing(ctx, size, bounds, current);
    else ctx.clearRect(0, 0, size, size);
  };

  useLayoutEffect(() => {
    paint(stroke.current ?? points);
    ref.current?.setAttribute('data-points', String(points.length / 2));
    // Repaint only when the picture changes (not on every loss report).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points, snapshot, modelId, bounds, size]);

  /** Plot coordinates of a pointer event (the picture is a centred square: object-fit contain). */
  const toPlot = (e: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const rect = e.currentTarget.getBoundingClientRect();
    const side = Math.min(rect.width, rect.height);
    const u = (e.clientX - rect.left - (rect.width - side) / 2) / side;
    const v = (e.clientY - rect.top - (rect.height - side) / 2) / side;
    const [lo, hi] = bounds;
    return [lo + u * (hi - lo), hi - v * (hi - lo)];
  };
  /** The slider's size is in pixels of the picture (size × size), whatever its size on screen. */
  const radius = (brush / size) * (bounds[1] - bounds[0]);

  const apply = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const [x, y] = toPlot(e);
    const r = radius;
    const current = stroke.current ?? points;
    const next =
      tool === 'brush'
        ? spray(current, x, y, r, Math.max(2, Math.round(brush / 6)), dabCounter++)
        : erase(current, x, y, r);
    stroke.current = next;
    paint(next);
  };

  if (modelId !== DRAWING_ID && !showTraining) return null;
  return (
    <canvas
      ref={ref}
      width={size}
      height={size}
      className={`drawing-overlay${editable ? ' editable' : ''}`}
      data-testid="drawing-overlay"
      aria-label={
        showTraining
          ? 'Training view: learned score (orange) over the exact score (grey), disagreement in red, samples in green'
          : 'Drawing canvas: drag to spray points with the Brush or remove them with the Eraser'
      }
      onPointerDown={(e) => {
        if (!editable || e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        stroke.current = points;
        apply(e);
      }}
      onPointerMove={(e) => {
        if (editable && stroke.current !== null) apply(e);
      }}
      onPointerUp={() => {
        const done = stroke.current;
        stroke.current = null;
        if (done !== null && done !== points) actions.setDrawingPoints(done);
      }}
      onPointerCancel={() => {
        stroke.current = null;
        paint(points);
      }}
    />
  );
}
