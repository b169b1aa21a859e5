#!/usr/bin/env bash
# The wake/sleep overlap test on a scale every model shares (docs/evaluations.md,
# docs/theory-comparison.md): each finished run of a same-areas sweep, and the untrained
# areas of its seeds, evaluated from its saved model with eval.overlap.bins = 2 (each
# pixel and latent unit cut at the median of its wake values), 10,000 wake and 10,000
# sleep samples, 4+4 units (8+8 units make 65,536 patterns, which 10,000 samples do not
# resolve: their floor is about 0.45 nats). Resumable: an evaluation already written is kept.
# About 6 s a model on one core; then
#   python3 -m somnus_analysis same-areas FOLDER OUT_FIGURES --hierarchy H --overlap OUT
# adds the overlap tables.
#
#   scripts/overlap-shared-scale.sh [SWEEP_FOLDER] [OUT_FOLDER] [HIERARCHY]
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-runs/sweeps/theories_dense} out=${2:-runs/sweeps/theories_dense_overlap} hierarchy=${3:-dense}
[ -d "$folder" ] || { echo "overlap-shared-scale.sh: $folder: no such folder (run the sweep first)" >&2; exit 2; }
overlap=(--set eval.linear_readout.enabled=false --set eval.knn_readout.enabled=false
         --set eval.generated_images.enabled=false --set eval.latent_geometry.enabled=false
         --set eval.pca.enabled=false --set eval.dream_content.enabled=false --set eval.overlap.enabled=true
         --set eval.overlap.bins=2 --set eval.overlap.samples=10000 --set 'eval.overlap.units=[4]')
evaluate() {  # target, spec, then the model's source (--checkpoint FILE or --untrained)
  local target=$1 spec=$2
  shift 2
  [ -f "$target" ] && return 0
  mkdir -p "$(dirname "$target")"
  build/somnus eval "$spec" "$@" --threads 1 "${overlap[@]}" --out "$target.partial" --overwrite > "${target%.h5}.txt" 2>&1
  mv "$target.partial" "$target"
  echo "$target"
}
for condition in "$folder/${hierarchy}"_*/; do
  name=$(basename "$condition")
  for model in "$condition"seed_*.pt; do
    case $model in *.resume.pt) continue ;; esac  # a checkpoint to resume from, not a model
    [ -f "$model" ] || continue
    run=${model%.pt}
    [ -f "$run.resume.pt" ] || [ -f "$run.h5.lock" ] && continue  # still training
    seed=$(basename "$run")
    evaluate "$out/$name/$seed.h5" "$run.json" --checkpoint "$model"
    # The untrained areas of this seed: on [0, 1] images (every rule but PAD), on PAD's [-1, 1].
    case $name in
      "${hierarchy}_pad") evaluate "$out/untrained_pad_images/$seed.h5" "$run.json" --untrained ;;
      "${hierarchy}_aws_global") evaluate "$out/untrained/$seed.h5" "$run.json" --untrained ;;
    esac
  done
done
