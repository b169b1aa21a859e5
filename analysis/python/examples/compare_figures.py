#!/usr/bin/env python3
"""Figures of the comparison of sleep theories: one panel per metric, and each model's dreams.

    somnus replicate experiments/compare/*.json --seeds 3 --jobs 2 --out runs/compare
    /usr/bin/python3 analysis/python/examples/compare_figures.py runs/compare figures/compare/
"""
import argparse
import os
import sys

# The package that ships with this script (a checkout's analysis/python, an install's
# share/somnus/python), else the one installed with pip.
_beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if os.path.isdir(os.path.join(_beside, "somnus_analysis")):
    sys.path.insert(0, _beside)
from somnus_analysis import plots, theories  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", help="folder written by `somnus replicate` (OUT/<experiment>/seed_K.h5)")
    parser.add_argument("out", help="folder for the PNG figures")
    args = parser.parse_args()
    groups = theories.load(args.runs)
    if not groups:
        sys.exit(f"{args.runs}: no finished runs (OUT/<experiment>/seed_K.h5)")
    os.makedirs(args.out, exist_ok=True)
    written = [os.path.join(args.out, "comparison.png")]
    theories.comparison(groups).savefig(written[0], dpi=120)
    for experiment, runs in groups.items():
        if runs[0].has("dreams"):
            path = os.path.join(args.out, f"dreams_{experiment}.png")
            plots.dream_grid(runs[0]).savefig(path, dpi=100)
            written.append(path)
    print("\n".join(written))


if __name__ == "__main__":
    main()
