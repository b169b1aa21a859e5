#!/usr/bin/env bash
# The NWB export checked by the NWB community's own tools: pynwb reads the file back and
# nwbinspector inspects it (analysis/python/tests/test_nwb.py). Both come from PyPI,
# pinned, into a virtual environment in the build folder (made once, with Debian's
# h5py/numpy/pandas visible); somnus itself needs nothing from Python to write NWB.
# Usage: check_nwb.sh BUILD_DIR SOMNUS_BINARY
set -euo pipefail
build=$1 somnus=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$build/venv-nwb"
if ! "$venv/bin/python" -c "import pynwb, nwbinspector" 2>/dev/null; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pynwb==4.2.0" "nwbinspector==0.7.2"
fi
export SOMNUS_BINARY="$somnus"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp="$build/tests/tmp/nwb" \
  "$root/analysis/python/tests/test_nwb.py"
