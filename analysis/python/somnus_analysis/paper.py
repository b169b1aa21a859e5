"""The PAD paper's figures from a folder of replicated runs (`somnus replicate`).

    from somnus_analysis import paper
    groups = paper.load_replicates("runs/paper")        # experiment -> [Run, ...] (one per seed)
    paper.readout_over_epochs(groups).savefig("readout.png")

Every figure shows mean ± SEM over the runs (training seeds) of each experiment.
"""
import glob
import os

import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from .log import Run, FASHION_MNIST_CLASSES  # noqa: E402
from .plots import dream_grid  # noqa: E402

# Paper labels and colours (Figures 4-6, Appendix 1) of the shipped variant specs.
LABELS = {
    "pad": ("PAD", "black"),
    "pad_no_memory_mix": ("w/o memory mix", "purple"),
    "pad_no_memory_mix_noise": ("one memory + noise", "mediumpurple"),
    "pad_no_rem": ("w/o REM", "hotpink"),
    "pad_no_nrem": ("w/o NREM", "orange"),
    "pad_wake_only": ("Wake only", "grey"),
    "pad_rem_before_nrem": ("REM before NREM", "saddlebrown"),
    "pad_rem_noise_only": ("REM from noise only", "green"),
    "pad_rem_memories_only": ("REM from memories only", "red"),
    "pad_nrem_mixed": ("NREM on mixed memories", "teal"),
    "pad_untrained": ("untrained", "lightgrey"),
}


def label(experiment):
    return LABELS.get(experiment, (experiment, None))


def load_replicates(folder, order=None):
    """experiment name -> list of finished Runs, from OUT/<experiment>/seed_K.h5; the experiments
    named in `order` (default: the paper's variants) first, in that order, then the others by name."""
    order = LABELS if order is None else order
    groups = {}
    for path in sorted(glob.glob(os.path.join(folder, "*", "seed_*.h5"))):
        run = Run(path)
        if run.status == "finished":
            groups.setdefault(run.attrs["experiment"], []).append(run)
    known = [e for e in order if e in groups] + sorted(e for e in groups if e not in order)
    return {e: groups[e] for e in known}


def mean_sem(values):
    """Mean and standard error over the first axis (seeds); one seed has no spread
    to estimate, so its SEM is NaN, as in the C++ tables."""
    x = np.asarray(values, dtype=float)
    if x.shape[0] < 2:
        return x.mean(axis=0), np.full(x.shape[1:], np.nan) if x.ndim > 1 else float("nan")
    return x.mean(axis=0), x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])


def _finish(fig, ax, xlabel, ylabel, title):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _final(run):
    return run.evaluations()[-1]


def readout_over_epochs(groups, untrained="pad_untrained"):
    """Linear-readout accuracy against training epochs (Fig. 4c-d). Every variant starts
    from the same initialised network per seed, so the untrained runs give epoch 0."""
    fig, ax = plt.subplots(figsize=(6, 4))
    start = {}
    if untrained in groups:
        for run in groups[untrained]:
            start[run.attrs.get("seed")] = 100 * _final(run)["readout_accuracy"]
    for experiment, runs in groups.items():
        if experiment == untrained:
            continue
        curves = []
        for run in runs:
            points = {e["trained_epochs"]: 100 * e["readout_accuracy"] for e in run.evaluations() if "readout_accuracy" in e}
            if 0 not in points and run.attrs.get("seed") in start:
                points[0] = start[run.attrs.get("seed")]
            curves.append([points[k] for k in sorted(points)])
            epochs = sorted(points)
        n = min(len(c) for c in curves)
        m, s = mean_sem([c[:n] for c in curves])
        name, colour = label(experiment)
        ax.errorbar(epochs[:n], m, yerr=s, label=f"{name} (n={len(runs)})", color=colour, marker="o", capsize=3)
    return _finish(fig, ax, "training epochs", "linear readout, test accuracy (%)", "linear separability of the latent")


def accuracy_vs_occlusion(groups):
    """Readout accuracy of the clean-trained classifier on occluded test images (Fig. 5c-d)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for experiment, runs in groups.items():
        rows = []
        for run in runs:
            e = _final(run)
            if "occluded_accuracy" not in e:
                continue
            levels = np.concatenate([[0.0], e["occlusion_levels"]])
            rows.append(100 * np.concatenate([[e["readout_accuracy"]], e["occluded_accuracy"]]))
        if not rows:
            continue
        m, s = mean_sem(rows)
        name, colour = label(experiment)
        ax.errorbar(100 * levels, m, yerr=s, label=name, color=colour, marker="o", capsize=3)
    return _finish(fig, ax, "occlusion (% of 4x4 squares dropped)", "test accuracy (%)", "robustness to occlusion")


def distance_ratios(groups):
    """Intra-/inter-class and clean-occluded/inter-class latent distances (Fig. 6e-f)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    names = list(groups)
    for ax, key, title in [(axes[0], "intra_inter_ratio", "intra-class / inter-class distance"),
                           (axes[1], "clean_occluded_ratio", "clean-occluded (30 %) / inter-class distance")]:
        means, sems, colours = [], [], []
        for experiment in names:
            values = [_final(r)[key] for r in groups[experiment] if key in _final(r)]
            m, s = mean_sem(values) if values else (np.nan, 0.0)
            means.append(m)
            sems.append(s)
            colours.append(label(experiment)[1] or "C0")
        x = np.arange(len(names))
        ax.bar(x, means, yerr=sems, color=colours, capsize=3, edgecolor="black", linewidth=0.5)
        ax.set_xticks(x)
        ax.set_xticklabels([label(e)[0] for e in names], rotation=60, ha="right", fontsize=7)
        ax.set_title(title, fontsize=9)
        finite = [v for v in means if np.isfinite(v)]
        if finite:
            ax.set_ylim(0.9 * min(finite), 1.05 * max(finite))
    fig.tight_layout()
    return fig


def pca_panels(groups, experiments=("pad_untrained", "pad", "pad_no_rem", "pad_no_nrem"), seed_index=0):
    """Test latents on their first two principal components, one panel per experiment (Fig. 6b-d)."""
    chosen = [e for e in experiments if e in groups]
    fig, axes = plt.subplots(1, max(1, len(chosen)), figsize=(3.6 * max(1, len(chosen)), 3.6), squeeze=False)
    for ax, experiment in zip(axes[0], chosen):
        p = groups[experiment][min(seed_index, len(groups[experiment]) - 1)].pca()
        xy, y = p["projection"], p["labels"]
        for c in range(10):
            keep = y == c
            ax.scatter(xy[keep, 0], xy[keep, 1], s=3, alpha=0.6, label=FASHION_MNIST_CLASSES[c])
        ev = p["explained_variance"]
        ax.set_title(f"{label(experiment)[0]}\nPC1 {100 * ev[0]:.0f} %, PC2 {100 * ev[1]:.0f} %", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][-1].legend(fontsize=5, markerscale=3, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def dream_grids(groups, experiments=("pad", "pad_no_rem", "pad_no_nrem")):
    """Wake reconstructions, NREM and REM dreams of each experiment's first run, last epoch."""
    return {e: dream_grid(groups[e][0]) for e in experiments if e in groups and groups[e][0].has("dreams")}
