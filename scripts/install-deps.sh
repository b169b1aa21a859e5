#!/usr/bin/env bash
# Installs the Debian 12 packages somnus needs; skips apt when all are present.
#   scripts/install-deps.sh            what building and running experiments needs (scripts/quickstart.sh)
#   scripts/install-deps.sh --tests    that, and what the test suite needs too (scripts/test.sh)
# Other arguments are extra packages (scripts/bench.sh adds python3-torch).
# docs/install.md lists what each set brings and how long it takes.
set -euo pipefail
run=(
  g++ cmake ninja-build pkg-config
  libtorch-dev libopenblas0-pthread     # LibTorch 1.13 (CPU) and a fast BLAS behind it
  libhdf5-dev libboost-graph-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libmatio-dev                          # `somnus export --mat`: .mat files for MATLAB/Octave
  dataset-fashion-mnist                 # the embedded default data set
  python3-h5py python3-numpy python3-matplotlib   # somnus_analysis: reading logs, the figures a run suggests
  python3-scipy                         # somnus_analysis's intervals over seeds (scipy.stats)
)
tests=(
  libgtest-dev python3-pytest python3-jsonschema  # GoogleTest, pytest; specs against somnus.schema.json
  python3-nbclient python3-nbformat python3-ipykernel   # the tutorial notebook, executed end to end
  python3-venv                          # pip installs into fresh environments (analysis package, NWB tools)
  python3-pandas python3-xarray         # somnus_analysis's DataFrames and DataArrays
  dpkg-dev                              # cpack -G DEB computes the package's Depends with dpkg-shlibdeps
  slurm-wlm                             # sweeps on Slurm: a test starts a private one-node cluster
  graphviz                              # dot: the docs' `somnus graph SPEC | dot -Tpng > circuit.png`
  octave gnuplot-nox fonts-freefont-otf # the MATLAB readers, checked in Octave (headless plots via gnuplot)
)
packages=("${run[@]}")
for argument in "$@"; do
  if [ "$argument" = --tests ]; then packages+=("${tests[@]}"); else packages+=("$argument"); fi
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "somnus: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
