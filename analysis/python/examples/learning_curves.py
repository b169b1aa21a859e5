#!/usr/bin/env python3
"""The PAD learning-curve study's figures and tables from a sweep folder (or a folder
of replicated runs):

    build/somnus sweep experiments/sweeps/pad_learning_curves.json
    /usr/bin/python3 analysis/python/examples/learning_curves.py runs/sweeps/pad_learning_curves docs/figures/

writes, in the output folder:
    learning_curves.png          readout, intra/inter ratio, 50 %-occlusion accuracy over epochs (mean ± SEM)
    dream_content.png            PAD's NREM and REM dreams over epochs: classes, novelty, confidence
    rem_dreams_over_epochs.png   REM dreams of PAD seed 0 at every evaluation, with their classes
    learning_curves_last_epoch.{md,csv}   every condition at the last epoch, and its difference from PAD
    learning_curves_paired.{md,csv}       PAD - each condition per epoch: 95 % CI over seeds, paired t test
    learning_curves_effects.{md,csv}      REM's and NREM's effect, each with and without the other
and prints the tables and, per condition and metric, the epoch from which PAD's difference
stays outside the seed-to-seed spread.
"""
import csv
import os
import sys

# The package that ships with this script (a checkout's analysis/python, an install's
# share/somnus/python), else the one installed with pip.
_beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if os.path.isdir(os.path.join(_beside, "somnus_analysis")):
    sys.path.insert(0, _beside)

from somnus_analysis import learning_curves as lc, paper  # noqa: E402

METRICS = ("readout", "occluded_50", "intra_inter", "clean_occluded")
# (effect, condition with it, condition without it); w/o REM keeps the paper's compensations
# (latent noise in Wake, NREM at half weight), so the design is 2 x 2 up to those.
EFFECTS = (("REM, with NREM", "pad", "pad_no_rem"), ("REM, without NREM", "pad_no_nrem", "pad_wake_only"),
           ("NREM, with REM", "pad", "pad_no_nrem"), ("NREM, without REM", "pad_no_rem", "pad_wake_only"))


def load_groups(folder):
    """Every finished run in FOLDER/<condition>/seed_K.h5, whichever command (and seeds) wrote it."""
    return paper.load_replicates(folder)


def fmt(value, digits):
    return f"{value:.{digits}f}"


def digits_of(metric):
    return 2 if lc.METRICS[metric][1] == "%" else 4


def write_table(rows, header, path_stem):
    with open(path_stem + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    text = "\n".join(lines) + "\n"
    with open(path_stem + ".md", "w") as f:
        f.write(text)
    return text


def main(folder, out, reference="pad"):
    os.makedirs(out, exist_ok=True)
    groups = load_groups(folder)
    if reference not in groups:
        sys.exit(f"{folder}: no finished runs of {reference!r} (found: {', '.join(groups) or 'none'})")
    curves = {m: lc.curves(groups, m) for m in METRICS}

    lc.figure(groups).savefig(os.path.join(out, "learning_curves.png"), dpi=120)
    lc.dream_figure(groups[reference]).savefig(os.path.join(out, "dream_content.png"), dpi=120)
    first = min(groups[reference], key=lambda r: int(r.attrs.get("seed", 0)))
    lc.dream_images_figure(first, "rem").savefig(os.path.join(out, "rem_dreams_over_epochs.png"), dpi=120)

    # The last epoch every condition reached.
    last = min(c.epochs[-1] for c in curves["readout"].values())
    header = ["condition", "runs", "epoch"]
    for m in METRICS:
        header.append(f"{m} mean ± SEM")
    header += ["PAD − this, readout [95 % CI]", "p (paired t)", "PAD − this, 50 % occluded [95 % CI]", "p (paired t)"]
    rows = []
    for condition in groups:
        row = [condition, len(curves["readout"][condition].seeds), last]
        for m in METRICS:
            c = curves[m][condition]
            mean, sem = c.mean_sem()
            i = c.epochs.index(last)
            row.append(f"{fmt(mean[i], digits_of(m))} ± {fmt(sem[i], digits_of(m))}")
        for m in ("readout", "occluded_50"):
            if condition == reference:
                row += ["–", "–"]
                continue
            p = [r for r in lc.paired(curves[m][reference], curves[m][condition]) if r.epoch == last][0]
            row += [f"{p.mean:+.2f} [{p.ci_low:+.2f}, {p.ci_high:+.2f}]", f"{p.p:.3f}"]
        rows.append(row)
    print(f"At the last epoch ({last}), mean ± SEM over seeds; differences paired by seed:\n")
    print(write_table(rows, header, os.path.join(out, "learning_curves_last_epoch")))

    header = ["condition", "metric", "epoch", "seed pairs", "PAD − this", "95 % CI", "t", "p"]
    rows, verdicts = [], []
    for condition in groups:
        if condition == reference:
            continue
        for m in ("readout", "occluded_50", "intra_inter"):
            tests = lc.paired(curves[m][reference], curves[m][condition])
            d = digits_of(m)
            for p in tests:
                rows.append([condition, m, p.epoch, p.n, fmt(p.mean, d), f"[{fmt(p.ci_low, d)}, {fmt(p.ci_high, d)}]",
                             f"{p.t:.2f}", f"{p.p:.4f}"])
            since = lc.first_separated_epoch(tests)
            verdicts.append(f"PAD − {condition}, {m}: " + (f"outside the seed spread (95 % CI excludes 0) from epoch {since} on"
                                                           if since is not None else "within the seed spread at the last epoch"))
    print("PAD − each condition per epoch (paired by seed):\n")
    print(write_table(rows, header, os.path.join(out, "learning_curves_paired")))
    print("\n".join(verdicts))

    # The four main conditions are a 2 x 2 design (REM on/off x NREM on/off): each sleep
    # phase's effect with and without the other, paired by seed.
    header = ["effect", "with − without", "metric", "at epoch", "difference [95 % CI]", "p", "CI excludes 0 from epoch"]
    rows = []
    for effect, with_, without in EFFECTS:
        if with_ not in groups or without not in groups:
            continue
        for m in ("readout", "occluded_50", "intra_inter"):
            tests = lc.paired(curves[m][with_], curves[m][without])
            p, d = tests[-1], digits_of(m)
            since = lc.first_separated_epoch(tests)
            rows.append([effect, f"{with_} − {without}", m, p.epoch, f"{fmt(p.mean, d)} [{fmt(p.ci_low, d)}, {fmt(p.ci_high, d)}]",
                         f"{p.p:.4f}", since if since is not None else "–"])
    if rows:
        print("\nEach sleep phase's effect, with and without the other (paired by seed):\n")
        print(write_table(rows, header, os.path.join(out, "learning_curves_effects")))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
