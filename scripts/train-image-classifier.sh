#!/usr/bin/env bash
# The fixed image classifier of eval.generated_images (docs/evaluations.md): trained
# once on the whole Fashion-MNIST training set of experiments/pad.json's data
# (normalised as every shipped spec has it), from seed 0, for 5 epochs, and written
# to data/classifiers/fashion-mnist.pt, the file the evaluation reads by default.
# The file records the data set, the normalisation, the seed, the epochs and the
# test accuracy; the weights are checked in, so this runs only to remake them.
#
#   scripts/train-image-classifier.sh [--overwrite]      (about 4 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/somnus ] || scripts/build.sh
exec build/somnus train-classifier experiments/pad.json --seed 0 --epochs 5 --threads 2 \
  --out data/classifiers/fashion-mnist.pt "$@"
