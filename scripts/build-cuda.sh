#!/usr/bin/env bash
# Builds somnus against a LibTorch 2.x with CUDA, in ./build-cuda (Release, tests
# included). Which LibTorch:
#   scripts/build-cuda.sh                     torch 2.11.0 (CUDA 13.0) from PyPI into .venv-torch, ~4.5 GB
#   scripts/build-cuda.sh --python PY         the torch that the Python PY imports (a venv, conda, ...)
#   scripts/build-cuda.sh --libtorch DIR      an unpacked LibTorch (the folder holding lib/ and share/)
# Options: --build-dir DIR (default build-cuda), --test (then run ctest on this
# machine: the GPU tests, label "device", are skipped without a GPU), and after
# -- any cmake arguments. Needs the Debian packages of scripts/install-deps.sh and,
# for a LibTorch with CUDA, the CUDA toolkit (nvcc) of the same major version.
# docs/gpu.md says which versions are supported.
set -euo pipefail
cd "$(dirname "$0")/.."

torch_version=2.11.0
python="" libtorch="" build_dir=build-cuda run_tests=0 cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --libtorch) libtorch="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --test) run_tests=1; shift ;;
    --) shift; cmake_args=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-cuda.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh --tests python3-venv

if [ -z "$libtorch" ]; then
  if [ -z "$python" ]; then
    python=.venv-torch/bin/python
    if ! "$python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
      echo "somnus: installing torch $torch_version from PyPI into .venv-torch (the CUDA libraries come with it)"
      /usr/bin/python3 -m venv .venv-torch
      .venv-torch/bin/pip install -q --disable-pip-version-check "torch==$torch_version"
    fi
  fi
  libtorch=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null) ||
    { echo "build-cuda.sh: $python cannot import torch" >&2; exit 1; }
fi
[ -f "$libtorch/share/cmake/Torch/TorchConfig.cmake" ] ||
  { echo "build-cuda.sh: $libtorch/share/cmake/Torch/TorchConfig.cmake not found: not a LibTorch folder" >&2; exit 1; }
if [ -d /usr/local/cuda/bin ] && ! command -v nvcc > /dev/null; then export PATH="/usr/local/cuda/bin:$PATH"; fi

echo "somnus: configuring $build_dir against $libtorch"
# The LibTorch folder goes first in CMAKE_PREFIX_PATH so that its libraries, not a
# system LibTorch's, are found. TORCH_CUDA_ARCH_LIST only quiets the architecture
# probe: somnus compiles no CUDA code of its own.
SOMNUS_BUILD_DIR="$build_dir" scripts/build.sh -DSOMNUS_BUILD_TESTS=ON -DCMAKE_PREFIX_PATH="$libtorch" \
  -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-8.0;9.0}" "${cmake_args[@]}"
if [ "$run_tests" = 1 ]; then
  cd "$build_dir"
  ctest --output-on-failure -j"$(nproc)"
fi
