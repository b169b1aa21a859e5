#!/usr/bin/env bash
# The GPU check of somnus, in one call of a few minutes on a machine with an
# NVIDIA GPU, a python3 whose torch has CUDA, cmake, ninja and nvcc, and no
# package manager or network (the lent accelerator). First, on a Debian 12
# machine: scripts/device-bundle.sh (the libraries and the data set, as .deb
# files in device-bundle/). Then there:
#
#   scripts/device-check.sh [--python PY] [--device cuda|cpu] [--jobs N] [--epoch-images N] [--no-epoch] [--tests-only] [--out DIR]
#
# It unpacks the bundle into a folder (nothing is installed), builds somnus
# against PY's torch, runs the device-capable tests on the GPU (ctest -L device,
# including the CPU-vs-GPU agreement of a few PAD cycles), times somnus_bench and
# the eager-PyTorch PAD (bench/pad_pytorch.py) on the same GPU at batch 64 and
# 256, and one epoch of experiments/pad.json on 60,000 training images. Results
# go to --out (default $OUT, else runs/device-check): device-check.log (all of
# it), bench.jsonl, ctest.log, epoch.log and summary.txt, printed last. With
# --device cpu (the default where torch sees no GPU) the same steps run on the
# CPU, on fewer images: a rehearsal that the script works.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

python=python3 device="" jobs=$(nproc) epoch_images="" out="${OUT:-runs/device-check}" epoch=1 bench=1
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --epoch-images) epoch_images="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-epoch) epoch=0; shift ;;
    --tests-only) epoch=0; bench=0; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
if cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOMNUS_BUILD_TESTS=ON \
     -DCMAKE_PREFIX_PATH="$libtorch;$deps/usr" -DHDF5_ROOT="$multiarch/hdf5/serial" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
     -DTORCH_CUDA_ARCH_LIST="9.0" > "$out/build.log" 2>&1 &&
   ninja -C "$build" -j"$jobs" >> "$out/build.log" 2>&1; then
  grep "^-- somnus:" "$out/build.log"
  echo "built in $(( $(date +%s) - started )) s since the start"
else
  tail -40 "$out/build.log"; fail "build"; echo "device-check: cannot continue without a build"; exit 1
fi

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
"$python" - "$out/bench.jsonl" <<'PY' | tee -a "$out/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("%-58s %5s %9s %8s %11s" % ("benchmark", "batch", "img/s", "ms/iter", "GPU MiB"))
for r in rows:
    name = r["benchmark"] + (" [cudnn benchmark]" if r.get("cudnn_benchmark") else "") + (
        " [deterministic]" if r.get("deterministic") else "") + (" [%s]" % r["variant"] if r.get("variant") else "")
    if "error" in r:
        print("%-58s %s" % (name, r["error"])); continue
    print("%-58s %5d %9.0f %8.2f %11.0f" % (name[:58], r["batch"], r["images_per_second"], r["ms_per_iteration"],
                                            r.get("gpu_peak_reserved_mib", 0)))
PY
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
