#!/usr/bin/env python3
"""Example analysis of a somnus run: PNG figures and the Wake-vs-REM plasticity cosine.

    PYTHONPATH=analysis/python python3 analysis/python/examples/analyse_run.py runs/pad.h5 figures/
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from somnus_analysis import Run, plots  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="HDF5 log written by `somnus run`")
    parser.add_argument("out", help="folder for the PNG figures")
    args = parser.parse_args()

    run = Run(args.log)
    os.makedirs(args.out, exist_ok=True)
    print(f"{args.log}: experiment {run.attrs.get('experiment')}, status {run.status}, "
          f"{run.epochs_finished} epoch(s), states {', '.join(run.states)}")
    figures = {
        "losses.png": plots.loss_curves(run),
        "neuromodulators.png": plots.neuromodulator_traces(run),
        "dreams.png": plots.dream_grid(run),
        "latent_pca.png": plots.latent_pca(run),
        "plasticity.png": plots.plasticity_summary(run),
    }
    for name, fig in figures.items():
        path = os.path.join(args.out, name)
        fig.savefig(path, dpi=110)
        print("wrote", path)

    for kind in ("weight_change", "gradient"):
        p = run.plasticity("feedforward", kind)
        for row, epoch in enumerate(p["epoch"]):
            i, j = p["states"].index("wake"), p["states"].index("rem")
            print(f"feedforward {kind}, epoch {epoch}: cosine(wake, rem) = {p['cosine'][row, i, j]:+.4f}")
    try:
        print(f"feedforward weight change, last epoch, from the stored vectors: "
              f"cosine(wake, rem) = {run.weight_change_cosine('wake', 'rem'):+.4f}")
    except KeyError as error:
        print(error)
    if run.has("eval/linear_readout/last_epoch_accuracy"):
        acc = run.readout()["last_epoch_accuracy"]
        print(f"linear readout, last epoch: {100 * acc.mean():.2f} % over {len(acc)} classifier seed(s)")


if __name__ == "__main__":
    main()
