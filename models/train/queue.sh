#!/usr/bin/env bash
# Background training queue: the emoji run to completion, then the longer Fashion-MNIST run, one at a
# time, at the lowest CPU priority, each resumable (a rerun of this script continues where it stopped).
#
#   setsid nohup bash models/train/queue.sh > models/train/runs/queue.log 2>&1 &
#   WAIT_PID=1234 setsid nohup bash models/train/queue.sh > models/train/runs/queue.log 2>&1 &
#
# WAIT_PID: a training process started by hand; the queue waits for it to exit first (its run is then
# resumed, which returns at once when it has finished all its steps). QUEUE (default
# "emoji_groups fashion_long") names the presets; THREADS (default 1) the threads for each (on the
# shared 2-core machine, niced, one thread trained 4× faster than two: README.md).
# Each run logs to models/train/runs/<preset>/train.log and checkpoints there; `kill <python PID>`
# stops a run with a checkpoint (train.py saves on SIGTERM), and the queue then moves on to the next.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${WAIT_PID:-}" ]; then
  echo "$(date -Is) waiting for PID $WAIT_PID"
  while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 30; done
fi
for preset in ${QUEUE:-emoji_groups fashion_long}; do
  echo "$(date -Is) start $preset"
  nice -n 19 /usr/bin/python3 models/train/train.py --model "$preset" --threads "${THREADS:-1}" --resume \
    > /dev/null 2>>"models/train/runs/$preset.err"
  echo "$(date -Is) $preset exited with $?"
done
