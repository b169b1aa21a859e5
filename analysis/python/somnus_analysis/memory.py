"""Memory across days (experiments/sweeps/memory_across_days.json, docs/memory-across-days.md):
retention of each day's classes over the nights, forgetting, backward transfer, the cost
of a deprived night, what cueing (TMR) does, and each theory's sleep against its own
days without it.

    from somnus_analysis import memory
    groups = memory.load("runs/sweeps/memory_across_days")   # condition -> [Run, ...] (one per seed)
    print(memory.summary_table(groups))                       # Markdown, 95 % CIs over seeds
    memory.retention_figure(groups).savefig("retention.png")

    python3 -m somnus_analysis memory runs/sweeps/memory_across_days docs/figures/

Two readouts measure a task (a day's two classes) at each test (Run.retention()):
"class_incremental_accuracy", the every-class readout on the task's test images (it
must name one of ten classes: the primary measure here), and "accuracy", a readout
trained on the task's two classes alone (task-incremental; near its ceiling in this
study). Every interval is a 95 % t interval over training seeds (scipy.stats); a
difference between two conditions is paired by seed (the same seed draws the same
training subset and initial weights in every condition) and its interval is that of
the per-seed differences.
"""
import os

import numpy as np
from scipy import stats

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from .paper import load_replicates  # noqa: E402

# The conditions of experiments/memory/, their labels and colours, in table order.
CONDITIONS = {
    "memory_pad": ("PAD (NREM + REM nights)", "black"),
    "memory_kept_awake": ("PAD, kept awake (Wake at night)", "red"),
    "memory_no_sleep": ("PAD, no sleep", "grey"),
    "memory_nrem_only": ("PAD, NREM only", "orange"),
    "memory_rem_only": ("PAD, REM only", "hotpink"),
    "memory_homeostasis": ("PAD + synaptic homeostasis (day's norm)", "teal"),
    "memory_homeostasis_gain": ("PAD + synaptic homeostasis (day's gains)", "olive"),
    "memory_deprived_night_2": ("PAD, night 2 deprived", "purple"),
    "memory_tmr": ("PAD + TMR of class 0", "green"),
    "memory_interleaved": ("PAD, interleaved (every class every day)", "blue"),
    "memory_aws_oscillatory": ("adversarial wake-sleep (oscillatory)", "saddlebrown"),
    "memory_aws_oscillatory_no_sleep": ("adversarial wake-sleep, no Sleep", "tan"),
    "memory_negative_phase": ("negative-phase sleep", "darkviolet"),
    "memory_negative_phase_no_sleep": ("negative phase, no sleep", "plum"),
}
# Each theory's sleep against its own days without it.
THEORIES = [("PAD", "memory_pad", "memory_no_sleep"),
            ("adversarial wake-sleep", "memory_aws_oscillatory", "memory_aws_oscillatory_no_sleep"),
            ("negative phase", "memory_negative_phase", "memory_negative_phase_no_sleep")]
PRIMARY = "class_incremental_accuracy"


def load(folder):
    """condition -> finished Runs (one per seed), the study's conditions first."""
    return load_replicates(folder, CONDITIONS)


def label(condition):
    return CONDITIONS.get(condition, (condition, None))[0]


def interval(values, confidence=0.95):
    """(mean, half-width of the t interval, n) of values (NaN dropped)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return np.nan, np.nan, 0
    if len(x) < 2:
        return float(x.mean()), np.nan, 1
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * stats.sem(x)
    return float(x.mean()), float(half), len(x)


def by_seed(runs, value):
    """seed -> value(run), for pairing conditions by seed."""
    return {int(run.attrs["seed"]): value(run) for run in runs}


def paired(runs_a, runs_b, value):
    """Mean, 95 % half-width and n of value(a) - value(b) over the seeds both conditions ran."""
    a, b = by_seed(runs_a, value), by_seed(runs_b, value)
    seeds = sorted(set(a) & set(b))
    return interval([a[s] - b[s] for s in seeds])


def cell(m, h, n, scale=100, signed=False, digits=1):
    """'mean [low, high]' (scaled), or the mean alone for one seed, or '' for none."""
    if n == 0 or np.isnan(m):
        return ""
    f = f"{{:{'+' if signed else ''}.{digits}f}}" if abs(scale * m) < 1000 else f"{{:{'+' if signed else ''}.3g}}"
    text = f.format(scale * m)
    return text if np.isnan(h) else f"{text} [{f.format(scale * (m - h))}, {f.format(scale * (m + h))}]"


def retention_matrix(run, measure=PRIMARY):
    """(measure (tests, tasks), nights (tests), task names) of a run."""
    frame = run.retention()
    matrix = frame.pivot(index="test", columns="task", values=measure).to_numpy()
    nights = frame.groupby("test")["nights"].first().to_numpy()
    names = frame.groupby("task")["classes"].first().tolist()
    return matrix, nights, names


def at(run, nights, task, measure=PRIMARY):
    """A task's measure at the last test after `nights` nights (NaN if there is none)."""
    matrix, slept, _ = retention_matrix(run, measure)
    hits = np.flatnonzero(slept == nights)
    return float(matrix[hits[-1], task]) if len(hits) else np.nan


def class_recall(run, cls, test=-1):
    """The every-class readout's recall of one class at a test (default: the last)."""
    with run._open() as f:
        return float(f["retention/class_accuracy"][test, cls])


def earlier_days_error(run):
    """Reconstruction error of days 1-4's test images at the last test (their mean)."""
    matrix, _, _ = retention_matrix(run, "reconstruction_error")
    return float(matrix[-1, :-1].mean())


SUMMARIES = [("average_accuracy", "average accuracy, last test %"), ("mean_forgetting", "forgetting (pp)"),
             ("backward_transfer", "backward transfer (pp)")]


def summary_table(groups, measure=PRIMARY):
    """Markdown: per condition, the continual-learning summaries of `measure` (the last
    test's average over the days' tasks, mean forgetting, backward transfer) and the
    reconstruction error of days 1-4's images at the last test; for the task readouts
    also the every-class readout on every test image at the last test (for the
    class-incremental measure that is its average accuracy: the days' test sets are
    the same size); mean [95 % CI] over seeds."""
    every_column = measure != PRIMARY
    heads = " | ".join(h for _, h in SUMMARIES) + (" | all classes, last test %" if every_column else "")
    lines = [f"| condition | seeds | {heads} | reconstruction error, days 1-4 |",
             "|:--|--:|--:|--:|--:|--:|" + ("--:|" if every_column else "")]
    for condition, runs in groups.items():
        s = [r.retention_summary(measure) for r in runs]
        cells = [cell(*interval([x[key] for x in s]), signed=key != "average_accuracy") for key, _ in SUMMARIES]
        if every_column:
            cells.append(cell(*interval([float(r.retention()["all_classes_accuracy"].iloc[-1]) for r in runs])))
        error = cell(*interval([earlier_days_error(r) for r in runs]), scale=1, digits=3)
        lines.append(f"| {label(condition)} | {len(runs)} | {' | '.join(cells)} | {error} |")
    return "\n".join(lines)


def paired_rows(pairs, measure=PRIMARY):
    """Markdown rows of (label, runs_a, runs_b): a - b, paired by seed, for the summaries
    of `measure` and the reconstruction error of days 1-4."""
    lines = []
    for name, a, b in pairs:
        cells = [cell(*paired(a, b, lambda r, k=key: r.retention_summary(measure)[k]), signed=True)
                 for key, _ in SUMMARIES]
        m, h, n = paired(a, b, earlier_days_error)
        lines.append(f"| {name} | {n} | {' | '.join(cells)} | {cell(m, h, n, scale=1, signed=True, digits=3)} |")
    return lines


def paired_table(groups, reference="memory_pad", measure=PRIMARY):
    """Markdown: each PAD condition minus `reference` (PAD, or PAD without sleep), paired
    by seed (pp; reconstruction error in its units)."""
    if reference not in groups:
        return ""
    heads = " | ".join(h.replace(", last test %", " (pp)") for _, h in SUMMARIES)
    pairs = [(label(c), runs, groups[reference]) for c, runs in groups.items()
             if c != reference and c.startswith("memory_") and "aws" not in c and "negative" not in c]
    return "\n".join([f"| condition − {label(reference)} | seeds | {heads} | reconstruction error, days 1-4 |",
                      "|:--|--:|--:|--:|--:|--:|"] + paired_rows(pairs, measure))


def theory_table(groups, measure=PRIMARY):
    """Markdown: what each theory's sleep does for memory across days: the theory with
    its sleep minus the same days without it, paired by seed."""
    pairs = [(f"{name}: sleep − no sleep", groups[a], groups[b]) for name, a, b in THEORIES
             if a in groups and b in groups]
    if not pairs:
        return ""
    heads = " | ".join(h.replace(", last test %", " (pp)") for _, h in SUMMARIES)
    return "\n".join([f"| theory | seeds | {heads} | reconstruction error, days 1-4 |", "|:--|--:|--:|--:|--:|--:|"]
                     + paired_rows(pairs, measure))


def deprivation_table(groups, deprived="memory_deprived_night_2", reference="memory_pad", measure=PRIMARY):
    """Markdown: the cost of the deprived night after day 2, paired by seed: days 1-2's
    retention right after the deprived night and at the last test, and day 3's task
    right after night 3 (its learning) and at the last test, each as deprived − PAD (pp)."""
    if deprived not in groups or reference not in groups:
        return ""
    rows = []
    for what, value in [
        ("days 1-2's tasks right after night 2 (the deprived one)", lambda r: np.mean([at(r, 2, 0, measure), at(r, 2, 1, measure)])),
        ("days 1-2's tasks at the last test", lambda r: np.mean([at(r, 5, 0, measure), at(r, 5, 1, measure)])),
        ("day 3's task right after night 3 (its learning)", lambda r: at(r, 3, 2, measure)),
        ("day 3's task at the last test", lambda r: at(r, 5, 2, measure)),
    ]:
        m, h, n = paired(groups[deprived], groups[reference], value)
        rows.append(f"| {what} | {n} | {cell(m, h, n, signed=True)} |")
    return "\n".join(["| night 2 deprived − PAD | seeds | difference (pp), mean [95 % CI] |", "|:--|--:|--:|"] + rows)


def tmr_table(groups, cued="memory_tmr", reference="memory_pad", cue=0, uncued=1):
    """Markdown: cued against uncued class (the every-class readout's recall at the last
    test), in the TMR condition and in PAD, and the TMR effect (cued − uncued in TMR,
    minus the same in PAD), paired by seed."""
    if cued not in groups or reference not in groups:
        return ""
    gap = lambda r: class_recall(r, cue) - class_recall(r, uncued)  # noqa: E731
    rows = []
    for name, runs in (("PAD + TMR", groups[cued]), ("PAD", groups[reference])):
        for what, value in ((f"class {cue} (cued in TMR)", lambda r: class_recall(r, cue)),
                            (f"class {uncued} (uncued)", lambda r: class_recall(r, uncued)),
                            ("cued − uncued", gap)):
            rows.append(f"| {name} | {what} | {len(runs)} | {cell(*interval([value(r) for r in runs]), signed=what.startswith('cued'))} |")
    for what, value in ((f"class {cue}", lambda r: class_recall(r, cue)), (f"class {uncued}", lambda r: class_recall(r, uncued)),
                        ("cued − uncued", gap)):
        m, h, n = paired(groups[cued], groups[reference], value)
        rows.append(f"| TMR − PAD, paired | {what} | {n} | {cell(m, h, n, signed=True)} |")
    return "\n".join(["| condition | recall at the last test | seeds | % (mean [95 % CI]) |", "|:--|:--|--:|--:|"] + rows)


def replay_table(groups, conditions=("memory_pad", "memory_tmr"), state="nrem"):
    """Markdown: what the nights replayed: the share of replayed memories stored on each
    day, over the last night (after day 5), and the share a cue named, over all nights;
    mean [95 % CI] over seeds."""
    rows = []
    for condition in conditions:
        if condition not in groups:
            continue
        shares, cued = [], []
        for run in groups[condition]:
            with run._open() as f:
                days = f[f"states/{state}/hippocampus/replayed_days"][()]
                epochs = f[f"states/{state}/epoch"][()]
                cued.append(float(np.nanmean(f[f"states/{state}/hippocampus/replayed_cued"][()])))
            last = days[epochs == epochs.max()].sum(0)
            shares.append(last / last.sum())
        shares = np.array(shares)
        cells = [cell(*interval(shares[:, d])) for d in range(shares.shape[1])]
        rows.append(f"| {label(condition)} | {len(shares)} | {' | '.join(cells)} | {cell(*interval(cued))} |")
    if not rows:
        return ""
    days = " | ".join(f"day {d + 1} %" for d in range(5))
    return "\n".join([f"| condition ({state.upper()}) | seeds | {days} (last night) | cued % (every night) |",
                      "|:--|--:|--:|--:|--:|--:|--:|--:|"] + rows)


def replay_by_day(run, state="nrem"):
    """Share of the replayed memories stored on each day, over the whole run."""
    with run._open() as f:
        key = f"states/{state}/hippocampus/replayed_days"
        if key not in f:
            return None
        counts = f[key][()].sum(0)
    return counts / counts.sum() if counts.sum() > 0 else None


def retention_figure(groups, tasks=(0, 1, 2), measure=PRIMARY, conditions=None,
                     ylabel="every-class readout on the task's images (% test accuracy)", log=False):
    """One panel per task (default days 1-3): its measure after day 1's Wake (0) and
    each night, mean and 95 % interval over seeds, one line per condition."""
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 3.8), sharey=True)
    axes = np.atleast_1d(axes)
    chosen = [c for c in (conditions or groups) if c in groups]
    for ax, task in zip(axes, tasks):
        name = None
        for condition in chosen:
            runs = groups[condition]
            colour = CONDITIONS.get(condition, (condition, None))[1]
            by_night = {}
            for run in runs:
                matrix, nights, names = retention_matrix(run, measure)
                name = names[task]
                for i, n in enumerate(nights):
                    by_night.setdefault(int(n), []).append(matrix[i, task])
            nights = sorted(n for n, v in by_night.items() if len(v) == len(runs))
            intervals = [interval(by_night[n]) for n in nights]
            scale = 100 if "accuracy" in measure else 1
            mean = np.array([scale * m for m, _, _ in intervals])
            half = np.array([scale * h if not np.isnan(h) else 0 for _, h, _ in intervals])
            ax.plot(nights, mean, color=colour, marker="o", ms=3, label=f"{label(condition)} (n={len(runs)})")
            ax.fill_between(nights, mean - half, mean + half, color=colour, alpha=0.12)
        ax.set_title(f"day {task + 1}'s classes ({name})")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("nights (0: after day 1's Wake)")
    axes[0].set_ylabel(ylabel)
    axes[-1].legend(fontsize=6, loc="best")
    fig.tight_layout()
    return fig


PAD_FIGURE = ["memory_pad", "memory_no_sleep", "memory_kept_awake", "memory_nrem_only", "memory_rem_only",
              "memory_homeostasis", "memory_homeostasis_gain", "memory_interleaved"]
THEORY_FIGURE = [c for _, a, b in THEORIES for c in (a, b)]


def write(folder, out):
    """The study's tables (Markdown, printed) and figures (out/memory_*.png)."""
    groups = load(folder)
    os.makedirs(out, exist_ok=True)
    sections = [
        ("Retention: the every-class readout on each day's images (class-incremental)", summary_table(groups)),
        ("Retention: each day's own readout (task-incremental)", summary_table(groups, "accuracy")),
        ("PAD's conditions against PAD, paired by seed (class-incremental)", paired_table(groups)),
        ("PAD's conditions against PAD without sleep, paired by seed (class-incremental)",
         paired_table(groups, reference="memory_no_sleep")),
        ("Each theory's sleep against its days alone, paired by seed (class-incremental)", theory_table(groups)),
        ("Each theory's sleep against its days alone, paired by seed (task-incremental)", theory_table(groups, "accuracy")),
        ("The deprived night (class-incremental)", deprivation_table(groups)),
        ("The deprived night (task-incremental)", deprivation_table(groups, measure="accuracy")),
        ("Targeted memory reactivation", tmr_table(groups)),
        ("What the nights replayed", replay_table(groups)),
    ]
    text = "\n\n".join(f"### {title}\n\n{table}" for title, table in sections if table)
    figures = []
    for name, conditions, measure, ylabel in [
            ("memory_retention.png", PAD_FIGURE, PRIMARY, "every-class readout on the day's images (%)"),
            ("memory_theories.png", THEORY_FIGURE, PRIMARY, "every-class readout on the day's images (%)"),
            ("memory_reconstruction.png", PAD_FIGURE, "reconstruction_error",
             "reconstruction error of the day's test images")]:
        if not any(c in groups for c in conditions):
            continue
        path = os.path.join(out, name)
        retention_figure(groups, measure=measure, conditions=conditions, ylabel=ylabel,
                         log=measure == "reconstruction_error").savefig(path, dpi=120)
        plt.close("all")
        figures.append(path)
    return text + "\n\n" + "".join(f"figure: {p}\n" for p in figures)
