#!/usr/bin/env bash
# Runs every shipped spec (experiments/**/*.json, not the sweeps or the schemas) on a
# small budget with one binary, one log per spec under OUT, for a before/after
# comparison of a restructuring (scripts/compare-logs.py; docs/architecture.md):
#
#   scripts/shipped-logs.sh /tmp/somnus-before runs/before      # the binary before the change (a copy)
#   scripts/shipped-logs.sh build/somnus runs/after
#   scripts/compare-logs.py runs/before runs/after
#
# Small budget: the spec's own epochs, days of 6 mini-batches from 256 training
# images, readouts on 500 + 500 images for 2 epochs, 200 generated images; one
# thread, so the runs are bitwise repeatable. A spec the small budget does not fit
# runs with its own settings but the training subset. Prints one line per spec and
# its wall time.
set -uo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then echo "usage: scripts/shipped-logs.sh SOMNUS_BINARY OUT_DIR [SPEC_REGEX]" >&2; exit 2; fi
binary=$1
out=$2
only=${3:-.}
cd "$(dirname "$0")/.."
[ -x "$binary" ] || { echo "shipped-logs: $binary: not an executable" >&2; exit 2; }
mkdir -p "$out"
small=(--set data.train_subset=256 --set schedule.day_iterations=6
       --set eval.linear_readout.train_images=500 --set eval.linear_readout.test_images=500
       --set eval.linear_readout.epochs=2 --set eval.linear_readout.validation_images=0
       --set eval.generated_images.images=200 --set eval.generated_images.samples=200
       --set eval.knn_readout.train_images=500)
failed=0
while read -r spec; do
  name=${spec#experiments/}
  log="$out/${name%.json}.h5"
  mkdir -p "$(dirname "$log")"
  start=$(date +%s)
  args=()
  for budget in "${small[*]}" "${small[*]:2}" "--set data.train_subset=256"; do
    read -r -a try <<< "$budget"
    if "$binary" validate "$spec" "${try[@]}" > /dev/null 2>&1; then args=("${try[@]}"); break; fi
  done
  if "$binary" run "$spec" "${args[@]}" --threads 1 --out "$log" --overwrite > "${log%.h5}.out" 2>&1; then
    echo "ok      $name ($(( $(date +%s) - start )) s)"
  else
    echo "FAILED  $name (see ${log%.h5}.out)"
    failed=$((failed + 1))
  fi
done < <(find experiments -name '*.json' -not -name '*.schema.json' -not -path 'experiments/sweeps/*' | sort | grep -E "$only")
echo "shipped-logs: $failed failed"
[ "$failed" -eq 0 ]
