#!/usr/bin/env bash
# Installs the Debian 12 packages somnus needs, and any named as arguments
# (scripts/bench.sh adds python3-torch); skips apt when all are present.
set -euo pipefail
packages=(
  g++ cmake ninja-build
  libtorch-dev libopenblas0-pthread     # LibTorch 1.13 (CPU) and a fast BLAS behind it
  libhdf5-dev libboost-graph-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  pkg-config libmatio-dev               # `somnus export`: .mat files for MATLAB/Octave
  libgtest-dev python3-pytest python3-jsonschema   # tests (jsonschema: specs against somnus.schema.json)
  python3-nbclient python3-nbformat python3-ipykernel   # tests: the tutorial notebook executed end to end
  python3-venv                          # tests: pip installs into fresh environments (analysis package, NWB tools)
  slurm-wlm                             # sweeps on Slurm: a test starts a private one-node cluster
  dataset-fashion-mnist                 # the embedded default data set
  graphviz                              # dot: `somnus graph SPEC | dot -Tpng > circuit.png`
  python3-h5py python3-numpy python3-matplotlib   # analysis/python: reading logs, figures
  python3-pandas python3-xarray         # analysis/python: logs as DataFrames and DataArrays
  octave gnuplot-nox fonts-freefont-otf # the MATLAB readers, checked in Octave (headless plots via gnuplot)
  "$@"
)
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
