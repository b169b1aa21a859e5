"""The comparison of sleep theories (README, "Comparing theories of sleep"): PAD,
adversarial wake-sleep (global and oscillatory), the Helmholtz machine and
negative-phase sleep, each over several training seeds (`somnus replicate`).

    from somnus_analysis import theories
    groups = theories.load("runs/compare")
    theories.comparison(groups).savefig("comparison.png")
"""
import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from . import paper  # noqa: E402

LABELS = {
    "pad": ("PAD", "black"),
    "aws_global": ("AWS global", "tab:blue"),
    "aws_oscillatory": ("AWS oscillatory", "tab:cyan"),
    "helmholtz": ("Helmholtz wake-sleep", "tab:orange"),
    "negative_phase": ("negative phase", "tab:red"),
    "aws_untrained": ("untrained (stochastic MLP)", "lightgrey"),
}


def load(folder):
    """experiment -> finished runs, in the order of LABELS."""
    return paper.load_replicates(folder, order=LABELS)


def _bars(ax, groups, values_of, title, floor_of=None):
    names = list(groups)
    means, sems = [], []
    for e in names:
        values = [v for v in (values_of(paper._final(r)) for r in groups[e]) if v is not None]
        m, s = paper.mean_sem(values) if values else (np.nan, 0.0)
        means.append(m)
        sems.append(s)
    x = np.arange(len(names))
    colours = [LABELS.get(e, (e, "C0"))[1] for e in names]
    ax.bar(x, means, yerr=sems, color=colours, capsize=3, edgecolor="black", linewidth=0.5)
    if floor_of is not None:
        for i, e in enumerate(names):
            floors = [v for v in (floor_of(paper._final(r)) for r in groups[e]) if v is not None]
            if floors:
                ax.hlines(np.mean(floors), i - 0.4, i + 0.4, colors="grey", linestyles="dashed")
    ax.set_xticks(x)
    ax.set_xticklabels([LABELS.get(e, (e,))[0] for e in names], rotation=45, ha="right", fontsize=7)
    ax.set_title(title, fontsize=9)


def comparison(groups, units=4):
    """Four panels, mean ± SEM over seeds: readout accuracy, accuracy at 50 % occlusion,
    clean-occluded / inter-class latent distance, and the wake/sleep overlap KL (k+k units;
    dashed: its finite-sample floor)."""
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))

    def occluded(e, level=0.5):
        if "occluded_accuracy" not in e:
            return None
        i = int(np.argmin(np.abs(np.asarray(e["occlusion_levels"]) - level)))
        return 100 * float(e["occluded_accuracy"][i])

    _bars(axes[0], groups, lambda e: 100 * e["readout_accuracy"] if "readout_accuracy" in e else None, "linear readout (%)")
    _bars(axes[1], groups, occluded, "readout, 50 % occluded (%)")
    _bars(axes[2], groups, lambda e: e.get("clean_occluded_ratio"), "clean-occluded / inter-class distance")
    _bars(axes[3], groups, lambda e: e.get("overlap_kl", {}).get(units), f"KL(wake || sleep), {units}+{units} units (nats)",
          floor_of=lambda e: e.get("overlap_floor", {}).get(units))
    fig.tight_layout()
    return fig
