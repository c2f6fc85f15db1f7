/**
 * The training recipe end to end on a tiny network (models/train/test_smoke.py): two training
 * steps, ONNX export, ONNX == PyTorch through onnxruntime-node, a consistent card. Needs Debian's
 * PyTorch at /usr/bin/python3 (bash models/train/setup.sh); CI installs it.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;

it('trains and exports a tiny network whose ONNX output equals PyTorch', (ctx) => {
  if (!hasTorch) {
    ctx.skip(
      `${PYTHON} cannot import torch and onnx: run bash models/train/setup.sh to install python3-torch python3-onnx`,
    );
    return;
  }
  const done = spawnSync(PYTHON, ['models/train/test_smoke.py'], { encoding: 'utf8' });
  if (done.status !== 0 || !done.stdout.includes('smoke test passed')) {
    throw new Error(
      `test_smoke.py exited ${done.status}:\n${done.stdout.slice(-2000)}\n${done.stderr.slice(-4000)}`,
    );
  }
}, 600_000);
