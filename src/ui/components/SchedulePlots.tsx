/** Small plots of σ(t) and log-SNR(t) for the current SDE, the grid's steps and the current t. */
import { memo, useMemo } from 'react';
import { useAppState, useCurrentModel } from '../contexts';
import { useSde } from '../state/model-math';
import { sigmaGrid } from '../../core/grids';
import { asTime, type Sde } from '../../core/types';

const width = 240;
const height = 110;
const pad = { left: 34, right: 8, top: 10, bottom: 20 };
const samples = 80;

interface Curve {
  title: string;
  /** Value plotted for a noise level σ. */
  of(sigma: number): number;
}

/** In scale-free coordinates SNR = 1/σ², so log-SNR = −2 ln σ (Kingma et al. 2021). */
const curves: Curve[] = [
  { title: 'log₁₀ σ(t)', of: (s) => Math.log10(s) },
  { title: 'log-SNR(t)', of: (s) => -2 * Math.log(s) },
];

interface Axes {
  lo: number;
  hi: number;
  /** The curve as an SVG path. */
  path: string;
}

const px = (v: number): number => pad.left + v * (width - pad.left - pad.right);
const pyOf =
  ({ lo, hi }: Axes) =>
  (v: number): number =>
    pad.top + (1 - (v - lo) / (hi - lo || 1)) * (height - pad.top - pad.bottom);

function axesOf(curve: Curve, sde: Sde): Axes {
  const ts = Array.from({ length: samples + 1 }, (_, k) => sde.tEnd + ((1 - sde.tEnd) * k) / samples);
  const ys = ts.map((v) => curve.of(sde.sigma(asTime(v))));
  const axes = { lo: Math.min(...ys), hi: Math.max(...ys), path: '' };
  const py = pyOf(axes);
  axes.path = ts.map((v, k) => `${k === 0 ? 'M' : 'L'}${px(v).toFixed(1)},${py(ys[k]).toFixed(1)}`).join('');
  return axes;
}

/** Everything but the marker: it changes only with the SDE, the schedule or the steps, not per frame. */
const PlotBody = memo(function PlotBody({ axes, ticks }: { axes: Axes; ticks: number[] }) {
  const { lo, hi, path } = axes;
  return (
    <>
      <line
        x1={pad.left}
        x2={width - pad.right}
        y1={height - pad.bottom}
        y2={height - pad.bottom}
        className="axis"
      />
      <line x1={pad.left} x2={pad.left} y1={pad.top} y2={height - pad.bottom} className="axis" />
      <text x={pad.left - 4} y={pad.top + 4} className="tick" textAnchor="end">
        {hi.toFixed(0)}
      </text>
      <text x={pad.left - 4} y={height - pad.bottom} className="tick" textAnchor="end">
        {lo.toFixed(0)}
      </text>
      <text x={pad.left} y={height - 5} className="tick">
        0
      </text>
      <text x={width - pad.right} y={height - 5} className="tick" textAnchor="end">
        t = 1
      </text>
      {ticks.map((v, k) => (
        <line
          key={k}
          x1={px(v)}
          x2={px(v)}
          y1={height - pad.bottom}
          y2={height - pad.bottom - 4}
          className="grid-tick"
        />
      ))}
      <path d={path} className="curve" />
    </>
  );
});

interface PlotProps {
  curve: Curve;
  sde: Sde;
  ticks: number[];
  t: number | null;
  /** SDEdit's start t₀ (issue 13), marked "strength = t₀", or null. */
  t0: number | null;
}

function Plot({ curve, sde, ticks, t, t0 }: PlotProps) {
  const axes = useMemo(() => axesOf(curve, sde), [curve, sde]);
  const y = t === null ? NaN : curve.of(sde.sigma(asTime(t)));
  return (
    <figure className="plot">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${curve.title} of the current SDE`}
      >
        <PlotBody axes={axes} ticks={ticks} />
        {t0 !== null && (
          <g className="t0-mark" data-testid="t0-mark">
            <line x1={px(t0)} x2={px(t0)} y1={pad.top} y2={height - pad.bottom} />
            <text x={px(t0) + 3} y={pad.top + 8} className="tick">
              strength = t₀ = {t0}
            </text>
          </g>
        )}
        {/* After the final denoising σ = 0: off a log scale, so no marker. */}
        {t !== null && Number.isFinite(y) && (
          <circle cx={px(t)} cy={pyOf(axes)(y)} r={4.5} className="marker" />
        )}
      </svg>
      <figcaption>{curve.title}</figcaption>
    </figure>
  );
}

export function SchedulePlots() {
  const model = useCurrentModel();
  const kind = useAppState((s) => s.settings.sde);
  const schedule = useAppState((s) => s.settings.schedule);
  const steps = useAppState((s) => s.settings.steps);
  const t = useAppState((s) => (s.run.frame === null ? null : s.run.t));
  const t0 = useAppState((s) => (s.settings.tool.kind === 'sdedit' ? s.settings.tool.t0 : null));
  const sde = useSde(model, kind);
  const ticks = useMemo(() => {
    if (steps > 200) return [];
    return sigmaGrid(sde, schedule, steps).map((sigma) => sde.timeOf(sigma));
  }, [sde, schedule, steps]);
  return (
    <section className="plots" aria-label="Noise schedule">
      {curves.map((c) => (
        <Plot key={c.title} curve={c} sde={sde} ticks={ticks} t={t} t0={t0} />
      ))}
    </section>
  );
}
