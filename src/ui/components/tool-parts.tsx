/**
 * Pieces the controllable-generation tools share (ToolPanel.tsx, EncodeTools.tsx): the model's
 * shape, the real example a tool starts from, what an on-demand job runs on, its progress and
 * Cancel, where it ran, and the probe-count field.
 */
import { useState } from 'react';
import { useActions, useAppState, useCurrentModel } from '../contexts';
import { exampleFrom, exampleIndex } from '../state/tool-start';

export function useShape(): { shape: number[]; range: [number, number]; dim: number } | null {
  const model = useCurrentModel();
  if (model === undefined) return null;
  const shape = model.card.shape;
  return { shape, range: model.card.range, dim: shape.reduce((a, b) => a * b, 1) };
}

/**
 * Real example k of the model (URL `src=example:k`; the same verified file the Forward direction
 * shows) as what the tool starts from. Shown for image models whose card ships examples.
 */
export function ExamplePicker() {
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
export function useChosenExample(): { k: number; image: Float32Array; heldOut: boolean } | null {
  const src = useAppState((s) => s.settings.tool.src);
  const example = useAppState((s) => s.toolData.example);
  const k = exampleIndex(src);
  return example !== null && example.k === k ? example : null;
}

/**
 * Where a finished job ran, on WebGPU: GPU-resident (its vectors stayed in GPU buffers beside a
 * GPU-resident run) or on the CPU path (a run set to the CPU path, or an exact mixture).
 */
export function JobPlace({ onGpu }: { onGpu: boolean }) {
  const ep = useAppState((s) => s.backend.ep);
  if (ep !== 'webgpu') return null;
  return (
    <p className="note" data-testid="job-place">
      {onGpu
        ? "Ran GPU-resident: the solver's vectors stayed in GPU buffers and only per-sample norms and the result came back."
        : 'Ran on the CPU path: the vectors stayed in JavaScript arrays and each network call copied its batch to the GPU and back.'}
    </p>
  );
}

export function JobProgress() {
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
      {job.status === 'done' && job.result !== null && <JobPlace onGpu={job.result.onGpu} />}
    </div>
  );
}

/** The current frame's samples, for the on-demand jobs. */
export function useCurrentSamples(): Float32Array | null {
  const frame = useAppState((s) => s.run.frame);
  // Samples are data only at the end of a reverse run: before, they are x_t at some t > ε.
  const data = frame !== null && frame.done && frame.forward === undefined && frame.x.length > 0;
  return data ? frame.x : null;
}

/**
 * What an on-demand job runs on: the real example of `src=example:k` once it has come, else the
 * current samples; with the words its button and note use.
 */
export function useJobInput(): { data: Float32Array | null; what: string; fromExample: boolean } {
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
export function JobSource() {
  const actions = useActions();
  const example = useChosenExample();
  const { fromExample, data } = useJobInput();
  const images = useCurrentModel()?.task === 'image';
  return (
    <>
      <ExamplePicker />
      {!fromExample && data === null && (
        <p className="note" data-testid="samples-not-data">
          The current samples are data once the run has finished (before, they are x_t at some t &gt; ε):
          press Play and wait for the end
          {images ? ', or use a real example' : ''}.
        </p>
      )}
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

/** A whole number from `min` to `max` (a typed value outside is clamped; one not a number is `min`). */
export function WholeNumberField(props: {
  label: string;
  min: number;
  max: number;
  value: number;
  onChange: (k: number) => void;
}) {
  const { label, min, max, value, onChange } = props;
  return (
    <label>
      {label}{' '}
      <input
        aria-label={label}
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(e) =>
          onChange(Math.min(max, Math.max(min, Math.round(Number(e.currentTarget.value)) || min)))
        }
      />
    </label>
  );
}
