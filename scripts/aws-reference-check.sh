#!/usr/bin/env bash
# Adversarial wake-sleep against the reference prototype's numbers
# (../shared/reference/aws_reference.md, section 7; docs/aws-reference.md): somnus's
# aws_oscillatory (gamma = 0.1) and aws_global at the prototype's smoke configuration:
# z of 32 units, 256 hidden units in the areas and the critics, the oscillatory
# critics reading x and z alone (its D_x(x) and D_z(z)), mini-batches of 128,
# 30,000 training images, one epoch, seed 0, learning rates 3e-4 / 1.2e-3 and
# sigma bias -3 (both already the specs'). Evaluated before and after training: test
# reconstruction error, the 4+4 and 8+8 wake/sleep overlap KL with its floor (10,000
# samples), the linear readout. On Fashion-MNIST (the prototype's data: its
# all-zeros baseline MSE, 0.206, is Fashion-MNIST's) and on MNIST (fetched by
# scripts/fetch-mnist.sh; its own judge trained by somnus train-classifier).
#
# Each objective runs twice: with somnus's default, the areas stepping after each phase
# ("area_updates": "each_phase"), and with the prototype's one network step a mini-batch
# ("once_per_cycle": the phases' gradients summed, one step with the critics').
#
#   scripts/aws-reference-check.sh [OUT]     (default runs/aws_reference; about 25 minutes on 2 cores)
#   RUNS=fashion scripts/aws-reference-check.sh   (only the runs whose name matches the regex)
set -euo pipefail
cd "$(dirname "$0")/.."
somnus=${SOMNUS:-build/somnus}
out=${1:-runs/aws_reference}
mnist=${MNIST_DIR:-datasets/mnist}
[ -x "$somnus" ] || scripts/build.sh
[[ mnist =~ ${RUNS:-.} ]] && scripts/fetch-mnist.sh "$mnist"
mkdir -p "$out"
prototype=(--set seed=0 --set threads=2 --set data.train_subset=30000 --set schedule.epochs=1
  --set schedule.batch_size=128
  --set 'modules.V1_inference.layers=[32]' --set 'modules.V1_generative.layers=[32]'
  --set modules.V1_inference.hidden=256 --set modules.V1_generative.hidden=256
  --set eval.initial=true --set eval.overlap.enabled=true --set eval.overlap.samples=10000
  --set 'eval.overlap.units=[4,8]' --set eval.linear_readout.train_images=10000
  --set eval.generated_images.enabled=true --set eval.generated_images.images=10000
  --set eval.generated_images.samples=2000
  --set eval.latent_geometry.enabled=false --set eval.pca.enabled=false)
oscillatory=(--set modules.critic_xz.hidden=256 --set 'modules.critic_xz.reads=["x"]' --set modules.critic_z.hidden=256)
global=(--set modules.critic_joint.hidden=256)
mnist_data=(--set data.dataset=mnist --set "data.path=$mnist" --set "eval.generated_images.classifier=$out/mnist-classifier.pt")
if [[ mnist =~ ${RUNS:-.} ]] && [ ! -f "$out/mnist-classifier.pt" ]; then
  "$somnus" train-classifier experiments/aws_global.json --seed 0 --epochs 2 --threads 2 \
    --set data.dataset=mnist --set "data.path=$mnist" --out "$out/mnist-classifier.pt"
fi
once_per_cycle=(--set states.wake.area_updates=once_per_cycle --set states.sleep.area_updates=once_per_cycle)
run() {  # name spec options...
  local name=$1 spec=$2
  shift 2
  [[ $name =~ ${RUNS:-.} ]] || return 0
  [ -f "$out/$name.h5" ] && { echo "$out/$name.h5: done earlier"; return; }
  "$somnus" run "$spec" --out "$out/$name.h5" "${prototype[@]}" "$@" > "$out/$name.txt" 2>&1 ||
    { tail -20 "$out/$name.txt"; exit 1; }
  echo "$out/$name.h5: $(grep -o 'run finished after .*' "$out/$name.txt")"
}
run fashion_oscillatory experiments/aws_oscillatory.json "${oscillatory[@]}"
run fashion_global experiments/aws_global.json "${global[@]}"
run mnist_oscillatory experiments/aws_oscillatory.json "${oscillatory[@]}" "${mnist_data[@]}"
run mnist_global experiments/aws_global.json "${global[@]}" "${mnist_data[@]}"
run fashion_oscillatory_once_per_cycle experiments/aws_oscillatory.json "${oscillatory[@]}" "${once_per_cycle[@]}" \
  --set states.oscillation.area_updates=once_per_cycle
run fashion_global_once_per_cycle experiments/aws_global.json "${global[@]}" "${once_per_cycle[@]}"
run mnist_oscillatory_once_per_cycle experiments/aws_oscillatory.json "${oscillatory[@]}" "${mnist_data[@]}" \
  "${once_per_cycle[@]}" --set states.oscillation.area_updates=once_per_cycle
run mnist_global_once_per_cycle experiments/aws_global.json "${global[@]}" "${mnist_data[@]}" "${once_per_cycle[@]}"
for log in "$out"/*.h5; do  # one table a run: the variants share their spec's name
  [[ $(basename "$log" .h5) =~ ${RUNS:-.} ]] || continue
  echo "$(basename "$log" .h5):"
  "$somnus" table --per-epoch "$log"
done
