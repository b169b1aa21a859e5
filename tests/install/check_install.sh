#!/usr/bin/env bash
# somnus as it is installed (docs/install.md), checked by ctest:
#   check_install.sh prefix BUILD WORK   cmake --install into WORK/prefix; the installed binary runs
#                                         an installed example spec (the embedded Fashion-MNIST), says
#                                         what to do next, and that command draws the figures with the
#                                         installed somnus_analysis; run again, it finds the finished run
#   check_install.sh deb BUILD WORK      cpack -G DEB: the package's Depends name the libraries the
#                                         binaries link, its files are where the install puts them,
#                                         and its binary runs from the unpacked package
set -euo pipefail
mode=$1 build=$(cd "$2" && pwd) work=$3
rm -rf "$work"; mkdir -p "$work"; work=$(cd "$work" && pwd)
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }
has() { [ -e "$1" ] || fail "$1 is missing"; }

case "$mode" in
prefix)
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" > "$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
  for f in bin/somnus bin/somnus_bench share/somnus/experiments/pad.json share/somnus/experiments/somnus.schema.json \
           share/somnus/experiments/sweeps share/somnus/python/pyproject.toml share/somnus/python/somnus_analysis/log.py \
           share/somnus/python/examples/tutorial.ipynb share/somnus/matlab/+somnus/load.m \
           lib/python3/dist-packages/somnus_analysis/__main__.py share/doc/somnus/README.md share/doc/somnus/docs/install.md; do
    has "$prefix/$f"
  done
  [ ! -e "$prefix/share/somnus/python/tests" ] || fail "the Python tests were installed"
  "$prefix/bin/somnus" --version | grep -q "^somnus " || fail "somnus --version"

  # A user's folder, away from the checkout: the installed spec, its default data path.
  mkdir -p "$work/lab"; cd "$work/lab"
  quick=(--threads 2 --set data.train_subset=256 --set schedule.batch_size=64 --set schedule.epochs=1
         --set eval.linear_readout.train_images=512 --set eval.linear_readout.test_images=256
         --set eval.linear_readout.epochs=1 --set eval.latent_geometry.enabled=false --set eval.pca.images=64)
  "$prefix/bin/somnus" run "$prefix/share/somnus/experiments/pad.json" "${quick[@]}" --continue > first.log 2>&1 ||
    { tail -20 first.log; fail "the installed somnus on the installed pad.json"; }
  has runs/pad.h5
  grep -q "^linear readout (trained encoder" first.log || fail "no readout in: $(tail -5 first.log)"
  next=$(grep -A1 "^next: " first.log)
  expected="next: $prefix/bin/somnus inspect runs/pad.h5   (what the log holds; docs/analysis.md)
      PYTHONPATH=$prefix/lib/python3/dist-packages /usr/bin/python3 -m somnus_analysis figures runs/pad.h5 figures/   (PNG figures)"
  [ "$next" = "$expected" ] || fail "the next steps read
$next
instead of
$expected"
  # The figure command as printed, with the installed package.
  figures=$(sed -n 2p <<< "$next" | sed 's/^ *//; s/   (PNG figures)$//')
  env $figures > figures.log 2>&1 || { cat figures.log; fail "$figures"; }
  for png in losses neuromodulators dreams latent_pca plasticity; do has "figures/$png.png"; done
  grep -q "lib/python3/dist-packages/somnus_analysis" <<< "$(env PYTHONPATH="$prefix/lib/python3/dist-packages" \
    /usr/bin/python3 -c 'import somnus_analysis; print(somnus_analysis.__file__)')" || fail "somnus_analysis is not the installed one"

  # Run again, as a second quick start does: the finished run is kept and its results shown.
  before=$(stat -c %Y runs/pad.h5)
  "$prefix/bin/somnus" run "$prefix/share/somnus/experiments/pad.json" "${quick[@]}" --continue > second.log 2>&1 ||
    { cat second.log; fail "the second run"; }
  grep -q "^runs/pad.h5: finished earlier with this spec; nothing to do. Its results:" second.log || fail "$(cat second.log)"
  grep -q "^| pad " second.log || fail "no results table in: $(cat second.log)"
  [ "$(stat -c %Y runs/pad.h5)" = "$before" ] || fail "the second run rewrote the log"
  echo "check_install: installed into $prefix; the installed somnus ran the installed pad.json, drew its figures, and kept it on a second run"
  ;;
deb)
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
  deb=$(ls "$work"/somnus_*_amd64.deb)
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "$(basename "$deb"): Depends: $depends"
  for library in libtorch libhdf5 libmatio libopenblas0-pthread libstdc++6 libc6; do
    grep -q "$library" <<< "$depends" || fail "Depends lacks $library"
  done
  contents=$(dpkg-deb -c "$deb")
  for f in ./usr/bin/somnus ./usr/share/somnus/experiments/pad.json ./usr/lib/python3/dist-packages/somnus_analysis/__init__.py \
           ./usr/share/somnus/matlab/+somnus/load.m ./usr/share/doc/somnus/docs/install.md; do
    grep -q " $f$" <<< "$contents" || fail "the package lacks $f"
  done
  dpkg-deb -x "$deb" "$work/root"
  "$work/root/usr/bin/somnus" --version | grep -q "^somnus " || fail "the packaged somnus --version"
  "$work/root/usr/bin/somnus" validate "$work/root/usr/share/somnus/experiments/pad.json" > /dev/null ||
    fail "the packaged somnus validating the packaged pad.json"
  echo "check_install: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) holds the install; its somnus runs"
  ;;
*) fail "mode $mode: prefix or deb" ;;
esac
