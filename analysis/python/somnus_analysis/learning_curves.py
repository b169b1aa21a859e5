"""Learning curves of PAD and its ablations over training seeds (the paper's Fig. 4),
paired comparisons with PAD, and what the dreams are of (eval.dream_content).

    from somnus_analysis import learning_curves as lc, sweep
    groups = sweep.load("runs/sweeps/pad_learning_curves").groups()   # condition -> [Run, ...]
    c = lc.curves(groups, "readout")          # condition -> Curve(epochs, seeds, values (seed, epoch))
    lc.paired(c["pad"], c["pad_no_rem"])      # per epoch: PAD - w/o REM, 95 % CI over seeds, paired t test
    lc.figure(groups).savefig("learning_curves.png")
    lc.dream_figure(groups["pad"]).savefig("dream_content.png")

Runs of one condition are paired with those of another by training seed: every
variant starts from the same initialised network for a given seed, so the
difference of a seed pair removes the initialisation's share of the spread.
The t distribution is computed here (no SciPy needed).
"""
import math
from dataclasses import dataclass

import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402
from scipy import stats  # noqa: E402

from .log import FASHION_MNIST_CLASSES  # noqa: E402
from .paper import label, mean_sem  # noqa: E402
from .plots import _to_display  # noqa: E402

# metric -> (what it is, unit, reader of one evaluation row of Run.evaluations())
METRICS = {
    "readout": ("linear readout, test accuracy", "%", lambda e: 100 * e["readout_accuracy"]),
    "occluded_50": ("readout under 50 % occlusion", "%", lambda e: 100 * _at_level(e, 0.5)),
    "intra_inter": ("intra-/inter-class distance ratio", "", lambda e: e["intra_inter_ratio"]),
    "clean_occluded": ("clean-occluded/inter-class distance ratio", "", lambda e: e["clean_occluded_ratio"]),
}


def _at_level(evaluation, level):
    levels = list(np.round(evaluation["occlusion_levels"], 6))
    return float(evaluation["occluded_accuracy"][levels.index(round(level, 6))])


# ---- the t distribution (scipy.stats, Debian's python3-scipy) -----------------
def t_two_sided_p(t, df):
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return float(2.0 * stats.t.sf(abs(t), df))


def t_quantile(p, df):
    """The p-quantile of Student's t with df degrees of freedom."""
    return float(stats.t.ppf(p, df))


# ---- curves over seeds ---------------------------------------------------------
@dataclass
class Curve:
    epochs: list        # trained epochs of the evaluations every run has
    seeds: list         # training seed of each row
    values: np.ndarray  # (seed, epoch)

    def mean_sem(self):
        """Mean and SEM over seeds, per epoch."""
        return mean_sem(self.values)


def curves(groups, metric="readout"):
    """condition -> Curve of `metric` (a key of METRICS) over the evaluated epochs."""
    read = METRICS[metric][2]
    out = {}
    for condition, runs in groups.items():
        per_seed = {}
        for run in runs:
            points = {e["trained_epochs"]: read(e) for e in run.evaluations()}
            per_seed[int(run.attrs.get("seed", len(per_seed)))] = points
        epochs = sorted(set.intersection(*(set(p) for p in per_seed.values())))
        seeds = sorted(per_seed)
        out[condition] = Curve(epochs, seeds, np.array([[per_seed[s][e] for e in epochs] for s in seeds], dtype=float))
    return out


@dataclass
class Paired:
    epoch: int
    n: int           # seed pairs
    mean: float      # mean of a - b over the pairs
    sem: float
    ci_low: float    # 95 % confidence interval of the mean difference (t, n - 1 df)
    ci_high: float
    t: float
    p: float         # two-sided paired t test

    @property
    def outside_spread(self):
        """The 95 % interval excludes 0."""
        return self.ci_low > 0 or self.ci_high < 0


def paired(a, b, confidence=0.95):
    """Per common epoch, a - b over the seeds both curves have (paired by seed)."""
    seeds = [s for s in a.seeds if s in b.seeds]
    rows = []
    for epoch in [e for e in a.epochs if e in b.epochs]:
        x = np.array([a.values[a.seeds.index(s), a.epochs.index(epoch)] for s in seeds])
        y = np.array([b.values[b.seeds.index(s), b.epochs.index(epoch)] for s in seeds])
        d = x - y
        n = len(d)
        mean = float(d.mean()) if n else float("nan")
        sem = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        if n > 1 and sem > 0:
            t = mean / sem
            half = t_quantile(0.5 + confidence / 2, n - 1) * sem
            p = t_two_sided_p(t, n - 1)
        elif n > 1:  # every pair differs by the same amount
            t, half, p = (0.0, 0.0, 1.0) if mean == 0 else (math.copysign(math.inf, mean), 0.0, 0.0)
        else:
            t, half, p = float("nan"), float("nan"), float("nan")
        rows.append(Paired(epoch, n, mean, sem, mean - half, mean + half, t, p))
    return rows


def first_separated_epoch(rows):
    """The first epoch from which every later paired difference excludes 0 (None if the last does not)."""
    first = None
    for r in rows:
        if r.outside_spread:
            first = r.epoch if first is None else first
        else:
            first = None
    return first


# ---- figures -------------------------------------------------------------------
def figure(groups, metrics=("readout", "intra_inter", "occluded_50")):
    """One panel per metric: mean ± SEM over seeds against training epochs, every condition."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        what, unit, _ = METRICS[metric]
        for condition, c in curves(groups, metric).items():
            m, s = c.mean_sem()
            name, colour = label(condition)
            ax.errorbar(c.epochs, m, yerr=s, label=f"{name} (n={len(c.seeds)})", color=colour, marker="o", ms=3, capsize=3)
        ax.set_xlabel("training epochs")
        ax.set_ylabel(what + (f" ({unit})" if unit else ""))
        ax.set_title(what, fontsize=10)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("mean ± SEM over training seeds", fontsize=9)
    fig.tight_layout()
    return fig


def _class_names(count):
    return FASHION_MNIST_CLASSES if count == len(FASHION_MNIST_CLASSES) else [str(k) for k in range(count)]


def dream_summary(runs, classes=10):
    """Per state and evaluated epoch, over the runs (seeds): class fractions pooled over the
    dreams, and mean ± SEM over runs of each run's median novelty distances and mean confidence.
    Returns {"epochs": [...], state: {"fractions": (epoch, class), "nearest_training": (mean, sem),
    "nearest_memory": ..., "confidence": ..., "entropy": (mean, sem)}, "test_images": {...}}."""
    per_epoch = {}
    for run in runs:
        for e in run.evaluations():
            try:
                content = run.dream_content(e["group"])
            except KeyError:
                continue
            per_epoch.setdefault(e["trained_epochs"], []).append(content)
    epochs = sorted(k for k, v in per_epoch.items() if len(v) == len(runs))
    out = {"epochs": epochs}
    states = sorted({s for v in per_epoch.values() for c in v for s, d in c.items() if isinstance(d, dict) and "predicted_class" in d})

    def entropy(labels):
        f = np.bincount(labels, minlength=classes) / max(1, len(labels))
        f = f[f > 0]
        return float(-(f * np.log2(f)).sum())

    def over_runs(values):  # (epoch, run) -> mean and SEM over runs, per epoch
        return mean_sem(np.asarray(values, dtype=float).T)

    for state in states + ["test_images"]:
        fractions, training, memory, confidence, ent = [], [], [], [], []
        for epoch in epochs:
            items = [c[state] for c in per_epoch[epoch]]
            labels = np.concatenate([d["predicted_class"] for d in items]).astype(int)
            fractions.append(np.bincount(labels, minlength=classes)[:classes] / max(1, len(labels)))
            training.append([np.median(d["nearest_training_distance"]) for d in items])
            memory.append([np.median(d["nearest_memory_distance"]) if "nearest_memory_distance" in d else np.nan for d in items])
            confidence.append([np.mean(d["confidence"]) if "confidence" in d else np.nan for d in items])
            ent.append([entropy(d["predicted_class"].astype(int)) for d in items])
        out[state] = {"fractions": np.array(fractions), "nearest_training": over_runs(training),
                      "nearest_memory": over_runs(memory), "confidence": over_runs(confidence), "entropy": over_runs(ent)}
    return out


def dream_figure(runs, classes=10, states=("rem", "nrem")):
    """What one condition's dreams are of over training: class fractions of each state's
    dreams (pooled over seeds) beside those of real test images, their novelty (median
    latent distance to the nearest training image and to the nearest stored memory) and the
    classifier's confidence, mean ± SEM over seeds."""
    summary = dream_summary(runs, classes)
    epochs = summary["epochs"]
    states = [s for s in states if s in summary]
    names = _class_names(classes)
    colours = plt.get_cmap("tab10")(np.arange(classes) % 10)
    fig, axes = plt.subplots(1, len(states) + 2, figsize=(4.2 * (len(states) + 2), 4), squeeze=False)
    axes = axes[0]
    width = 0.8 * (min(np.diff(epochs)) if len(epochs) > 1 else 1)
    for ax, state in zip(axes, states):
        f = summary[state]["fractions"]
        bottom = np.zeros(len(epochs))
        for k in range(classes):
            ax.bar(epochs, f[:, k], width, bottom=bottom, color=colours[k], label=names[k])
            bottom += f[:, k]
        ax.set_xlabel("training epochs")
        ax.set_xticks(epochs)
        ax.set_ylabel("fraction of dreams")
        ax.set_title(f"{state.upper()} dreams, as the readout classifies them", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=classes, fontsize=7, frameon=False)
    ax = axes[len(states)]
    style = {"rem": ("crimson", "-"), "nrem": ("navy", "-"), "test_images": ("grey", "--")}
    for state in states + ["test_images"]:
        colour, line = style.get(state, (None, "-"))
        m, s = summary[state]["nearest_training"]
        ax.errorbar(epochs, m, yerr=s, color=colour, ls=line, marker="o", ms=3, capsize=3,
                    label=("test images" if state == "test_images" else state.upper()) + " → nearest training image")
        if state != "test_images":
            m, s = summary[state]["nearest_memory"]
            ax.errorbar(epochs, m, yerr=s, color=colour, ls=":", marker="s", ms=3, capsize=3, label=state.upper() + " → nearest stored memory")
    ax.set_xlabel("training epochs")
    ax.set_ylabel("median latent distance")
    ax.set_title("novelty of the dreams", fontsize=9)
    ax.legend(fontsize=6)
    ax = axes[len(states) + 1]
    for state in states:
        colour, _ = style.get(state, (None, "-"))
        m, s = summary[state]["confidence"]
        ax.errorbar(epochs, m, yerr=s, color=colour, marker="o", ms=3, capsize=3, label=f"{state.upper()}: confidence")
        m, s = summary[state]["entropy"]
        ax.errorbar(epochs, m / math.log2(classes), yerr=s / math.log2(classes), color=colour, ls="--", marker="^", ms=3, capsize=3,
                    label=f"{state.upper()}: class entropy / log2({classes})")
    m, s = summary["test_images"]["entropy"]
    ax.errorbar(epochs, m / math.log2(classes), yerr=s / math.log2(classes), color="grey", ls="--", marker="^", ms=3, capsize=3,
                label="test images: class entropy / log2(10)")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("training epochs")
    ax.set_title("how class-like, how varied", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def dream_images_figure(run, state="rem", count=8):
    """One row per evaluation of one run: the first dreams of `state`, titled with the class
    the readout gives each (and its confidence)."""
    data = run.spec.get("data", {})
    mean, std = float(data.get("mean", 0.5)), float(data.get("std", 0.5))
    rows = []
    for e in run.evaluations():
        try:
            d = run.dream_content(e["group"])[state]
        except KeyError:
            continue
        rows.append((e["trained_epochs"], d))
    names = _class_names(10)
    fig, axes = plt.subplots(max(1, len(rows)), count, figsize=(1.25 * count, 1.45 * max(1, len(rows))), squeeze=False)
    for r, (epoch, d) in enumerate(rows):
        for c in range(count):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(d.get("images", [])):
                ax.imshow(_to_display(d["images"][c], mean, std), cmap="gray", vmin=0, vmax=1)
                k = int(d["predicted_class"][c])
                ax.set_title(f"{names[k] if k < len(names) else k}\n{d['confidence'][c]:.2f}", fontsize=6)
        axes[r][0].text(-0.15, 0.5, f"epoch {epoch}", transform=axes[r][0].transAxes, ha="right", va="center", fontsize=7)
    fig.suptitle(f"{state.upper()} dreams of {run.attrs.get('experiment', '')}, seed {int(run.attrs.get('seed', 0))}: "
                 "the class the readout gives each, and its probability", fontsize=8)
    fig.tight_layout()
    return fig
