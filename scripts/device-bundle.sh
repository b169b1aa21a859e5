#!/usr/bin/env bash
# Fetches, on this Debian 12 machine, what scripts/device-check.sh needs on a GPU
# machine that can install and download nothing: the .deb files of the libraries
# somnus builds against (unpacked there into a folder, never installed) and the
# Fashion-MNIST data set. Writes device-bundle/ (ignored by git; it travels with
# the working tree, so it is kept under 64 MiB). Needs apt-get; run as a user
# who may write the repository.
#
#   scripts/device-bundle.sh          then e.g.   somnus's device tool: carry device-bundle,
#                                                   run scripts/device-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# What the build, the tests and the benchmark read: headers, CMake and pkg-config
# files, static test libraries, a pkg-config program, and the data set.
direct=(
  libhdf5-dev libhdf5-103-1 libhdf5-cpp-103-1
  libboost1.74-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libmatio-dev libmatio11 libgtest-dev
  pkgconf pkgconf-bin libpkgconf3
  dataset-fashion-mnist
)
# The shared libraries those load (libhdf5 brings libcurl and its TLS stack), found
# with ldd on this machine, less the C and C++ runtimes, which every machine has
# in a version at least as new. device-check.sh uses a bundled library only where
# the GPU machine lacks that soname.
scripts/install-deps.sh "${direct[@]}" > /dev/null
libraries=(/usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so /usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5_cpp.so
           /usr/lib/x86_64-linux-gnu/libmatio.so /usr/lib/x86_64-linux-gnu/libpkgconf.so.3)
runtime=$(for l in "${libraries[@]}"; do ldd "$(readlink -f "$l")"; done | awk '$3 ~ /^\// {print $3}' | sort -u |
          xargs -r readlink -f | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u |
          grep -v -x -E 'libc6|libstdc\+\+6|libgcc-s1|zlib1g' || true)

bundle=device-bundle
rm -rf "$bundle.partial"
mkdir -p "$bundle.partial/debs"
packages=$(printf '%s\n' "${direct[@]}" $runtime | sort -u)
echo "somnus: downloading $(echo "$packages" | wc -l) Debian packages into $bundle/debs"
(cd "$bundle.partial/debs" && apt-get download -qq $packages)
{
  echo "# somnus device bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
  (cd "$bundle.partial/debs" && ls -1 *.deb)
} > "$bundle.partial/MANIFEST"
rm -rf "$bundle"
mv "$bundle.partial" "$bundle"
size=$(du -sm "$bundle" | cut -f1)
echo "somnus: $bundle/ holds $(ls "$bundle/debs" | wc -l) packages, $size MiB"
if [ "$size" -gt 60 ]; then echo "somnus: $bundle is over 60 MiB: it may not travel with the working tree" >&2; exit 1; fi
