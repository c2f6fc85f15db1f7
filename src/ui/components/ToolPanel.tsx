/**
 * Controllable generation (issue 13), in the side column: pick a tool (URL `tool=`), then
 * - Inpainting: the known image (the current samples or an uploaded PNG) and a mask drawn on the
 *   x_t view (InpaintOverlay); Play fills the rest, by replacement (Song et al. 2021, App. I.2);
 * - SDEdit: a drawing at the model's resolution; the reverse process starts from it noised to t₀
 *   (Meng et al. 2022), with a strip of results at t₀ = 0.2 … 0.8 from the same noise;
 * - Encode/decode: the round trip through the probability-flow ODE, its error and NFE, latent
 *   interpolation (images) and the flow map (2D), in EncodeTools.tsx;
 * - Likelihood: bits/dim (images) or −log p (points) by the PF-ODE, ± over Hutchinson probes.
 */
import { useId, useLayoutEffect, useRef, useState, type ChangeEvent } from 'react';
import { useActions, useAppState, useCurrentModel } from '../contexts';
import { drawGrid } from '../render/canvas';
import { fileToModel, paintDisc, pointerToPixel } from '../render/image-input';
import { renderImageGrid } from '../render/image-grid';
import { logDensityImage } from '../render/density-map';
import { mixtureConditional } from '../../core/conditional';
import { MAX_MAP_CELLS } from '../../engine/protocol';
import { DRAWING_ID, TRAINED_ID } from '../state/drawing';
import { useMixture } from '../state/model-math';
import { limits, maskPresets, type LineAxis, type MaskPreset, type ToolKind } from '../state/settings';
import {
  compareToDrawing,
  imputeCheck,
  IMPUTE_BINS,
  knownKept,
  STRIP_T0S,
  toolStart,
} from '../state/tool-start';
import { chw } from '../../shared/grid-layout';
import { DrawingToolbar } from './DrawingToolbar';
import { EncodeControls } from './EncodeTools';
import { ExamplePicker, JobProgress, JobSource, WholeNumberField, useJobInput, useShape } from './tool-parts';

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

/** Reads an uploaded picture into one image of the model; errors become a notice. */
function useUpload(onImage: (image: Float32Array, name: string) => void) {
  const actions = useActions();
  const info = useShape();
  return async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = '';
    if (!file || info === null) return;
    try {
      onImage(await fileToModel(file, file.name, info.shape, info.range), `upload ${file.name}`);
    } catch (e) {
      actions.notify({ kind: 'warning', title: 'The picture was not used', message: (e as Error).message });
    }
  };
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
        log p(x) by the instantaneous change of variables along the PF-ODE (Song et al. 2021, eq. 39).{' '}
        {model?.analytic
          ? 'For this mixture the divergence of the drift is computed exactly, so the probes are not used.'
          : 'The divergence of the drift is estimated with K Hutchinson–Skilling probes, each a ' +
            'finite-difference Jacobian-vector product of the network; the ± is the standard error over ' +
            'probes.'}{' '}
        Images are dequantised on the 8-bit scale and reported in bits/dim.
      </p>
      <WholeNumberField label="Probes K" min={1} max={64} value={probes} onChange={setProbes} />
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

/**
 * 2D imputation: every particle knows one coordinate (the line dragged on the plot) and the run
 * samples the other, by replacement after every step (Song et al. 2021, App. I.2). On an exact
 * mixture the histogram of the free coordinate is drawn against the exact conditional.
 */
function ImputeControls() {
  const actions = useActions();
  const model = useCurrentModel();
  const mixture = useMixture(model);
  const tool = useAppState((s) => s.settings.tool);
  const frame = useAppState((s) => s.run.frame);
  const [text, setText] = useState<string | null>(null);
  if (model === undefined) return null;
  const { axis, at } = tool.line;
  const free: LineAxis = axis === 'x' ? 'y' : 'x';
  const range = model.card.range;
  const exact = mixture ? mixtureConditional(mixture.mixture, axis === 'x' ? 0 : 1, at) : null;
  const done = frame?.done === true && frame.x.length > 0 && frame.forward === undefined;
  const check = done ? imputeCheck(frame.x, tool.line, range, exact) : null;
  return (
    <div className="tool-body">
      <p className="note">
        Drag the dashed line on the plot: every particle keeps {axis} = {at.toFixed(2)} and the run samples{' '}
        {free}. Press Play.
      </p>
      <label>
        Fixed coordinate{' '}
        <select
          aria-label="Fixed coordinate"
          value={axis}
          onChange={(e) => actions.setTool({ line: { axis: e.currentTarget.value as LineAxis, at } })}
        >
          <option value="x">x (a vertical line)</option>
          <option value="y">y (a horizontal line)</option>
        </select>
      </label>{' '}
      <label>
        Known value{' '}
        <input
          aria-label="Known value"
          type="number"
          step={0.05}
          min={range[0]}
          max={range[1]}
          value={text ?? String(at)}
          onChange={(e) => setText(e.currentTarget.value)}
          onBlur={() => {
            const v = Number(text);
            setText(null);
            if (text !== null && text.trim() !== '' && Number.isFinite(v) && v >= range[0] && v <= range[1])
              actions.setTool({ line: { axis, at: Math.round(v * 100) / 100 } });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
          }}
        />
      </label>
      <label>
        RePaint resampling r{' '}
        <input
          aria-label="RePaint resampling r"
          type="number"
          min={limits.resample.min}
          max={limits.resample.max}
          step={1}
          value={tool.resample}
          onChange={(e) => {
            const r = Math.round(Number(e.currentTarget.value));
            if (r >= limits.resample.min && r <= limits.resample.max) actions.setTool({ resample: r });
          }}
        />
      </label>
      <p className="note">
        Replacement only approximates p({free} | {axis} = c): at high noise the known {axis} hardly tells the
        mixture&apos;s components apart, so {free} is drawn nearly from its marginal and later steps cannot
        fully correct it (Song et al. 2021, App. I.2). Resampling (r &gt; 0) narrows the gap; for ring8 at x =
        1 the histogram&apos;s total variation to the exact conditional goes from 0.17 to 0.06 (1,000
        particles, 50 steps, r = 3).
      </p>
      {check !== null && (
        <div data-testid="impute-check" data-tv={check.tv ?? ''} data-on-line={check.onLine}>
          <HistogramChart hist={check.hist} masses={check.masses} range={range} free={free} />
          <p className="note">
            Particles on the line: {check.onLine} of {check.count}.
            {check.tv !== null &&
              ` Total variation of the ${free} histogram to the exact p(${free} | ${axis} = ${at}): ${check.tv.toFixed(3)}` +
                ` (${IMPUTE_BINS} bins; ${check.count} particles give about ${(0.5 * Math.sqrt((2 * IMPUTE_BINS) / (Math.PI * check.count))).toFixed(2)} even for exact samples).`}
          </p>
        </div>
      )}
    </div>
  );
}

/** The free coordinate's histogram (bars) and the exact conditional's bin masses (line), as SVG. */
function HistogramChart({
  hist,
  masses,
  range,
  free,
}: {
  hist: Float64Array;
  masses: Float64Array | null;
  range: readonly [number, number];
  free: LineAxis;
}) {
  const width = 240;
  const height = 80;
  const top = Math.max(...hist, ...(masses ?? [])) || 1;
  const bin = width / hist.length;
  const yOf = (v: number) => height - (v / top) * (height - 4);
  return (
    <svg
      className="impute-chart"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Histogram of ${free} over ${range[0]} to ${range[1]}${masses ? ' with the exact conditional' : ''}`}
    >
      {Array.from(hist, (h, k) => (
        <rect key={k} x={k * bin + 0.5} y={yOf(h)} width={bin - 1} height={height - yOf(h)} fill="#5eb0ff" />
      ))}
      {masses && (
        <polyline
          fill="none"
          stroke="#ffd23c"
          strokeWidth={2}
          points={Array.from(masses, (m, k) => `${(k + 0.5) * bin},${yOf(m)}`).join(' ')}
        />
      )}
    </svg>
  );
}

/**
 * 2D likelihood: log p_ε on a grid by the PF-ODE (eq. 39 of Song et al. 2021), on demand with
 * progress and Cancel; beside it the closed form on an exact mixture.
 */
function DensityMapControls() {
  const actions = useActions();
  const [cells, setCells] = useState(16);
  const [probes, setProbes] = useState(1);
  const model = useCurrentModel();
  const job = useAppState((s) => s.toolData.job);
  const running = job?.status === 'running';
  const result = job?.result?.kind === 'likelihoodMap' ? job.result : null;
  return (
    <div className="tool-body">
      <p className="note">
        The log-density map: every cell centre is one sample of one ODE solve, log p at t = ε (the smallest
        noise level) by the instantaneous change of variables (Song et al. 2021, eq. 39).{' '}
        {model?.analytic ? 'Beside it, the exact log p of the mixture at the same σ(ε).' : ''}
      </p>
      <WholeNumberField
        label="Cells per side"
        min={2}
        max={MAX_MAP_CELLS}
        value={cells}
        onChange={setCells}
      />
      {!model?.analytic && (
        <WholeNumberField label="Map probes" min={1} max={16} value={probes} onChange={setProbes} />
      )}{' '}
      <button
        type="button"
        disabled={running}
        onClick={() => actions.runToolJob({ kind: 'likelihoodMap', cells, probes })}
      >
        Compute the log-density map
      </button>
      {result !== null && (
        <div data-testid="density-map" data-max-gap={result.maxGap ?? ''}>
          <div className="density-maps">
            <MapCanvas
              logp={result.logp}
              cells={result.cells}
              label="log p by the PF-ODE"
              scale={result.exactLogp ?? result.logp}
            />
            {result.exactLogp !== null && (
              <MapCanvas
                logp={result.exactLogp}
                cells={result.cells}
                label="exact log p"
                scale={result.exactLogp}
              />
            )}
          </div>
          <p className="note">
            {result.cells} × {result.cells} cells, {result.nfe} NFE,{' '}
            {result.probes === 0
              ? 'exact divergence'
              : `${result.probes} probe${result.probes > 1 ? 's' : ''}`}
            , rtol {result.tolerance}.
            {result.maxGap !== null && ` Largest gap to the exact map: ${result.maxGap.toFixed(4)} nats.`}
          </p>
        </div>
      )}
    </div>
  );
}

/** One log-density map, coloured on the range of `scale` (so two maps share one colour scale). */
function MapCanvas({
  logp,
  cells,
  label,
  scale,
}: {
  logp: number[];
  cells: number;
  label: string;
  scale: number[];
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    drawGrid(canvas, { width: cells, height: cells, data: logDensityImage(logp, cells, scale) });
  }, [logp, cells, scale]);
  return (
    <figure>
      <canvas ref={ref} className="pixelated" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function ToolPanel() {
  const actions = useActions();
  const model = useCurrentModel();
  const kind = useAppState((s) => s.settings.tool.kind);
  const image = model?.task === 'image';
  // 2D: imputation of one coordinate on every model the page does not draw itself.
  const imputable = !image && model !== undefined && model.id !== DRAWING_ID && model.id !== TRAINED_ID;
  const kinds: ToolKind[] = image
    ? ['inpaint', 'sdedit', 'encode', 'likelihood']
    : imputable
      ? ['inpaint', 'encode', 'likelihood']
      : ['encode', 'likelihood'];
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
            {k === 'inpaint' && !image ? 'Imputation (fix one coordinate)' : toolLabels[k]}
          </option>
        ))}
      </select>
      {kind === 'inpaint' && image && <InpaintControls />}
      {kind === 'inpaint' && imputable && <ImputeControls />}
      {kind === 'sdedit' && image && <SdeditControls />}
      {kind === 'encode' && <EncodeControls />}
      {kind === 'likelihood' && <LikelihoodControls />}
      {kind === 'likelihood' && !image && model !== undefined && <DensityMapControls />}
    </div>
  );
}
