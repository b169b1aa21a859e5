#!/usr/bin/env python3
"""Compare every dataset and attribute of two somnus logs, or of two folders of logs.

    scripts/compare-logs.py BEFORE.h5 AFTER.h5
    scripts/compare-logs.py BEFORE_DIR AFTER_DIR      # every *.h5 under BEFORE_DIR, by relative path

A restructuring keeps every behaviour (docs/architecture.md): run the shipped specs
with the binary before and after the change (scripts/shipped-logs.sh), then compare
here. Datasets and attributes must be bitwise equal (NaN equal to NaN), with the same
dtype and shape, and each log must hold the same paths. What legitimately differs
between two runs of the same spec is skipped and counted: wall-clock timings
(images_per_second, seconds, the states' time), when the run started and ended,
the command line and the binary's identity (git commit, version); the spec is
compared without record.path, the log's own place. --ignore REGEX skips more.

Prints one line per log and a total; exit status 1 when anything differs, 2 on bad input.
"""
import argparse
import json
import re
import sys
from pathlib import Path

import h5py
import numpy as np

# Paths (datasets or attributes, as "path" or "path@attribute") that differ between
# two runs of one spec on one machine without any behaviour changing.
VOLATILE = [
    r"images_per_second$",
    r"/seconds$",
    r"[/@]wall_seconds$",
    r"/states/[^/]+/time$",
    r"^/@(command|created|started|finished|git_commit|somnus_version)$",
]
# Attributes holding the spec as JSON: compared without record.path, the log's own
# place, which differs between two folders of logs.
SPEC_ATTRIBUTES = ("/@spec", "/@spec_as_written")


def items(log):
    """Every dataset and attribute of an open HDF5 file: {path: value}."""
    found = {}

    def attributes(name, obj):
        for key, value in obj.attrs.items():
            found[f"/{name}@{key}" if name else f"/@{key}"] = value

    attributes("", log)

    def visit(name, obj):
        attributes(name, obj)
        if isinstance(obj, h5py.Dataset):
            found["/" + name] = obj[()]

    log.visititems(visit)
    for key in SPEC_ATTRIBUTES:
        if key in found:
            spec = json.loads(found[key])
            spec.get("record", {}).pop("path", None)
            found[key] = json.dumps(spec, sort_keys=True)
    return found


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "f":
            return bool(np.array_equal(a, b, equal_nan=True))
        if a.dtype.kind in "OSU":
            return a.tolist() == b.tolist()
        return a.tobytes() == b.tobytes()
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def compare(before, after, skip):
    """(compared, skipped, differences) for two log files."""
    with h5py.File(before, "r") as fa, h5py.File(after, "r") as fb:
        a, b = items(fa), items(fb)
    differences = [f"only in {before}: {p}" for p in sorted(set(a) - set(b)) if not skip(p)]
    differences += [f"only in {after}: {p}" for p in sorted(set(b) - set(a)) if not skip(p)]
    compared = skipped = 0
    for path in sorted(set(a) & set(b)):
        if skip(path):
            skipped += 1
            continue
        compared += 1
        if not same(a[path], b[path]):
            differences.append(f"differs: {path}")
    return compared, skipped, differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="a regular expression of paths to skip")
    args = parser.parse_args()
    patterns = [re.compile(p) for p in VOLATILE + args.ignore]

    def skip(path):
        return any(p.search(path) for p in patterns)

    for path in (args.before, args.after):
        if not path.exists():
            print(f"compare-logs: {path}: no such file or folder", file=sys.stderr)
            return 2
    if args.before.is_dir() != args.after.is_dir():
        print("compare-logs: give two logs or two folders", file=sys.stderr)
        return 2
    if args.before.is_dir():
        names = sorted(p.relative_to(args.before) for p in args.before.rglob("*.h5"))
        pairs = [(args.before / n, args.after / n) for n in names]
    else:
        pairs = [(args.before, args.after)]
    total_differ = 0
    for a, b in pairs:
        if not b.exists():
            print(f"MISSING {b}")
            total_differ += 1
            continue
        try:
            compared, skipped, differences = compare(a, b, skip)
        except OSError as error:
            print(f"compare-logs: cannot read {a} or {b}: {error}", file=sys.stderr)
            return 2
        status = "equal" if not differences else f"{len(differences)} differ"
        print(f"{status:>10}  {a.name if len(pairs) == 1 else a.relative_to(args.before)}: "
              f"{compared} datasets and attributes compared, {skipped} timings skipped")
        for line in differences[:20]:
            print("            " + line)
        total_differ += bool(differences)
    print(f"{len(pairs) - total_differ} of {len(pairs)} logs equal")
    return 1 if total_differ else 0


if __name__ == "__main__":
    sys.exit(main())
