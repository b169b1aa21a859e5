#!/usr/bin/env bash
# Packages, build, and the whole test suite (GoogleTest through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
scripts/build.sh -DSOMNUS_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j2 "$@"
