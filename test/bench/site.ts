/**
 * The built site for the app benchmarks: `vite build` into OUTDIR/site (the bench never touches
 * dist/), plus, when no image model ships yet, the stand-in network added to that copy with a card
 * in the models/<id>.json format (size and SHA-256 filled in, so the engine's checks pass).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BenchModel } from './models';

export function buildSite(root: string, siteDir: string): void {
  try {
    execFileSync('npx', ['vite', 'build', '--outDir', siteDir, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`vite build failed, so the app cannot be measured: ${stderr.slice(0, 400)}`);
  }
}

/** Adds a stand-in image model (card + ONNX) to the built copy's models/ and its manifest. */
export function addStandIn(siteDir: string, model: BenchModel): void {
  const modelsDir = join(siteDir, 'models');
  const onnxName = basename(model.onnx);
  copyFileSync(model.onnx, join(modelsDir, onnxName));
  const bytes = readFileSync(model.onnx);
  const card = {
    id: model.id,
    title: 'MNIST stand-in (benchmark only)',
    task: 'image',
    shape: [1, 28, 28],
    range: [-1, 1],
    parameterization: 'eps',
    sde: { kind: 'vp', betaMin: 0.1, betaMax: 20 },
    timeInput: 't01',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    nullClass: 10,
    onnx: onnxName,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    opset: 17,
    inputs: { x: 'float32[N,1,28,28]', t: 'float32[N]', y: 'int64[N]' },
    output: 'eps',
    license: 'benchmark stand-in, not shipped',
  };
  writeFileSync(join(modelsDir, `${model.id}.json`), JSON.stringify(card, null, 2));
  const manifestPath = join(modelsDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: string[] };
  if (!manifest.models.includes(model.id)) manifest.models.push(model.id);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
}
