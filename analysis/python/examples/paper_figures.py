#!/usr/bin/env python3
"""The PAD paper's figures from replicated runs: readout over epochs, accuracy under
occlusion, latent distance ratios, PCA panels and dream grids (PNG files).

    somnus replicate experiments/pad*.json --seeds 4 --jobs 2 --out runs/paper
    /usr/bin/python3 analysis/python/examples/paper_figures.py runs/paper figures/paper/
"""
import argparse
import os
import sys

# The package that ships with this script (a checkout's analysis/python, an install's
# share/somnus/python), else the one installed with pip.
_beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if os.path.isdir(os.path.join(_beside, "somnus_analysis")):
    sys.path.insert(0, _beside)
from somnus_analysis import paper  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", help="folder written by `somnus replicate` (OUT/<experiment>/seed_K.h5)")
    parser.add_argument("out", help="folder for the PNG figures")
    args = parser.parse_args()
    groups = paper.load_replicates(args.runs)
    if not groups:
        print(f"{args.runs}: no finished runs (expected {args.runs}/<experiment>/seed_K.h5)", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    print("experiments: " + ", ".join(f"{e} ({len(r)} runs)" for e, r in groups.items()))
    figures = {
        "readout_over_epochs.png": paper.readout_over_epochs(groups),
        "accuracy_vs_occlusion.png": paper.accuracy_vs_occlusion(groups),
        "distance_ratios.png": paper.distance_ratios(groups),
        "latent_pca.png": paper.pca_panels(groups),
    }
    figures.update({f"dreams_{e}.png": fig for e, fig in paper.dream_grids(groups).items()})
    for name, fig in figures.items():
        path = os.path.join(args.out, name)
        fig.savefig(path, dpi=120)
        print("wrote " + path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
