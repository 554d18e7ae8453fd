#!/usr/bin/env bash
# Train the shipped models on the simulated survey: one command per model,
# each recorded (with its seed, data, epochs, wall time and validation metrics)
# in the model's manifest.json. Run from the repository root:
#   bash scripts/train-models.sh            # all four
#   bash scripts/train-models.sh lens       # one task
# The training and validation catalogs are simulated with fixed seeds, so the
# data are reproducible byte for byte; training is seeded too.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
CLI="node dist/src/cli/main.js"
DATA=out/training
mkdir -p "$DATA"
[ -f "$DATA/train.parquet" ] || $CLI simulate --n 5000 --seed 101 -o "$DATA/train.parquet" --quiet
[ -f "$DATA/validation.parquet" ] || $CLI simulate --n 1250 --seed 202 -o "$DATA/validation.parquet" --quiet

train() {
  local task=$1
  $CLI train "$DATA/train.parquet" --validation "$DATA/validation.parquet" --task "$task" \
    --arch small-cnn --epochs 12 --patience 3 --batch-size 32 --learning-rate 0.002 --seed 1 \
    --name "$task-small-cnn" --model-version 1.0.0 -o "models/$task-small-cnn"
}

tasks=${*:-lens morphology merger photoz}
for task in $tasks; do train "$task"; done
