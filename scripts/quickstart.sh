#!/usr/bin/env bash
# Fresh Debian 12 -> a trained PAD model: the packages a run needs, the build, and
# experiments/pad.json into runs/pad.h5. Safe to run again: a finished run is kept
# and its results shown, an interrupted one (Ctrl-C, a crash) is resumed from its
# checkpoint. Arguments go to `somnus run` (--set KEY=VALUE, --out LOG, --overwrite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# A first build leaves the tests out (their packages come with scripts/test.sh); a
# build folder that has them keeps them.
if [ -f build/CMakeCache.txt ]; then scripts/build.sh; else scripts/build.sh -DSOMNUS_BUILD_TESTS=OFF; fi
exec build/somnus run experiments/pad.json --continue "$@"
