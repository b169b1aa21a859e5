#!/usr/bin/env python3
"""Linear-readout accuracy of one or more somnus logs, and their mean +- SEM.

    python3 analysis/readout_summary.py runs/pad_seed*.h5

Each log holds one accuracy per classifier seed (eval/linear_readout); a log's
figure is the mean over its classifier seeds, and the summary line is the mean
and standard error over logs (training seeds).
"""
import math
import sys

import h5py
import numpy as np

METRICS = ("last_epoch_accuracy", "last5_mean_accuracy", "best_accuracy")


def readout(path):
    with h5py.File(path, "r") as f:
        group = f["eval/linear_readout"]
        row = {m: 100.0 * float(np.mean(group[m][:])) for m in METRICS}
        row["seed"] = int(f.attrs.get("seed", -1))
        row["encoder"] = group.attrs["encoder"]
        row["classifiers"] = len(group["seeds"])
        return row


def main(paths):
    if not paths:
        print(__doc__.strip())
        return 2
    rows = [readout(p) for p in paths]
    print("%-40s %5s %10s %10s %10s" % ("log", "seed", "last", "last-5", "best"))
    for path, row in zip(paths, rows):
        print("%-40s %5d %9.2f%% %9.2f%% %9.2f%%" % (path, row["seed"], *(row[m] for m in METRICS)))
    if len(rows) > 1:
        cells = []
        for m in METRICS:
            x = np.array([r[m] for r in rows])
            cells.append("%6.2f +- %.2f" % (x.mean(), x.std(ddof=1) / math.sqrt(len(x))))
        print("%-40s %5s %s  (mean +- SEM over %d logs)" % ("all", "", "  ".join(cells), len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
