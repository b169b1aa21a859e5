#!/usr/bin/env bash
# Packages (with Debian's PyTorch, the comparison), build, and the benchmark:
# somnus against the same PAD iteration in eager PyTorch, on this machine.
# Arguments go to bench/bench.py (e.g. --scaling, --threads 1, --csv FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh python3-torch
scripts/build.sh
/usr/bin/python3 bench/bench.py "$@"
