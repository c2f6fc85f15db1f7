/**
 * Which image models to benchmark: every shipped card in models/ with task "image" and its ONNX
 * file present; when there is none yet, a stand-in exported by export_standin.py (same network,
 * checkpoint or random weights) into the output folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchModel {
  id: string;
  onnx: string;
  /** The float16-weights copy, when one could be made. */
  fp16: string | null;
  /** Where it came from, for the report. */
  source: string;
}

interface CardLike {
  id?: unknown;
  task?: unknown;
  onnx?: unknown;
}

/** Shipped image models: models/<id>.json cards whose ONNX file exists. */
export function shippedImageModels(root: string): BenchModel[] {
  const dir = join(root, 'models');
  const found: BenchModel[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .sort()) {
    let card: CardLike;
    try {
      card = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CardLike;
    } catch {
      continue; // not a card
    }
    if (card.task !== 'image' || typeof card.onnx !== 'string' || typeof card.id !== 'string') continue;
    const onnx = join(dir, card.onnx);
    if (existsSync(onnx)) found.push({ id: card.id, onnx, fp16: null, source: `models/${card.onnx}` });
  }
  return found;
}

const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** Runs export_standin.py (fp32 + fp16 copies) and returns the stand-in, or throws with a fix. */
export function standInModel(root: string, outDir: string, id = 'mnist'): BenchModel {
  const script = join(root, 'test', 'bench', 'export_standin.py');
  let line: string;
  try {
    const stdout = execFileSync(python, [script, '--model', id, '--out', outDir], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    line = stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    throw new Error(
      `No shipped image model in models/ and the stand-in export failed (${String(error)}). ` +
        `Export one with /usr/bin/python3 models/train/export.py --model mnist, or install python3-torch and python3-onnx.`,
    );
  }
  const report = JSON.parse(line) as { onnx: string; fp16: string | null; params: number; weights: string };
  return {
    id: `${id}-standin`,
    onnx: report.onnx,
    fp16: report.fp16,
    source: `stand-in ${id} U-Net, ${report.params} parameters, ${report.weights}`,
  };
}

/** Float16-weights copies of shipped models, made with the same script's converter. */
export function withFp16Copy(root: string, outDir: string, model: BenchModel): BenchModel {
  const dst = join(outDir, `${model.id}.fp16.onnx`);
  const code = `import sys; sys.path.insert(0, 'test/bench'); from export_standin import to_fp16_weights; from pathlib import Path; to_fp16_weights(Path(sys.argv[1]), Path(sys.argv[2]))`;
  try {
    execFileSync(python, ['-c', code, model.onnx, dst], { cwd: root, stdio: 'ignore' });
    return { ...model, fp16: dst };
  } catch {
    return model;
  }
}
