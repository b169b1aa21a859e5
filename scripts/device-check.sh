#!/usr/bin/env bash
# The GPU check of somnus, in one call of a few minutes on a machine with an
# NVIDIA GPU, a python3 whose torch has CUDA, cmake, ninja and nvcc, and no
# package manager or network (the lent accelerator). First, on a Debian 12
# machine: scripts/device-bundle.sh (the libraries and the data set, as .deb
# files in device-bundle/). Then there:
#
#   scripts/device-check.sh [--python PY] [--device cuda|cpu] [--jobs N] [--epoch-images N] [--no-epoch] [--tests-only]
#                           [--throughput] [--out DIR]
#
# It unpacks the bundle into a folder (nothing is installed), builds somnus
# against PY's torch, runs the device-capable tests on the GPU (ctest -L device,
# including the CPU-vs-GPU agreement of a few PAD cycles), times somnus_bench and
# the eager-PyTorch PAD (bench/pad_pytorch.py) on the same GPU at batch 64 and
# 256, and one epoch of experiments/pad.json on 60,000 training images. Results
# go to --out (default $OUT, else runs/device-check): device-check.log (all of
# it), bench.jsonl, ctest.log, epoch.log and summary.txt, printed last. With
# --device cpu (the default where torch sees no GPU) the same steps run on the
# CPU, on fewer images: a rehearsal that the script works. --throughput builds
# without the tests and measures instead what a study of many runs gets from one
# GPU: the levers on one PAD cycle (cuDNN autotuning, deterministic algorithms,
# reading losses, a CUDA graph), S = 1, 4, 16 cycles at once (somnus_bench and
# eager PyTorch, bench/concurrent_runs.py), and S = 1, 4, 16 real runs at once
# (somnus replicate --jobs S), with the GPU memory of each.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

python=python3 device="" jobs=$(nproc) epoch_images="" out="${OUT:-runs/device-check}" epoch=1 bench=1 tests=1 throughput=0
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --epoch-images) epoch_images="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-epoch) epoch=0; shift ;;
    --tests-only) epoch=0; bench=0; shift ;;
    --throughput) tests=0; bench=0; throughput=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "device-check.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec > >(tee "$out/device-check.log") 2>&1
started=$(date +%s)
failures=()
step() { echo; echo "== $(( $(date +%s) - started )) s: $*"; }
fail() { echo "device-check: FAILED: $*"; failures+=("$*"); }
summary() { echo "$*" >> "$out/summary.txt"; }
: > "$out/summary.txt"

step "machine"
if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="$PATH:/usr/local/cuda/bin"; fi
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
torch_info=$("$python" - <<'PY'
import os, torch
cuda = torch.cuda.is_available()
print(os.path.dirname(torch.__file__), torch.__version__, torch.version.cuda or "none",
      torch.backends.cudnn.version() if cuda else "none", torch.cuda.get_device_name(0).replace(" ", "_") if cuda else "cpu")
PY
) || { echo "device-check: $python cannot import torch"; exit 1; }
read -r libtorch torch_version torch_cuda cudnn gpu_name <<< "$torch_info"
[ -n "$device" ] || { [ "$gpu_name" = cpu ] && device=cpu || device=cuda; }
[ -n "$epoch_images" ] || { [ "$device" = cuda ] && epoch_images=60000 || epoch_images=2048; }
echo "torch $torch_version (CUDA $torch_cuda, cuDNN $cudnn) at $libtorch; device $device ($gpu_name); $(nproc) cores; cmake $(cmake --version | head -1 | cut -d' ' -f3); $(nvcc --version 2>/dev/null | tail -1)"
summary "somnus device check: $(git -C "$repo" log -1 --format='%h %cs' 2>/dev/null || echo 'no git') on $gpu_name, torch $torch_version (CUDA $torch_cuda, cuDNN $cudnn), device $device"

step "unpacking device-bundle/ (Debian 12 packages) into build-device/deps"
[ -f device-bundle/MANIFEST ] || { echo "device-check: no device-bundle/: run scripts/device-bundle.sh on a Debian 12 machine first"; exit 1; }
deps="$repo/build-device/deps"
rm -rf "$deps"; mkdir -p "$deps/fallback"
for deb in device-bundle/debs/*.deb; do
  if command -v dpkg-deb > /dev/null; then dpkg-deb -x "$deb" "$deps"
  else (tmp=$(mktemp -d) && cd "$tmp" && ar x "$repo/$deb" && tar -xf data.tar.* -C "$deps" && rm -rf "$tmp"); fi
done
multiarch="$deps/usr/lib/x86_64-linux-gnu"
system_sonames=$(ldconfig -p | awk 'NR > 1 {print $1}' | sort -u)
# A bundled shared library is used only where this machine has none of that soname.
for lib in "$multiarch"/lib*.so.*; do
  [ -L "$lib" ] || continue  # sonames are the links (libssl.so.3 -> libssl.so.3.0.x)
  name=$(basename "$lib")
  grep -qx -F "$name" <<< "$system_sonames" || ln -sf "$lib" "$deps/fallback/$name"
done
# Development links that point at an absolute path of the Debian machine (libz.so ->
# /lib/x86_64-linux-gnu/libz.so.1.2.13) are pointed at this machine's library.
for link in "$multiarch"/lib*.so; do
  [ -L "$link" ] && [ ! -e "$link" ] || continue
  target=$(ldconfig -p | awk -v n="$(basename "$link")." 'index($1, n) == 1 {print $NF; exit}')
  [ -n "$target" ] && ln -sf "$target" "$link"
done
echo "bundled libraries used (absent here): $(ls "$deps/fallback" | tr '\n' ' ')"
export LD_LIBRARY_PATH="$deps/fallback${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
command -v pkg-config > /dev/null || export PATH="$PATH:$deps/usr/bin"
export PKG_CONFIG_LIBDIR="$multiarch/pkgconfig:$deps/usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$deps"
data="$deps/usr/share/datasets/fashion-mnist"

step "configure and build against $libtorch ($jobs jobs)"
build="$repo/build-device/build"
# HDF5_ROOT keeps FindHDF5 to the bundle (no compiler wrappers, no system copies;
# Debian's serial HDF5 folder holds include/ and lib/ links for this);
# CMAKE_POLICY_VERSION_MINIMUM lets CMake 4 read Debian's older config files.
if cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOMNUS_BUILD_TESTS=$([ "$tests" = 1 ] && echo ON || echo OFF) \
     -DCMAKE_PREFIX_PATH="$libtorch;$deps/usr" -DHDF5_ROOT="$multiarch/hdf5/serial" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
     -DTORCH_CUDA_ARCH_LIST="9.0" > "$out/build.log" 2>&1 &&
   ninja -C "$build" -j"$jobs" >> "$out/build.log" 2>&1; then
  grep "^-- somnus:" "$out/build.log"
  echo "built in $(( $(date +%s) - started )) s since the start"
else
  tail -40 "$out/build.log"; fail "build"; echo "device-check: cannot continue without a build"; exit 1
fi

if [ "$tests" = 1 ]; then
step "tests on $device"
cd "$build"
SOMNUS_TEST_PYTHON=$(command -v "$python"); export SOMNUS_TEST_PYTHON  # reads the logs back with h5py
if [ "$device" = cuda ]; then
  ctest -L device -j4 --timeout 240 --output-on-failure > "$out/ctest.log" 2>&1 || fail "ctest -L device"
else
  ctest -R "^(Device|Wake|Nrem|Rem|Areas)\." -j"$jobs" --output-on-failure > "$out/ctest.log" 2>&1 || fail "ctest (CPU rehearsal)"
fi
tail -4 "$out/ctest.log"
summary "tests: $(grep -E 'tests passed|tests failed' "$out/ctest.log" | tail -1)"
device_tests=$(SOMNUS_TEST_DEVICE=$device tests/somnus_tests --gtest_filter='Device.*' 2>&1)
grep -E "cpu-vs-cuda|OK|FAILED|SKIPPED|Failure|Expected|Which is" <<< "$device_tests" | head -12
summary "$(grep "cpu-vs-cuda" <<< "$device_tests" || echo "cpu-vs-cuda: not run on $device")"
cd "$repo"

fi

if [ "$bench" = 1 ]; then
step "somnus_bench and eager PyTorch on $device"
bench=$build/somnus_bench
threads=$([ "$device" = cuda ] && echo 1 || echo "$(nproc)")
iterations=$([ "$device" = cuda ] && echo 100 || echo 3)
: > "$out/bench.jsonl"
for batch in 64 256; do
  somnus_cycle() { "$bench" cycle --device "$device" --batch "$batch" --threads "$threads" --iterations "$iterations" \
                     --warmup 5 "$@" >> "$out/bench.jsonl" || fail "somnus_bench cycle $batch $*"; }
  pytorch_cycle() { env -u LD_LIBRARY_PATH "$python" bench/pad_pytorch.py --device "$device" --batch "$batch" \
                      --threads "$threads" --iterations "$iterations" --warmup 5 --which cycle "$@" >> "$out/bench.jsonl" ||
                      fail "pad_pytorch $batch $*"; }
  for round in 1 2; do somnus_cycle; pytorch_cycle; done  # alternating: the spread between rounds is the noise
  somnus_cycle --cudnn-benchmark
  somnus_cycle --deterministic
  pytorch_cycle --read-losses --cuda-graph
  for state in wake nrem rem; do
    "$bench" "$state" --device "$device" --batch "$batch" --threads "$threads" --iterations "$iterations" --warmup 5 \
      >> "$out/bench.jsonl" || fail "somnus_bench $state $batch"
  done
done
"$python" bench/jsonl_table.py bench "$out/bench.jsonl" | tee -a "$out/summary.txt"
fi

if [ "$throughput" = 1 ]; then
step "throughput on $device: the levers, then S = 1, 4, 16 cycles and runs at once"
bench=$build/somnus_bench
iterations=$([ "$device" = cuda ] && echo 300 || echo 3)
counts=$([ "$device" = cuda ] && echo "1 4 16" || echo "1 2")
: > "$out/throughput.jsonl"
record() { tee -a "$out/throughput.jsonl"; }
somnus_cycle() { "$bench" cycle --device "$device" --batch 64 --threads 1 --iterations "$iterations" --warmup 10 "$@"; }
pytorch_cycle() { env -u LD_LIBRARY_PATH "$python" bench/pad_pytorch.py --device "$device" --batch 64 --threads 1 \
                    --iterations "$iterations" --warmup 10 --which cycle "$@"; }
# The levers on one cycle, alternating somnus and PyTorch (the spread between rounds is the noise).
# Lever 1: somnus reading each loss where it is made (as before record.read_every) against
# one transfer every 25 cycles (a GPU run's default).
for round in 1 2; do
  somnus_cycle --read-each-value | record || fail "somnus cycle --read-each-value"
  somnus_cycle | record || fail "somnus cycle"
  pytorch_cycle | record || fail "pytorch cycle"
done
somnus_cycle --cudnn-benchmark | record || fail "somnus cycle --cudnn-benchmark"
somnus_cycle --deterministic | record || fail "somnus cycle --deterministic"
pytorch_cycle --read-losses | record || fail "pytorch cycle --read-losses"
pytorch_cycle --read-losses --cuda-graph | record || fail "pytorch cycle --cuda-graph"
# S cycles at once: one process each (one CUDA context each), as `somnus sweep --jobs S` runs them.
for s in $counts; do
  for reads in --read-each-value ""; do  # lever 1, before and after
    label="somnus cycle x$s [reads $([ -n "$reads" ] && echo "each value" || echo "in windows")]"
    "$python" bench/concurrent_runs.py --processes "$s" --label "$label" -- \
      "$bench" cycle --device "$device" --batch 64 --threads 1 --iterations "$iterations" --warmup 10 $reads |
      record || fail "somnus cycle x$s $reads"
  done
  for variant in "" "--read-losses --cuda-graph"; do  # the graph's line is its last
    "$python" bench/concurrent_runs.py --processes "$s" --label "pytorch cycle x$s ${variant:-(no loss read)}" -- \
      env -u LD_LIBRARY_PATH "$python" bench/pad_pytorch.py --device "$device" --batch 64 --threads 1 \
      --iterations "$iterations" --warmup 10 --which cycle $variant | record || fail "pytorch cycle x$s $variant"
  done
done
# S real runs at once: experiments/pad.json (recording on, evaluation off), one epoch each;
# at S = 1 and 4 also with record.read_every=1, every loss read as its step ends (lever 1 off).
run_images=$([ "$device" = cuda ] && echo 20000 || echo 256)
for run in $(for s in $counts; do [ "$s" -le 4 ] && echo "$s:1"; echo "$s:0"; done); do
  s=${run%:*} read_every=${run#*:}
  folder="$repo/build-device/replicate-$s-$read_every"; rm -rf "$folder"
  sampler=""
  if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$out/gpu-memory-runs-$s-$read_every.csv" 2>/dev/null &
    sampler=$!
  fi
  begin=$(date +%s%N)
  timeout 240 "$build/somnus" replicate experiments/pad.json --seeds "$s" --jobs "$s" --threads 1 --device "$device" \
    --out "$folder" --set data.path="$data" --set data.train_subset="$run_images" \
    --set schedule.epochs=1 --set record.checkpoint=false --set record.read_every="$read_every" \
    --set eval.linear_readout.enabled=false --set eval.latent_geometry.enabled=false --set eval.pca.enabled=false \
    > "$out/replicate-$s-$read_every.log" 2>&1 || fail "somnus replicate x$s read_every=$read_every"
  wall=$(( ($(date +%s%N) - begin) / 1000000 ))  # ms
  [ -n "$sampler" ] && kill "$sampler" 2> /dev/null
  gpu=$([ -f "$out/gpu-memory-runs-$s-$read_every.csv" ] && sort -n "$out/gpu-memory-runs-$s-$read_every.csv" | tail -1 || echo 0)
  "$python" - "$folder" "$s" "$run_images" "$wall" "${gpu:-0}" "$read_every" <<'PY' | record
import glob, json, re, sys
folder, s, images, wall, gpu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) / 1000, int(sys.argv[5] or 0)
reads = "every step" if sys.argv[6] == "1" else "automatic"
train, rates = [], []  # each run's training seconds and images/s, as its output says ("epoch 1 done in 3.8 s (67 img/s)")
for output in glob.glob(folder + "/*/seed_*.txt"):
    m = re.search(r"epoch 1 done in ([0-9.]+) s \(([0-9.]+) img/s\)", open(output).read())
    if m:
        train.append(float(m.group(1))); rates.append(float(m.group(2)))
print(json.dumps({"benchmark": "pad.json runs x%d" % s, "reads": reads, "processes": s, "runs_finished": len(train),
                  "training_images_per_second_total": round(len(train) * images / max(train), 1) if train else 0,
                  "images_per_second_each": rates,
                  "images_per_second_wall": round(len(train) * images / wall, 1), "wall_s": round(wall, 1),
                  "gpu_mib_total": gpu}))
PY
done
"$python" bench/jsonl_table.py throughput "$out/throughput.jsonl" | tee -a "$out/summary.txt"
fi

if [ "$epoch" = 1 ]; then
step "one epoch of experiments/pad.json on $epoch_images training images ($device)"
rm -rf "$repo/build-device/epoch"
sampler=""
if [ "$device" = cuda ] && command -v nvidia-smi > /dev/null; then  # the run's GPU memory, CUDA context included
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$out/gpu-memory.csv" 2>/dev/null &
  sampler=$!
fi
if (time timeout 300 "$build/somnus" run experiments/pad.json --device "$device" --set data.path="$data" \
      --set data.train_subset="$epoch_images" --set schedule.epochs=1 --set record.checkpoint=false \
      --out "$repo/build-device/epoch/pad.h5") > "$out/epoch.log" 2>&1; then
  grep -E "^somnus:|epoch 1 done|evaluation done|readout|real" "$out/epoch.log" | head -12
  summary "epoch: $(grep 'epoch 1 done' "$out/epoch.log") on $epoch_images images; $(grep 'evaluation done' "$out/epoch.log"); wall $(grep '^real' "$out/epoch.log" | awk '{print $2}')"
else
  tail -20 "$out/epoch.log"; fail "somnus run (one epoch)"
fi
if [ -n "$sampler" ]; then
  kill "$sampler" 2> /dev/null
  summary "GPU memory during the epoch run: $(sort -n "$out/gpu-memory.csv" | tail -1) MiB at most (nvidia-smi, all processes)"
fi
fi

step "done"
summary "failures: ${#failures[@]}${failures[*]:+ (${failures[*]})}; $(( $(date +%s) - started )) s in all"
echo; cat "$out/summary.txt"
[ ${#failures[@]} -eq 0 ]
