"""Sleep-deprivation studies: what schedule protocols do to learning, night by night.

    from somnus_analysis import deprivation
    groups = deprivation.load("runs/deprivation")     # condition -> [Run, ...] (one per seed)
    deprivation.per_night_figure(groups).savefig("nights.png")
    print(deprivation.per_night_table(groups))

A run evaluated after every epoch (``"eval": {"epochs": "all"}``) has one
evaluation per night: ``trained_epochs`` k is the encoder after k days and
nights. Values are mean ± SEM over the runs (training seeds) of each condition.
"""
import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from .paper import load_replicates, mean_sem  # noqa: E402

# The conditions of experiments/deprivation/, their labels and colours.
CONDITIONS = {
    "baseline": ("baseline sleep", "black"),
    "total_deprivation": ("total deprivation", "red"),
    "rem_deprivation": ("REM deprivation", "hotpink"),
    "nrem_deprivation": ("NREM deprivation", "orange"),
    "fragmentation": ("fragmentation", "purple"),
    "restricted": ("restricted sleep", "teal"),
    "recovery": ("deprivation, then recovery", "green"),
}

# Metrics per evaluation: (label, function of an evaluation dict).
METRICS = {
    "readout": ("clean readout (% test accuracy)", lambda e: 100 * e["readout_accuracy"]),
    "occluded_50": ("readout at 50 % occlusion (%)", lambda e: 100 * _at_level(e, 0.5)),
    "clean_occluded_ratio": ("clean-vs-occluded / inter-class distance", lambda e: e["clean_occluded_ratio"]),
}


def _at_level(evaluation, level):
    levels = list(np.round(evaluation["occlusion_levels"], 6))
    return float(evaluation["occluded_accuracy"][levels.index(round(level, 6))])


def load(folder):
    """condition -> finished Runs, the study's conditions first, in their order."""
    return load_replicates(folder, CONDITIONS)


def per_night(runs, metric="readout"):
    """(nights, mean, sem) of a metric over the runs: nights = epochs of training behind each evaluation."""
    _, value = METRICS[metric]
    by_night = {}
    for run in runs:
        for e in run.evaluations():
            if e["trained_epochs"] > 0:
                by_night.setdefault(e["trained_epochs"], []).append(value(e))
    nights = sorted(n for n, v in by_night.items() if len(v) == len(runs))
    stats = [mean_sem(by_night[n]) for n in nights]
    return np.array(nights), np.array([m for m, _ in stats]), np.array([s for _, s in stats])


def sleep_per_night(run):
    """Mini-batches of each brain state per night (epoch), from the run's timeline."""
    return run.sleep_per_epoch()


def per_night_figure(groups, metrics=("readout", "occluded_50", "clean_occluded_ratio")):
    """One panel per metric: each condition's value after every night, mean ± SEM."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.6))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics):
        for condition, runs in groups.items():
            label, colour = CONDITIONS.get(condition, (condition, None))
            nights, mean, sem = per_night(runs, metric)
            if len(nights) == 0:
                continue
            ax.errorbar(nights, mean, yerr=sem, label=f"{label} (n={len(runs)})", color=colour, marker="o", ms=3, capsize=2)
        ax.set_xlabel("nights (epochs of day + night)")
        ax.set_ylabel(METRICS[metric][0])
        ax.set_xticks(nights if len(nights) else [])
    axes[0].legend(fontsize=7)
    fig.suptitle("Sleep deprivation: per-night effects (mean ± SEM over seeds)")
    fig.tight_layout()
    return fig


def per_night_table(groups, metrics=("readout", "occluded_50", "clean_occluded_ratio")):
    """Markdown: one row per condition and night."""
    head = "| condition | night | " + " | ".join(METRICS[m][0] for m in metrics) + " |"
    lines = [head, "|:--|--:|" + "--:|" * len(metrics)]
    for condition, runs in groups.items():
        columns = [per_night(runs, m) for m in metrics]
        for i, night in enumerate(columns[0][0]):
            cells = [f"{c[1][i]:.2f} ± {c[2][i]:.2f}" if m != "clean_occluded_ratio" else f"{c[1][i]:.3f} ± {c[2][i]:.3f}"
                     for m, c in zip(metrics, columns)]
            lines.append(f"| {condition} | {night} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
