#!/usr/bin/env python3
"""The deprivation study's figure and per-night table from a replicate folder.

    /usr/bin/python3 analysis/python/examples/deprivation_figures.py runs/deprivation figures/deprivation
"""
import os
import sys

# The package that ships with this script (a checkout's analysis/python, an install's
# share/somnus/python), else the one installed with pip.
_beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if os.path.isdir(os.path.join(_beside, "somnus_analysis")):
    sys.path.insert(0, _beside)
from somnus_analysis import deprivation  # noqa: E402


def main(folder, out):
    os.makedirs(out, exist_ok=True)
    groups = deprivation.load(folder)
    if not groups:
        sys.exit(f"no finished runs in {folder}")
    fig = deprivation.per_night_figure(groups)
    fig.savefig(os.path.join(out, "per_night.png"), dpi=130)
    table = deprivation.per_night_table(groups)
    with open(os.path.join(out, "per_night.md"), "w") as f:
        f.write(table)
    print(table)
    for condition, runs in groups.items():
        sleep = deprivation.sleep_per_night(runs[0])
        print(condition + ": " + "; ".join(f"{s} {n}" for s, n in sleep.items()))
    print(f"wrote {out}/per_night.png, {out}/per_night.md")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
