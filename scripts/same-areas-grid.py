#!/usr/bin/env python3
"""Every learning rule on the same areas, on a small run: trains each spec of
experiments/same_areas/ for 3 epochs of 640 Fashion-MNIST images (30
mini-batches, no evaluation) and prints a Markdown table of each state's losses
and observables, the mean of the first 5 mini-batches against the last 5
(docs/same-areas.md).

    /usr/bin/python3 scripts/same-areas-grid.py build/somnus OUT_FOLDER [SPEC ...]
"""
import glob
import os
import subprocess
import sys
import time

import h5py
import numpy as np


def main(binary, out, specs):
    os.makedirs(out, exist_ok=True)
    print("| spec | state/measure | first 5 | last 5 | wall |\n|---|---|---|---|---|")
    for spec in specs:
        name = os.path.basename(spec)[:-len(".json")]
        log = os.path.join(out, name + ".h5")
        start = time.time()
        run = subprocess.run([binary, "run", spec, "--set", "data.train_subset=640", "--set", "schedule.epochs=3",
                              "--set", "eval.epochs=[]", "--threads", "1", "--overwrite", "--out", log],
                             capture_output=True, text=True)
        wall = time.time() - start
        if run.returncode:
            print(f"| {name} | exit {run.returncode}: {run.stderr.strip()[-200:]} | | | |")
            continue
        with h5py.File(log, "r") as f:
            for state in f["states"]:
                for group in ("losses", "observables"):
                    for key in f["states"][state].get(group, {}):
                        v = np.asarray(f["states"][state][group][key][()], dtype=float)
                        if v.ndim == 1 and len(v) >= 10:
                            print(f"| {name} | {state}/{key} | {v[:5].mean():.4g} | {v[-5:].mean():.4g} | {wall:.0f} s |",
                                  flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    specs = sys.argv[3:] or sorted(glob.glob(os.path.join(root, "experiments/same_areas/dense_*.json"))) + \
        sorted(glob.glob(os.path.join(root, "experiments/same_areas/conv_*.json")))
    main(sys.argv[1], sys.argv[2], specs)
