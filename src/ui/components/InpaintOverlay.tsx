/**
 * The inpainting mask on the x_t view (issue 13): an overlay canvas over the grid (the view's own
 * canvas may belong to the worker), drawn at the grid's size. The known region is tinted and
 * outlined in every tile; Brush marks pixels known, Eraser marks them to generate, and one mask
 * serves every sample. A finished stroke restarts the run with the new mask (tool-actions.ts).
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useActions, useAppState } from '../contexts';
import { paintDisc, pointerToPixel } from '../render/image-input';
import { chw, GUTTER, gridColumns, gridSize } from '../../shared/grid-layout';

const TINT = [80, 170, 255, 70] as const;
const OUTLINE = [255, 210, 60, 255] as const;

/** Draws the mask's known region of every tile: a tint, and an outline on its edge. */
function drawMask(canvas: HTMLCanvasElement, mask: Float32Array, batch: number, shape: readonly number[]) {
  const { width, height } = gridSize(batch, shape);
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const image = ctx.createImageData(width, height);
  const [, h, w] = chw(shape);
  const cols = gridColumns(batch);
  const known = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] > 0;
  for (let b = 0; b < batch; b++) {
    const ox = (b % cols) * (w + GUTTER);
    const oy = Math.floor(b / cols) * (h + GUTTER);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!known(x, y)) continue;
        const edge = !known(x - 1, y) || !known(x + 1, y) || !known(x, y - 1) || !known(x, y + 1);
        const colour = edge ? OUTLINE : TINT;
        const at = 4 * ((oy + y) * width + ox + x);
        image.data.set(colour, at);
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}

export function InpaintOverlay({ batch, shape }: { batch: number; shape: readonly number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const actions = useActions();
  const open = useAppState((s) => s.settings.tool.kind === 'inpaint');
  const mask = useAppState((s) => s.toolData.mask);
  const brush = useAppState((s) => s.toolData.brush);
  const size = useAppState((s) => s.toolData.brushSize);
  const { width, height } = gridSize(batch, shape);
  const [, h, w] = chw(shape);
  // The stroke in progress, on a copy of the mask.
  const stroke = useRef<Float32Array | null>(null);

  useLayoutEffect(() => {
    if (ref.current && mask !== null && mask.length >= w * h) drawMask(ref.current, mask, batch, shape);
  }, [mask, batch, shape, w, h]);
  useEffect(() => () => void (stroke.current = null), []);

  if (!open || mask === null) return null;

  const paintAt = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const canvas = ref.current;
    const current = stroke.current;
    if (canvas === null || current === null) return;
    const at = pointerToPixel(canvas.getBoundingClientRect(), event.clientX, event.clientY, width, height);
    if (at === null) return;
    const cellX = at.x % (w + GUTTER);
    const cellY = at.y % (h + GUTTER);
    if (cellX >= w || cellY >= h) return;
    if (paintDisc(current, shape, cellX, cellY, size, brush === 'brush' ? 1 : 0)) {
      drawMask(canvas, current, batch, shape);
    }
  };
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      className="tool-overlay pixelated"
      data-testid="mask-overlay"
      aria-label="Inpainting mask: Brush marks known pixels, Eraser marks pixels to generate"
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture?.(event.pointerId);
        stroke.current = Float32Array.from(mask);
        paintAt(event);
      }}
      onPointerMove={(event) => {
        if (stroke.current !== null) paintAt(event);
      }}
      onPointerUp={() => {
        const done = stroke.current;
        stroke.current = null;
        if (done !== null) actions.setMask(done);
      }}
      onPointerCancel={() => {
        stroke.current = null;
        if (ref.current) drawMask(ref.current, mask, batch, shape);
      }}
    />
  );
}
