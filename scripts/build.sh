#!/usr/bin/env bash
# Configures and builds somnus (Release) in ./build, or in $SOMNUS_BUILD_DIR
# (scripts/build-cuda.sh: build-cuda). Extra arguments go to cmake; the log is
# the build folder's name plus .log.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${SOMNUS_BUILD_DIR:-build}"
log="$dir.log"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
grep "^-- somnus:" "$log" || true
ninja -C "$dir" -j"$(nproc)" >> "$log" 2>&1 || { tail -60 "$log"; exit 1; }
echo "somnus: built $dir/somnus"
