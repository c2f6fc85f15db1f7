/**
 * The drawing tools shared by every feature that paints on a view (a drawn 2D data set, an
 * inpainting mask): Brush and Eraser as toggle buttons, Clear, and a brush-size slider. Purely
 * presentational: the canvas or overlay that the tools act on belongs to each feature.
 */
import { useId, type ReactNode } from 'react';

export type DrawingTool = 'brush' | 'eraser';

export interface DrawingToolbarProps {
  tool: DrawingTool;
  onTool: (tool: DrawingTool) => void;
  size: number;
  onSize: (size: number) => void;
  sizeRange: [number, number];
  onClear: () => void;
  /** Extra buttons a feature adds after Clear (e.g. "Invert"). */
  children?: ReactNode;
}

export function DrawingToolbar({
  tool,
  onTool,
  size,
  onSize,
  sizeRange,
  onClear,
  children,
}: DrawingToolbarProps) {
  const sizeId = useId();
  const [min, max] = sizeRange;
  const step = Number.isInteger(min) && Number.isInteger(max) && max - min >= 10 ? 1 : (max - min) / 100;
  return (
    <div role="toolbar" aria-label="Drawing tools" className="drawing-toolbar">
      <button type="button" aria-pressed={tool === 'brush'} onClick={() => onTool('brush')}>
        Brush
      </button>
      <button type="button" aria-pressed={tool === 'eraser'} onClick={() => onTool('eraser')}>
        Eraser
      </button>
      <button type="button" onClick={onClear}>
        Clear
      </button>
      {children}
      <label htmlFor={sizeId} className="drawing-size">
        Brush size
      </label>
      <input
        id={sizeId}
        type="range"
        min={min}
        max={max}
        step={step}
        value={size}
        aria-valuetext={String(size)}
        onChange={(e) => onSize(Number(e.target.value))}
      />
    </div>
  );
}
