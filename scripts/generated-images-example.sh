#!/usr/bin/env bash
# The example table of docs/evaluations.md: eval.generated_images on the four trained
# models of pad_no_memory_mix (the paper-table budget, docs/paper-reproduction.md:
#   build/somnus replicate experiments/pad_no_memory_mix.json --seeds 4 --jobs 2 --out runs/paper_erratum \
#     --set eval.linear_readout.train_images=10000 --set 'eval.linear_readout.seeds=[0,1]')
# and on untrained areas of the same seeds; prints mean and 95 % interval (Student t,
# scipy.stats) over the seeds. About a minute on 2 cores.
#
#   scripts/generated-images-example.sh [RUNS_FOLDER] [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/paper_erratum/pad_no_memory_mix} out=${2:-runs/generated_images_example}
mkdir -p "$out"
for k in 0 1 2 3; do
  for kind in trained untrained; do
    if [ $kind = trained ]; then source=(--checkpoint "$runs/seed_$k.pt"); else source=(--untrained); fi
    build/somnus eval experiments/pad_no_memory_mix.json "${source[@]}" --set seed=$k --threads 2 \
      --set eval.linear_readout.enabled=false --set eval.latent_geometry.enabled=false --set eval.pca.enabled=false \
      --set eval.generated_images.enabled=true --out "$out/${kind}_$k.h5" --overwrite > "$out/${kind}_$k.out"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import sys, h5py, numpy as np, scipy.stats as st
out = sys.argv[1]
keys = ["reconstruction_error", "reconstruction_class_kept", "fid_reconstructions", "fid_samples", "fid_floor"]
print("| areas | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
for kind in ("trained", "untrained"):
    cells = []
    for key in keys:
        x = np.array([float(h5py.File(f"{out}/{kind}_{k}.h5", "r")["eval/generated_images"].attrs[key]) for k in range(4)])
        x = 100 * x if key == "reconstruction_class_kept" else x
        low, high = st.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=st.sem(x)) if x.std() > 0 else (x.mean(), x.mean())
        cells.append(f"{x.mean():.4g} [{low:.4g}, {high:.4g}]")
    print(f"| {kind} | " + " | ".join(cells) + " |")
PY
