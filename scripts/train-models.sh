#!/usr/bin/env bash
# Train the shipped models on the simulated survey: one command per model,
# each recorded (with its seed, data, epochs, wall time and validation metrics)
# in the model's manifest.json, then calibrated on a separate simulated set.
# Run from the repository root:
#   bash scripts/train-models.sh            # all shipped models
#   bash scripts/train-models.sh lens       # one model: lens morphology photoz photoz-phot merger
# The catalogs are simulated with fixed seeds (byte-identical every time);
# training is seeded too, so a rerun on the same backend gives the same weights.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
CLI="node dist/src/cli/main.js"
DATA=out/training
mkdir -p "$DATA"
[ -f "$DATA/train.parquet" ] || $CLI simulate --n 5000 --seed 101 -o "$DATA/train.parquet" --quiet
[ -f "$DATA/validation.parquet" ] || $CLI simulate --n 1250 --seed 202 -o "$DATA/validation.parquet" --quiet
[ -f "$DATA/calibration.parquet" ] || $CLI simulate --n 1000 --seed 303 -o "$DATA/calibration.parquet" --quiet
# the lens finder and the morphology model train on 10,000 objects (simulator version 2)
[ -f "$DATA/train10k.parquet" ] || $CLI simulate --n 10000 --seed 606 -o "$DATA/train10k.parquet" --quiet
# the merger model trains on a set rich in mergers (70%, against 30% in the survey); calibration
# (bias-corrected temperature scaling on the survey-like calibration set) restores the priors
[ -f "$DATA/merger-train.parquet" ] || $CLI simulate --n 6000 --seed 111 --merger-fraction 0.7 --lens-fraction 0.1 -o "$DATA/merger-train.parquet" --quiet
[ -f "$DATA/merger-train12k.parquet" ] || $CLI simulate --n 12000 --seed 112 --merger-fraction 0.7 --lens-fraction 0.1 -o "$DATA/merger-train12k.parquet" --quiet
[ -f "$DATA/merger-train16k.parquet" ] || $CLI simulate --n 16000 --seed 113 --merger-fraction 0.7 --lens-fraction 0.1 -o "$DATA/merger-train16k.parquet" --quiet
[ -f "$DATA/merger-train12k-b.parquet" ] || $CLI simulate --n 12000 --seed 114 --merger-fraction 0.7 --lens-fraction 0.1 -o "$DATA/merger-train12k-b.parquet" --quiet

common="--validation $DATA/validation.parquet --batch-size 32 --learning-rate 0.002 --seed 1 --model-version 1.0.0"
for task in ${*:-lens morphology photoz photoz-phot merger}; do
  case "$task" in
    lens)        dir=models/lens-small4-cnn;        $CLI train "$DATA/train10k.parquet" $common --task lens --arch small4-cnn --epochs 30 --patience 5 --name lens-small4-cnn --model-version 1.1.0 -o $dir ;;
    morphology)  dir=models/morphology-small4-cnn;  $CLI train "$DATA/train10k.parquet" $common --task morphology --arch small4-cnn --epochs 40 --patience 6 --reduce-lr 0.5:2 --name morphology-small4-cnn --model-version 1.1.0 -o $dir ;;
    photoz)      dir=models/photoz-small-cnn;       $CLI train "$DATA/train.parquet" $common --task photoz --arch small-cnn --epochs 20 --patience 6 --name photoz-small-cnn -o $dir ;;
    photoz-phot) dir=models/photoz-phot-small-cnn;  $CLI train "$DATA/train.parquet" $common --task photoz --arch small-cnn --photometry g,r,z --epochs 20 --patience 6 --name photoz-phot-small-cnn --model-version 1.1.0 -o $dir ;;
    merger)      dir=models/merger-small4-cnn
                 # four stages: 1.0.0 from He-normal initialisation on 6,000 merger-rich objects; 1.1.0
                 # fine-tuned from it on 12,000 new ones, 1.2.0 from 1.1.0 on 16,000 more and 1.3.0
                 # (shipped) from 1.2.0 on 12,000 more, each with the learning rate halved on plateaus
                 $CLI train "$DATA/merger-train.parquet" $common --task merger --arch small4-cnn --epochs 40 --patience 6 --name merger-small4-cnn -o "$DATA/merger-small4-cnn-1.0.0"
                 $CLI train "$DATA/merger-train12k.parquet" --validation "$DATA/validation.parquet" --batch-size 32 --learning-rate 0.001 --seed 3 --task merger --arch small4-cnn --epochs 16 --patience 5 --reduce-lr 0.5:2 --init-from "$DATA/merger-small4-cnn-1.0.0" --name merger-small4-cnn --model-version 1.1.0 -o "$DATA/merger-small4-cnn-1.1.0"
                 $CLI train "$DATA/merger-train16k.parquet" --validation "$DATA/validation.parquet" --batch-size 32 --learning-rate 0.0005 --seed 4 --task merger --arch small4-cnn --epochs 14 --patience 5 --reduce-lr 0.5:2 --init-from "$DATA/merger-small4-cnn-1.1.0" --name merger-small4-cnn --model-version 1.2.0 -o "$DATA/merger-small4-cnn-1.2.0"
                 $CLI train "$DATA/merger-train12k-b.parquet" --validation "$DATA/validation.parquet" --batch-size 32 --learning-rate 0.0003 --seed 5 --task merger --arch small4-cnn --epochs 9 --patience 4 --reduce-lr 0.5:2 --init-from "$DATA/merger-small4-cnn-1.2.0" --name merger-small4-cnn --model-version 1.3.0 -o $dir ;;
    *) echo "unknown model $task (lens, morphology, photoz, photoz-phot, merger)" >&2; exit 2 ;;
  esac
  $CLI calibrate "$dir" "$DATA/calibration.parquet" --passes 30
done
