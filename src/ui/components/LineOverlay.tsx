/**
 * 2D imputation (issue 13): the line x = c (or y = c) over the 2D view, dragged to choose the known
 * value. The particles keep that coordinate and sample the other one (ToolPanel's "Imputation").
 * The view's own canvas is untouched: this one sits on top, the same size, with the same object-fit.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { useActions, useAppState } from '../contexts';

/** The known value, rounded to the plot's hundredths (the link keeps it short). */
const snap = (v: number) => Math.round(v * 100) / 100;

export function LineOverlay({ size, bounds }: { size: number; bounds: readonly [number, number] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const actions = useActions();
  const line = useAppState((s) => s.settings.tool.line);
  /** The value while dragging (committed on release: one restart per drag). */
  const [dragging, setDragging] = useState<number | null>(null);
  const at = dragging ?? line.at;
  const [lo, hi] = bounds;

  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, size, size);
    const p = ((at - lo) / (hi - lo)) * size;
    ctx.strokeStyle = '#ffd23c';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    if (line.axis === 'x') {
      ctx.moveTo(p, 0);
      ctx.lineTo(p, size);
    } else {
      ctx.moveTo(0, size - p);
      ctx.lineTo(size, size - p);
    }
    ctx.stroke();
    ref.current?.setAttribute('data-at', String(at));
  }, [at, line.axis, lo, hi, size]);

  /** The known value under the pointer (the picture is a centred square: object-fit contain). */
  const valueAt = (e: React.PointerEvent<HTMLCanvasElement>): number => {
    const rect = e.currentTarget.getBoundingClientRect();
    const side = Math.min(rect.width, rect.height);
    const u = (e.clientX - rect.left - (rect.width - side) / 2) / side;
    const v = (e.clientY - rect.top - (rect.height - side) / 2) / side;
    const f = line.axis === 'x' ? u : 1 - v;
    return snap(lo + Math.min(1, Math.max(0, f)) * (hi - lo));
  };

  return (
    <canvas
      ref={ref}
      width={size}
      height={size}
      className="tool-overlay"
      data-testid="impute-line"
      aria-label={`The known ${line.axis}: drag the line to move it`}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture?.(e.pointerId);
        setDragging(valueAt(e));
      }}
      onPointerMove={(e) => {
        if (dragging !== null) setDragging(valueAt(e));
      }}
      onPointerUp={(e) => {
        if (dragging === null) return;
        const value = valueAt(e);
        setDragging(null);
        actions.setTool({ line: { axis: line.axis, at: value } });
      }}
      onPointerCancel={() => setDragging(null)}
    />
  );
}
