/**
 * Controllable generation (issue 13), in the side column: pick a tool (URL `tool=`), then
 * - Inpainting: the known image (the current samples or an uploaded PNG) and a mask drawn on the
 *   x_t view (InpaintOverlay); Play fills the rest, by replacement (Song et al. 2021, App. I.2);
 * - SDEdit: a drawing at the model's resolution; the reverse process starts from it noised to t₀
 *   (Meng et al. 2022), with a strip of results at t₀ = 0.2 … 0.8 from the same noise;
 * - Encode/decode: the round trip through the probability-flow ODE, its error and NFE;
 * - Likelihood: bits/dim (images) or −log p (points) by the PF-ODE, ± over Hutchinson probes.
 */
import { useId, useLayoutEffect, useRef, useState, type ChangeEvent } from 'react';
import { useActions, useAppState, useCurrentModel } from '../contexts';
import { drawGrid } from '../render/canvas';
import { fileToModel, paintDisc, pointerToPixel } from '../render/image-input';
import { renderImageGrid } from '../render/image-grid';
import { limits, maskPresets, type MaskPreset, type ToolKind } from '../state/settings';
import {
  compareToDrawing,
  exampleFrom,
  exampleIndex,
  knownKept,
  STRIP_T0S,
  toolStart,
} from '../state/tool-start';
import { chw } from '../../shared/grid-layout';
import { DrawingToolbar } from './DrawingToolbar';

const toolLabels: Record<ToolKind, string> = {
  inpaint: 'Inpainting',
  sdedit: 'SDEdit (from a drawing)',
  encode: 'Encode / decode',
  likelihood: 'Likelihood',
};

const presetLabels: Record<MaskPreset, string> = {
  bottom: 'Generate the bottom half',
  top: 'Generate the top half',
  left: 'Generate the left half',
  right: 'Generate the right half',
  random50: 'Generate a random half of the pixels',
};

function useShape(): { shape: number[]; range: [number, number]; dim: number } | null {
  const model = useCurrentModel();
  if (model === undefined) return null;
  const shape = model.card.shape;
  return { shape, range: model.card.range, dim: shape.reduce((a, b) => a * b, 1) };
}

/** Reads an uploaded picture into one image of the model; errors become a notice. */
function useUpload(onImage: (image: Float32Array, name: string) => void) {
  const actions = useActions();
  const info = useShape();
  return async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = '';
    if (!file || info === null) return;
    try {
      onImage(await fileToModel(file, info.shape, info.range), `upload ${file.name}`);
    } catch (e) {
      actions.notify({ kind: 'warning', title: 'The picture was not used', message: (e as Error).message });
    }
  };
}

/**
 * Real example k of the model (URL `src=example:k`; the same verified file the Forward direction
 * shows) as what the tool starts from. Shown for image models whose card ships examples.
 */
function ExamplePicker() {
  const actions = useActions();
  const model = useCurrentModel();
  const src = useAppState((s) => s.settings.tool.src);
  const chosen = exampleIndex(src);
  const [value, setValue] = useState(chosen ?? 0);
  const count = model?.task === 'image' ? (model.card.examples?.count ?? 0) : 0;
  if (count === 0) return null;
  // The link form names examples 0 … 99 (url-state.ts).
  const max = Math.min(count, 100) - 1;
  return (
    <p className="note">
      <label>
        Real example{' '}
        <input
          aria-label="Real example"
          type="number"
          min={0}
          max={max}
          step={1}
          value={value}
          onChange={(e) => {
            const k = Math.round(Number(e.currentTarget.value));
            if (k >= 0 && k <= max) setValue(k);
          }}
        />
      </label>{' '}
      <button type="button" onClick={() => actions.setToolSource(value)}>
        Use real example
      </button>
      {chosen !== null && (
        <>
          {' '}
          (now: example {chosen}, of {count})
        </>
      )}
    </p>
  );
}

/** The real example the open tool starts from (`src=example:k`), once it has arrived. */
function useChosenExample(): { k: number; image: Float32Array; heldOut: boolean } | null {
  const src = useAppState((s) => s.settings.tool.src);
  const example = useAppState((s) => s.toolData.example);
  const k = exampleIndex(src);
  return example !== null && example.k === k ? example : null;
}

function Toolbar({ onClear, onInvert }: { onClear: () => void; onInvert: () => void }) {
  const actions = useActions();
  const brush = useAppState((s) => s.toolData.brush);
  const size = useAppState((s) => s.toolData.brushSize);
  return (
    <DrawingToolbar
      tool={brush}
      onTool={(tool) => actions.setToolBrush({ brush: tool })}
      size={size}
      onSize={(brushSize) => actions.setToolBrush({ brushSize })}
      sizeRange={[1, 12]}
      onClear={onClear}
    >
      <button type="button" onClick={onInvert}>
        Invert
      </button>
    </DrawingToolbar>
  );
}

function InpaintControls() {
  const actions = useActions();
  const info = useShape();
  const data = useAppState((s) => s.toolData);
  const settings = useAppState((s) => s.settings);
  const frame = useAppState((s) => s.run.frame);
  const upload = useUpload((image, name) => actions.setKnownImage(image, name));
  if (info === null) return null;
  const start = toolStart(settings, data, info.dim);
  const check =
    start?.kind === 'data' && frame?.done && frame.x.length > 0
      ? knownKept(frame.x, start, info.range)
      : null;
  const mask = data.mask;
  return (
    <div className="tool-body">
      <p className="note">
        Known image: {data.known === null ? 'none yet' : data.knownFrom}.{' '}
        <button type="button" onClick={() => void actions.takeCurrentSample()}>
          Use the current sample
        </button>{' '}
        <label>
          Upload a PNG{' '}
          <input
            type="file"
            aria-label="Upload a PNG"
            accept="image/png,image/*"
            onChange={(e) => void upload(e)}
          />
        </label>
      </p>
      <ExamplePicker />
      <label>
        Mask preset{' '}
        <select
          aria-label="Mask preset"
          value={settings.tool.mask ?? ''}
          onChange={(e) => {
            const value = e.currentTarget.value;
            if (value !== '') actions.setMaskPreset(value as MaskPreset);
          }}
        >
          <option value="">(drawn)</option>
          {maskPresets.map((p) => (
            <option key={p} value={p}>
              {presetLabels[p]}
            </option>
          ))}
        </select>
      </label>
      <p className="note">
        Draw on the x_t view: Brush marks pixels as known (outlined), Eraser as to generate.
      </p>
      <Toolbar
        onClear={() => mask && actions.setMask(new Float32Array(mask.length))}
        onInvert={() => mask && actions.setMask(mask.map((m) => 1 - m))}
      />
      <label>
        RePaint resampling r{' '}
        <input
          aria-label="RePaint resampling r"
          type="number"
          min={limits.resample.min}
          max={limits.resample.max}
          step={1}
          value={settings.tool.resample}
          onChange={(e) => {
            const r = Math.round(Number(e.currentTarget.value));
            if (r >= limits.resample.min && r <= limits.resample.max) actions.setTool({ resample: r });
          }}
        />
      </label>
      <p className="note">
        Conditioning by replacement is approximate: after each step the known pixels are reset to the known
        image noised to the current level, but at high noise the filled part is drawn without looking at them,
        so the two parts can disagree (Song et al. 2021, App. I.2). RePaint-style resampling (Lugmayr et al.
        2022) re-noises and retakes every step r more times so the fill can adjust to the known part, at r + 1
        times the cost.
      </p>
      {check !== null && (
        <p data-testid="known-kept" className="note">
          Known pixels unchanged in the final frame: {check.kept} of {check.known}
          {check.kept === check.known ? ' (all of them)' : ''}.
        </p>
      )}
    </div>
  );
}

/** The SDEdit drawing at the model's resolution (scaled up without smoothing). */
function DrawingCanvas() {
  const actions = useActions();
  const info = useShape();
  const drawing = useAppState((s) => s.toolData.drawing);
  const brush = useAppState((s) => s.toolData.brush);
  const size = useAppState((s) => s.toolData.brushSize);
  const ref = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<Float32Array | null>(null);
  const [, refresh] = useState(0);
  const shape = info?.shape;
  const range = info?.range;
  useLayoutEffect(() => {
    if (ref.current && shape && range) {
      const image = drawing ?? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(range[0]);
      drawGrid(ref.current, renderImageGrid(image, 1, shape, range));
    }
  }, [drawing, shape, range]);
  if (info === null) return null;
  const [, height, width] = chw(info.shape);
  const blank = () => new Float32Array(info.dim).fill(info.range[0]);
  const paint = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const canvas = ref.current;
    const current = stroke.current;
    if (canvas === null || current === null) return;
    const at = pointerToPixel(canvas.getBoundingClientRect(), event.clientX, event.clientY, width, height);
    if (at === null) return;
    const value = brush === 'brush' ? info.range[1] : info.range[0];
    if (paintDisc(current, info.shape, at.x, at.y, size, value)) {
      drawGrid(canvas, renderImageGrid(current, 1, info.shape, info.range));
    }
  };
  return (
    <>
      <canvas
        ref={ref}
        width={width}
        height={height}
        className="tool-canvas pixelated"
        data-testid="sdedit-canvas"
        aria-label="SDEdit drawing at the model's resolution"
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture?.(event.pointerId);
          stroke.current = Float32Array.from(drawing ?? blank());
          paint(event);
        }}
        onPointerMove={(event) => {
          if (stroke.current !== null) paint(event);
        }}
        onPointerUp={() => {
          const done = stroke.current;
          stroke.current = null;
          if (done !== null) actions.setDrawing(done);
        }}
        onPointerCancel={() => {
          stroke.current = null;
          refresh((k) => k + 1);
        }}
      />
      <Toolbar
        onClear={() => actions.setDrawing(blank())}
        onInvert={() =>
          actions.setDrawing((drawing ?? blank()).map((v) => info.range[0] + info.range[1] - v))
        }
      />
    </>
  );
}

function JobProgress() {
  const actions = useActions();
  const job = useAppState((s) => s.toolData.job);
  if (job === null) return null;
  return (
    <div className="job" aria-live="polite">
      {job.status === 'running' && (
        <>
          <progress aria-label="Tool progress" max={1} value={job.fraction} /> {job.nfe} NFE{' '}
          <button type="button" onClick={() => actions.cancelToolJob()}>
            Cancel
          </button>
        </>
      )}
      {job.status === 'cancelled' && <p className="note">Cancelled after {job.nfe} NFE.</p>}
      {job.status === 'failed' && <p className="error-text">The tool failed: {job.error}</p>}
    </div>
  );
}

function Strip() {
  const job = useAppState((s) => s.toolData.job);
  const info = useShape();
  const refs = useRef<(HTMLCanvasElement | null)[]>([]);
  const result = job?.result?.kind === 'sdeditStrip' ? job.result : null;
  useLayoutEffect(() => {
    if (result === null || info === null) return;
    result.t0s.forEach((_, k) => {
      const canvas = refs.current[k];
      const image = result.images.subarray(k * info.dim, (k + 1) * info.dim);
      if (canvas) drawGrid(canvas, renderImageGrid(image, 1, info.shape, info.range));
    });
  }, [result, info]);
  if (result === null) return null;
  return (
    <div className="strip" data-testid="sdedit-strip">
      {result.t0s.map((t0, k) => (
        <figure key={t0}>
          <canvas
            ref={(el) => void (refs.current[k] = el)}
            className="pixelated"
            aria-label={`SDEdit result at t₀ = ${t0}`}
          />
          <figcaption>t₀ = {t0}</figcaption>
        </figure>
      ))}
    </div>
  );
}

function SdeditControls() {
  const actions = useActions();
  const info = useShape();
  const settings = useAppState((s) => s.settings);
  const drawing = useAppState((s) => s.toolData.drawing);
  const frame = useAppState((s) => s.run.frame);
  const running = useAppState((s) => s.toolData.job?.status === 'running');
  const upload = useUpload((image) => actions.setDrawing(image));
  if (info === null) return null;
  const check =
    drawing !== null && frame?.done && frame.x.length > 0 ? compareToDrawing(frame.x, drawing) : null;
  return (
    <div className="tool-body">
      <DrawingCanvas />
      <label>
        Upload a PNG{' '}
        <input
          type="file"
          aria-label="Upload a PNG"
          accept="image/png,image/*"
          onChange={(e) => void upload(e)}
        />
      </label>
      <ExamplePicker />
      <label>
        Strength t₀ ({settings.tool.t0.toFixed(2)}){' '}
        <input
          aria-label="Strength t₀"
          type="range"
          min={0.05}
          max={1}
          step={0.05}
          value={settings.tool.t0}
          onChange={(e) => actions.setTool({ t0: Number(e.currentTarget.value) })}
        />
      </label>
      <p className="note">
        &ldquo;Strength&rdquo; is t₀: the reverse process starts from the drawing noised to σ(t₀) and runs the
        Steps grid&apos;s points below it (Meng et al. 2022). Small t₀ stays close to the drawing; large t₀
        trusts the model more. Press Play.
      </p>
      <button
        type="button"
        disabled={drawing === null || running}
        onClick={() =>
          drawing && actions.runToolJob({ kind: 'sdeditStrip', data: drawing, t0s: [...STRIP_T0S] })
        }
      >
        Make the strip (t₀ = {STRIP_T0S.join(', ')})
      </button>
      <JobProgress />
      <Strip />
      {check !== null && (
        <p data-testid="sdedit-check" className="note">
          Result: {check.finite ? 'finite' : 'NOT finite'}; RMS difference from the drawing{' '}
          {check.rms.toFixed(3)}.
        </p>
      )}
    </div>
  );
}

/** The current frame's samples, for the on-demand jobs. */
function useCurrentSamples(): Float32Array | null {
  const frame = useAppState((s) => s.run.frame);
  return frame !== null && frame.x.length > 0 ? frame.x : null;
}

/**
 * What an on-demand job runs on: the real example of `src=example:k` once it has come, else the
 * current samples; with the words its button and note use.
 */
function useJobInput(): { data: Float32Array | null; what: string; fromExample: boolean } {
  const samples = useCurrentSamples();
  const example = useChosenExample();
  const src = useAppState((s) => s.settings.tool.src);
  const k = exampleIndex(src);
  if (k !== null) {
    return { data: example?.image ?? null, what: `real example ${k}`, fromExample: true };
  }
  return { data: samples, what: 'the current samples', fromExample: false };
}

/** The example picker with a way back to the current samples (encode and likelihood). */
function JobSource() {
  const actions = useActions();
  const example = useChosenExample();
  const { fromExample } = useJobInput();
  return (
    <>
      <ExamplePicker />
      {fromExample && (
        <p className="note">
          Input: {example ? exampleFrom(example.k, example.heldOut) : 'the real example (loading)'}.{' '}
          <button type="button" onClick={() => actions.setToolSource(null)}>
            Use the current samples
          </button>
        </p>
      )}
    </>
  );
}

function EncodeControls() {
  const actions = useActions();
  const { data: x, what } = useJobInput();
  const job = useAppState((s) => s.toolData.job);
  const running = job?.status === 'running';
  const result = job?.result?.kind === 'roundTrip' ? job.result : null;
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
      <JobProgress />
      {result !== null && (
        <p data-testid="round-trip" className="note">
          Round-trip RMSE {result.rmse.toExponential(2)} (largest error {result.maxError.toExponential(2)}),
          NFE {result.nfeEncode} to encode + {result.nfeDecode} to decode.
        </p>
      )}
    </div>
  );
}

function LikelihoodControls() {
  const actions = useActions();
  const { data: x, what } = useJobInput();
  const model = useCurrentModel();
  const [probes, setProbes] = useState(4);
  const job = useAppState((s) => s.toolData.job);
  const running = job?.status === 'running';
  const result = job?.result?.kind === 'likelihood' ? job.result : null;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const spread = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0)) / v.length;
  return (
    <div className="tool-body">
      <p className="note">
        log p(x) by the instantaneous change of variables along the PF-ODE (Song et al. 2021, eq. 39). The
        divergence of the drift is {model?.analytic ? 'exact for this mixture' : 'estimated'} with
        Hutchinson–Skilling probes, each a finite-difference Jacobian-vector product of the network; images
        are dequantised on the 8-bit scale and reported in bits/dim. The ± is the standard error over probes.
      </p>
      <label>
        Probes K{' '}
        <input
          aria-label="Probes K"
          type="number"
          min={1}
          max={64}
          value={probes}
          onChange={(e) =>
            setProbes(Math.min(64, Math.max(1, Math.round(Number(e.currentTarget.value)) || 1)))
          }
        />
      </label>
      <JobSource />
      <button
        type="button"
        disabled={x === null || running}
        onClick={() => x && actions.runToolJob({ kind: 'likelihood', data: Float32Array.from(x), probes })}
      >
        Compute the likelihood of {what}
      </button>
      <JobProgress />
      {result !== null && (
        <p data-testid="likelihood" className="note">
          {result.bpd !== null && result.bpdStdErr !== null
            ? `Mean ${mean(result.bpd).toFixed(3)} ± ${spread(result.bpdStdErr).toFixed(3)} bits/dim`
            : `Mean −log p ${mean(result.nll).toFixed(3)} ± ${spread(result.stdErr).toFixed(3)} nats`}{' '}
          over {result.nll.length} samples; {result.nfe} NFE,{' '}
          {result.exact ? 'exact divergence' : `${result.probes} probes`}, rtol {result.tolerance}.
        </p>
      )}
    </div>
  );
}

export function ToolPanel() {
  const actions = useActions();
  const model = useCurrentModel();
  const kind = useAppState((s) => s.settings.tool.kind);
  const image = model?.task === 'image';
  const kinds: ToolKind[] = image ? ['inpaint', 'sdedit', 'encode', 'likelihood'] : ['encode', 'likelihood'];
  const id = useId();
  return (
    <div className="tool-panel">
      <label htmlFor={id}>Tool</label>{' '}
      <select
        id={id}
        value={kind ?? ''}
        onChange={(e) => {
          const value = e.currentTarget.value;
          actions.setTool({ kind: value === '' ? null : (value as ToolKind) });
        }}
      >
        <option value="">None</option>
        {kinds.map((k) => (
          <option key={k} value={k}>
            {toolLabels[k]}
          </option>
        ))}
      </select>
      {kind === 'inpaint' && image && <InpaintControls />}
      {kind === 'sdedit' && image && <SdeditControls />}
      {kind === 'encode' && <EncodeControls />}
      {kind === 'likelihood' && <LikelihoodControls />}
    </div>
  );
}
