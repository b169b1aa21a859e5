#!/usr/bin/env bash
# Fresh Debian 12 -> a trained PAD model: packages, build, run experiments/pad.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DSOMNUS_BUILD_TESTS=OFF
exec build/somnus run experiments/pad.json "$@"
