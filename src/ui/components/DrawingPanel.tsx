/**
 * Your own data (issue 15): the side column's panel for "Your drawing" and its trained network —
 * the drawing tools, presets, CSV, Train / Stop training with the loss curve and the training
 * view's legend, and the trained network's card (download, upload).
 */
import { useId, useState, type ChangeEvent } from 'react';
import { useActions, useAppState } from '../contexts';
import { DRAWING_ID, PRESETS, presetPoints, pointsFromCsv, TRAINED_ID } from '../state/drawing';
import type { TrainingState } from '../state/store';
import { uploadSizeProblem, type UploadKind } from '../state/uploads';
import { meanDisagreement } from '../render/training-view';
import { DrawingToolbar } from './DrawingToolbar';
import type { ToyName } from '../../core/toy-data';

const SIGMAS = [0.05, 0.1, 0.3, 0.5, 1];

function LossCurve({ training }: { training: TrainingState }) {
  const { losses } = training;
  if (losses.length === 0) return null;
  const width = 300;
  const height = 90;
  const logs = losses.map((l) => Math.log10(Math.max(l.loss, 1e-6)));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const last = losses[losses.length - 1].step;
  const first = losses[0];
  const points = losses
    .map((l, k) => {
      const x = (l.step / Math.max(last, 1)) * width;
      const y = hi > lo ? ((hi - logs[k]) / (hi - lo)) * (height - 8) + 4 : height / 2;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  // The latest ~100 steps' mean: what "the loss now" means (one slice is noisy).
  const recent = losses.slice(-5);
  const recentLoss = recent.reduce((a, b) => a + b.loss, 0) / recent.length;
  return (
    <svg
      className="loss-curve"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`Loss curve: ${first.loss.toFixed(3)} at step ${first.step}, ${recentLoss.toFixed(3)} now (log scale)`}
      data-testid="loss-curve"
      data-first-loss={first.loss}
      data-recent-loss={recentLoss}
      data-step={last}
    >
      <polyline points={points} />
    </svg>
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function DrawingPanel() {
  const modelId = useAppState((s) => s.settings.modelId);
  const drawing = useAppState((s) => s.drawing);
  const actions = useActions();
  const [csv, setCsv] = useState('');
  const csvId = useId();
  const sigmaId = useId();
  const presetId = useId();
  if (modelId !== DRAWING_ID && modelId !== TRAINED_ID) return null;
  const { training, points, trainedCard } = drawing;
  const busy = training.status !== 'idle';
  const count = points.length / 2;

  const applyCsv = (text: string, source: string) => {
    try {
      actions.setDrawingPoints(pointsFromCsv(text, source));
    } catch (e) {
      actions.setDrawingError(e instanceof Error ? e.message : String(e));
    }
  };
  const readFile = (
    e: ChangeEvent<HTMLInputElement>,
    kind: UploadKind,
    use: (text: string, name: string) => void,
  ) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    const tooBig = uploadSizeProblem(file, kind);
    if (tooBig !== null) return actions.setDrawingError(tooBig);
    file.text().then(
      (text) => use(text, file.name),
      () => actions.setDrawingError(`${file.name} could not be read. Choose the file again.`),
    );
  };
  const download = () => {
    const file = actions.trainedCardFile();
    if (file === null) return;
    const url = URL.createObjectURL(new Blob([file.text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="drawing-panel" data-testid="drawing-panel">
      {modelId === DRAWING_ID && (
        <>
          <DrawingToolbar
            tool={drawing.tool}
            onTool={(tool) => actions.setDrawingTool({ tool })}
            size={drawing.size}
            onSize={(size) => actions.setDrawingTool({ size })}
            sizeRange={[4, 80]}
            onClear={() => actions.setDrawingPoints(new Float32Array(0))}
          />
          <p className="help" data-testid="drawing-count">
            {count} point{count === 1 ? '' : 's'}: sampled through their exact empirical denoiser, which
            reproduces them (it memorises). Train a network to generalise.
          </p>
          <div className="row">
            <label htmlFor={presetId}>Preset</label>
            <select
              id={presetId}
              value=""
              onChange={(e) => {
                if (e.target.value !== '') actions.setDrawingPoints(presetPoints(e.target.value as ToyName));
              }}
            >
              <option value="">Choose a shipped toy…</option>
              {PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          <label htmlFor={csvId}>Paste CSV (x,y per line)</label>
          <textarea
            id={csvId}
            value={csv}
            onChange={(e) => setCsv(e.target.value)}
            placeholder={'0.5, -1.2\n1.0, 0.3'}
          />
          <div className="row">
            <button type="button" onClick={() => applyCsv(csv, 'The pasted CSV')}>
              Use CSV
            </button>
            <label className="file-button">
              Upload CSV
              <input
                type="file"
                accept=".csv,.txt,text/csv,text/plain"
                onChange={(e) => readFile(e, 'csv', applyCsv)}
              />
            </label>
          </div>
        </>
      )}
      {drawing.inputError !== null && (
        <p className="error-text" role="alert">
          {drawing.inputError}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          onClick={() => (busy ? actions.stopTraining() : actions.train())}
          disabled={training.status === 'stopping' || (!busy && count === 0)}
        >
          {busy ? 'Stop training' : 'Train'}
        </button>
        {training.step > 0 && (
          <span
            className="help"
            data-testid="training-status"
            data-step={training.step}
            data-elapsed-ms={Math.round(training.elapsedMs)}
          >
            step {training.step} of {training.steps} · {seconds(training.elapsedMs)}
            {training.status === 'stopping' ? ' · stopping…' : ''}
          </span>
        )}
      </div>
      <p className="help">
        Trains a small MLP (18k weights) by denoising score matching on the drawn points: ε-prediction on the
        VP SDE, as the shipped toys were trained. Trained drawings run on the CPU, in a worker.
      </p>
      <LossCurve training={training} />
      {busy && training.snapshot !== null && (
        <div className="training-legend help" data-testid="training-legend">
          On the plot at step {training.snapshot.step}:{' '}
          <span className="swatch-learned">→ learned score</span> over{' '}
          <span className="swatch-exact">→ exact empirical score</span>,{' '}
          <span className="swatch-heat">■ disagreement</span> |s_θ − s*|/(|s_θ| + |s*|) (mean{' '}
          {meanDisagreement(training.snapshot).toFixed(2)}), <span className="swatch-samples">● samples</span>{' '}
          of the current network (DDIM, 25 steps).
        </div>
      )}
      <div className="row">
        <label htmlFor={sigmaId}>Score at σ</label>
        <select
          id={sigmaId}
          value={drawing.viewSigma}
          onChange={(e) => actions.setTrainViewSigma(Number(e.target.value))}
        >
          {SIGMAS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <button type="button" onClick={download} disabled={trainedCard === null}>
          Download card
        </button>
        <label className="file-button">
          Upload card
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => readFile(e, 'card', (text, name) => actions.uploadCard(text, name))}
          />
        </label>
      </div>
    </div>
  );
}
