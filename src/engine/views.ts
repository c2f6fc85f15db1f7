/**
 * The page's x_t and x̂₀ canvases, drawn from the worker. The page hands them over once
 * (canvas.transferControlToOffscreen(), the `attachViews` request); from then on every frame of an
 * image run goes from the GPU buffers straight into them through a GridRenderer per canvas — the
 * same grid, byte for byte, as the page's renderImageGrid — with no pixels crossing threads.
 */
import type { ModelCard } from '../core/card';
import { onArrayBuffer } from '../gpu/gpu-field';
import { GridRenderer } from '../gpu/grid-render';
import type { FrameSink } from './worker-trajectory';

/** The pair of canvases the page attached. */
export interface AttachedViews {
  x: OffscreenCanvas;
  denoised: OffscreenCanvas;
}

/** Draws one run's frames (batch × the card's shape, in the card's range) into the attached canvases. */
export class ViewPainter implements FrameSink {
  private readonly xGrid: GridRenderer;
  private readonly denoisedGrid: GridRenderer;
  /** For frames of a CPU-path run: their arrays are uploaded here, then drawn. */
  private uploads: { x: GPUBuffer; denoised: GPUBuffer } | null = null;

  constructor(
    private readonly device: GPUDevice,
    readonly views: AttachedViews,
    batch: number,
    card: Pick<ModelCard, 'shape' | 'range'>,
  ) {
    const options = { batch, shape: card.shape, range: card.range };
    this.xGrid = new GridRenderer(device, options);
    try {
      this.denoisedGrid = new GridRenderer(device, options);
    } catch (e) {
      this.xGrid.destroy();
      throw e;
    }
  }

  drawBuffers(x: GPUBuffer, denoised: GPUBuffer): void {
    this.xGrid.render(x, this.views.x);
    this.denoisedGrid.render(denoised, this.views.denoised);
  }

  drawArrays(x: Float32Array, denoised: Float32Array): void {
    const bytes = this.xGrid.inputBytes;
    if (x.byteLength !== bytes || denoised.byteLength !== bytes) {
      throw new Error(
        `ViewPainter: arrays of ${x.byteLength} and ${denoised.byteLength} bytes for a ${bytes}-byte grid.`,
      );
    }
    if (!this.uploads) {
      const make = (label: string) =>
        this.device.createBuffer({
          label,
          size: bytes,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        });
      this.uploads = { x: make('view upload x'), denoised: make('view upload x̂₀') };
    }
    this.device.queue.writeBuffer(this.uploads.x, 0, onArrayBuffer(x));
    this.device.queue.writeBuffer(this.uploads.denoised, 0, onArrayBuffer(denoised));
    this.drawBuffers(this.uploads.x, this.uploads.denoised);
  }

  /** Frees the renderers' and upload buffers; the canvases keep their last picture. */
  destroy(): void {
    this.xGrid.destroy();
    this.denoisedGrid.destroy();
    this.uploads?.x.destroy();
    this.uploads?.denoised.destroy();
    this.uploads = null;
  }
}
