"""Theories of sleep on equal terms (docs/theory-comparison.md): every learning rule on the
same areas (experiments/same_areas/), each against its own Wake phase alone and against the
untrained areas, paired by training seed, from the sweeps experiments/sweeps/theories_dense.json
and theories_conv.json.

    python3 -m somnus_analysis same-areas runs/sweeps/theories_dense docs/figures --hierarchy dense

Every interval is a 95 % t interval over training seeds (scipy.stats, through
somnus_analysis.memory.interval); a difference "sleep - no sleep" is taken seed by seed.
The untrained areas are each run's evaluation before training (eval.initial): seed s draws
the same areas for every rule, so the four rules that read [0, 1] images share one untrained
row and PAD ([-1, 1] images) has its own.
"""
import csv
import glob
import os

import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from .memory import cell, interval  # noqa: E402
from .log import Run  # noqa: E402
from .paper import load_replicates  # noqa: E402

RULES = [("pad", "PAD"), ("aws_global", "AWS global"), ("aws_oscillatory", "AWS oscillatory"),
         ("helmholtz", "Helmholtz"), ("negative_phase", "negative phase")]


def _level(e, key, name, level):
    """Accuracy of a perturbed or occluded test at `level`, or None when the evaluation lacks it."""
    if key == "occluded":
        levels, accuracy = e.get("occlusion_levels"), e.get("occluded_accuracy")
    else:
        p = e.get("perturbed", {}).get(name)
        levels, accuracy = (p["levels"], p["accuracy"]) if p else (None, None)
    if levels is None or accuracy is None:
        return None
    hits = np.flatnonzero(np.isclose(np.asarray(levels, dtype=float), level))
    return float(np.asarray(accuracy)[hits[0]]) if len(hits) else None


# (column, heading, value of one evaluation, scale, digits): the study's measures, in its tables' order.
MEASURES = [
    ("readout", "readout converged %", lambda e: e.get("readout_validated_accuracy"), 100, 1),
    ("knn", "kNN k=10 %", lambda e: e.get("knn_accuracy", {}).get(10), 100, 1),
    ("occluded_50", "50 % occluded %", lambda e: _level(e, "occluded", None, 0.5), 100, 1),
    ("noise_0.2", "noise σ 0.2 %", lambda e: _level(e, "perturbed", "noise", 0.2), 100, 1),
    ("blur_1", "blur σ 1 px %", lambda e: _level(e, "perturbed", "blur", 1.0), 100, 1),
    ("shift_2", "shift 2 px %", lambda e: _level(e, "perturbed", "shift", 2.0), 100, 1),
    ("class_kept", "class kept %", lambda e: e.get("reconstruction_class_kept"), 100, 1),
    ("reconstruction", "reconstruction MSE", lambda e: e.get("reconstruction_error"), 1, 4),
    ("fid_samples", "FID samples", lambda e: e.get("fid_samples"), 1, 0),
]


def conditions(hierarchy):
    """The sweep's conditions, in table order: each rule, then its Wake phase alone."""
    return [f"{hierarchy}_{rule}{suffix}" for rule, _ in RULES for suffix in ("", "_no_sleep")]


def label(condition, hierarchy):
    rule = condition[len(hierarchy) + 1:]
    alone = rule.endswith("_no_sleep")
    name = dict(RULES).get(rule[:-len("_no_sleep")] if alone else rule, rule)
    return f"{name}, Wake alone" if alone else name


def load(folder, hierarchy):
    """condition -> finished Runs (one per seed), in table order."""
    return load_replicates(folder, conditions(hierarchy))


def _seed(run):
    return int(run.attrs["seed"])


def final(run):
    return run.evaluations()[-1]


def initial(run):
    first = run.evaluations()[0]
    return first if first["trained_epochs"] == 0 else None


def _value(evaluation, measure):
    if evaluation is None:
        return np.nan
    v = measure[2](evaluation)
    return np.nan if v is None else float(v)


def untrained_groups(groups, hierarchy):
    """Label -> {seed: initial evaluation}: the untrained areas on [0, 1] images (any of the four
    rules that read them: they start from the same areas) and on PAD's [-1, 1] images."""
    out = {}
    for name, rules in (("untrained areas, [0, 1] images", [r for r, _ in RULES if r != "pad"]),
                        ("untrained areas, PAD's [-1, 1] images", ["pad"])):
        per_seed = {}
        for rule in rules:
            for run in groups.get(f"{hierarchy}_{rule}", []):
                e = initial(run)
                if e is not None:
                    per_seed.setdefault(_seed(run), e)
        if per_seed:
            out[name] = per_seed
    return out


def _row(name, evaluations):
    cells = []
    for measure in MEASURES:
        m, h, n = interval([_value(e, measure) for e in evaluations])
        cells.append(cell(m, h, n, scale=measure[3], digits=measure[4]))
    return [name, str(len(evaluations))] + cells


def _markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":--"] + ["--:"] * (len(header) - 1)) + "|"]
    return "\n".join(["\n".join(lines)] + ["| " + " | ".join(r) + " |" for r in rows])


def main_table(groups, hierarchy):
    """Header and rows: the untrained areas, then each rule and its Wake phase alone, at the end
    of training: mean [95 % CI] over training seeds."""
    header = ["condition", "seeds"] + [m[1] for m in MEASURES]
    rows = [_row(name, list(per_seed.values())) for name, per_seed in untrained_groups(groups, hierarchy).items()]
    rows += [_row(label(c, hierarchy), [final(r) for r in runs]) for c, runs in groups.items()]
    return header, rows


def dreams_table(groups, hierarchy):
    """Header and rows: the Fréchet distance of each sleeping state's last dreams at the end of
    training (eval.generated_images.dreams), beside the prior's samples of the same runs: mean
    [95 % CI] over training seeds; no rows when the runs kept no dreams."""
    header = ["condition", "sleeping state", "seeds", "dreams kept", "FID dreams", "FID prior samples"]
    rows = []
    for c, runs in groups.items():
        ends = [final(r) for r in runs]
        states = sorted({state for e in ends for state in e.get("fid_dreams", {})})
        for state in states:
            m, h, n = interval([e.get("fid_dreams", {}).get(state, np.nan) for e in ends])
            ms, hs, ns = interval([_value(e, MEASURES[-1]) for e in ends])
            kept = sorted({int(e.get("dreams_kept", {}).get(state, 0)) for e in ends} - {0})
            rows.append([label(c, hierarchy), state, str(n), "/".join(map(str, kept)) or "?",
                         cell(m, h, n, scale=1, digits=0), cell(ms, hs, ns, scale=1, digits=0)])
    return header, rows


def sleep_table(groups, hierarchy):
    """Header and rows: what each rule's sleep buys over its Wake phase alone, seed by seed
    (rule - rule without sleep, at the end of training), mean [95 % CI]."""
    header = ["rule", "pairs"] + [m[1] for m in MEASURES]
    rows = []
    for rule, name in RULES:
        slept = {_seed(r): final(r) for r in groups.get(f"{hierarchy}_{rule}", [])}
        awake = {_seed(r): final(r) for r in groups.get(f"{hierarchy}_{rule}_no_sleep", [])}
        seeds = sorted(set(slept) & set(awake))
        if not seeds:
            continue
        cells = []
        for measure in MEASURES:
            m, h, n = interval([_value(slept[s], measure) - _value(awake[s], measure) for s in seeds])
            cells.append(cell(m, h, n, scale=measure[3], digits=measure[4], signed=True))
        rows.append([name, str(len(seeds))] + cells)
    return header, rows


def curve(runs, measure):
    """Trained epochs and, per evaluation, (mean, 95 % half-width, n) of `measure` over the runs."""
    per_epoch = {}
    for run in runs:
        for e in run.evaluations():
            per_epoch.setdefault(e["trained_epochs"], []).append(_value(e, measure))
    epochs = sorted(per_epoch)
    return epochs, [interval(per_epoch[t]) for t in epochs]


# The plateau criterion (docs/theory-comparison.md): over the last stretch of training the
# mean change of the converged readout is under 1 point and that of the prior samples'
# Fréchet distance under 5 % of its final mean.
FLAT_READOUT_POINTS = 1.0
FLAT_FID_FRACTION = 0.05


def flat(readout_change, fid_change, fid_final):
    """'yes', or 'no: ...' naming each measure still moving, by the plateau criterion (means over seeds)."""
    moving = []
    if abs(100 * readout_change) >= FLAT_READOUT_POINTS:
        moving.append("readout")
    if abs(fid_change) >= FLAT_FID_FRACTION * abs(fid_final):
        moving.append("FID")
    return "yes" if not moving else "no: " + ", ".join(moving)


def plateau_table(groups, hierarchy, measures=("readout", "fid_samples")):
    """Header and rows: each measure's change over the last stretch of training (the last
    evaluation minus the one before it), seed by seed, mean [95 % CI]; and whether the
    means meet the plateau criterion (flat)."""
    chosen = [m for m in MEASURES if m[0] in measures]
    header = ["condition", "epochs"] + [f"Δ {m[1]}" for m in chosen] + ["flat?"]
    rows = []
    for c, runs in groups.items():
        evaluations = [r.evaluations() for r in runs]
        if any(len(e) < 2 for e in evaluations):
            continue
        span = f"{evaluations[0][-2]['trained_epochs']} → {evaluations[0][-1]['trained_epochs']}"
        cells, means = [], {}
        for measure in chosen:
            m, h, n = interval([_value(e[-1], measure) - _value(e[-2], measure) for e in evaluations])
            means[measure[0]] = m
            cells.append(cell(m, h, n, scale=measure[3], digits=measure[4], signed=True))
        verdict = ""
        if "readout" in means and "fid_samples" in means:
            fid_final = np.nanmean([_value(e[-1], MEASURES[-1]) for e in evaluations])
            verdict = flat(means["readout"], means["fid_samples"], fid_final)
        rows.append([label(c, hierarchy), span] + cells + [verdict])
    return header, rows


def curves_figure(groups, hierarchy, measures=("readout", "fid_samples")):
    """One panel per measure against trained epochs, each condition's mean with its 95 % interval."""
    chosen = [m for m in MEASURES if m[0] in measures]
    fig, axes = plt.subplots(1, len(chosen), figsize=(6 * len(chosen), 4))
    colours = dict(zip((r for r, _ in RULES), ("black", "tab:blue", "tab:cyan", "tab:orange", "tab:red")))
    for ax, measure in zip(np.atleast_1d(axes), chosen):
        for c, runs in groups.items():
            rule = c[len(hierarchy) + 1:].removesuffix("_no_sleep")
            epochs, stats_ = curve(runs, measure)
            mean = np.array([s[0] for s in stats_]) * measure[3]
            half = np.nan_to_num(np.array([s[1] for s in stats_]) * measure[3])
            style = "--" if c.endswith("_no_sleep") else "-"
            ax.plot(epochs, mean, style, color=colours.get(rule, "grey"), label=label(c, hierarchy), marker="o", ms=3)
            ax.fill_between(epochs, mean - half, mean + half, color=colours.get(rule, "grey"), alpha=0.12)
        ax.set_xlabel("training epochs (10,000 images each)")
        ax.set_ylabel(measure[1])
        if measure[0] == "fid_samples":
            ax.set_yscale("log")
        elif measure[3] == 100:  # a percentage: an interval over few seeds may reach past 0 or 100; the axis does not
            ax.set_ylim(0, 100)
        ax.legend(fontsize=7)
    fig.suptitle(f"every rule on the same {hierarchy} areas: mean and 95 % interval over training seeds", fontsize=9)
    fig.tight_layout()
    return fig


# The overlap test on quantile bins (scripts/overlap-shared-scale.sh): (column, heading, value).
OVERLAP_MEASURES = [
    (f"{what}_{k}", f"{'KL' if what == 'kl' else 'floor'} {k}+{k} (nats)",
     lambda e, what=what, k=k: e.get(f"overlap_{what}", {}).get(k))
    for k in (4,) for what in ("kl", "floor")
]
OVERLAP_UNTRAINED = [("untrained", "untrained areas, [0, 1] images"),
                     ("untrained_pad_images", "untrained areas, PAD's [-1, 1] images")]


def load_overlap(folder, hierarchy):
    """Row label -> {seed: evaluation} from scripts/overlap-shared-scale.sh's logs
    (OUT/<condition>/seed_K.h5, the untrained areas under OUT/untrained*/), in table order."""
    def read(name):
        per_seed = {}
        for path in sorted(glob.glob(os.path.join(folder, name, "seed_*.h5"))):
            run = Run(path)
            if run.status == "finished":
                per_seed[_seed(run)] = run.evaluations()[-1]
        return per_seed
    rows = {label_: read(name) for name, label_ in OVERLAP_UNTRAINED}
    rows.update({label(c, hierarchy): read(c) for c in conditions(hierarchy)})
    return {k: v for k, v in rows.items() if v}


def overlap_tables(rows_by):
    """Two (header, rows) from load_overlap's rows: the overlap KL on quantile bins and its
    floor, mean [95 % CI] over seeds; and each rule's sleep minus its Wake phase alone on the
    KL, seed by seed."""
    header = ["condition", "seeds"] + [m[1] for m in OVERLAP_MEASURES]
    rows = []
    for name, per_seed in rows_by.items():
        cells = [cell(*interval([_value(e, m) for e in per_seed.values()]), scale=1, digits=3) for m in OVERLAP_MEASURES]
        rows.append([name, str(len(per_seed))] + cells)
    kl = [m for m in OVERLAP_MEASURES if m[0].startswith("kl_")]
    paired_header = ["rule", "pairs"] + [f"Δ {m[1]}" for m in kl]
    paired = []
    for rule, name in RULES:
        slept, awake = rows_by.get(name, {}), rows_by.get(f"{name}, Wake alone", {})
        seeds = sorted(set(slept) & set(awake))
        if seeds:
            paired.append([name, str(len(seeds))] + [
                cell(*interval([_value(slept[s], m) - _value(awake[s], m) for s in seeds]), scale=1, digits=3,
                     signed=True) for m in kl])
    return (header, rows), (paired_header, paired)


# What write() can write: its tables (CSV in out/, Markdown printed) and the curves' figure.
OUTPUTS = ("table", "sleep", "plateau", "dreams", "overlap", "curves")


def write(folder, out, hierarchy, overlap=None, only=None):
    """The study's tables (Markdown, printed; CSV in out/) and its learning curves (out/*.png);
    `only`: the names in OUTPUTS to write (default all), e.g. ["dreams"] for a sweep that
    reran some conditions to keep their dreams, without replacing the main table's files."""
    only = set(OUTPUTS if only is None else only)
    unknown = only - set(OUTPUTS)
    if unknown:
        raise SystemExit(f"same-areas: no output {', '.join(sorted(unknown))}; choose from {', '.join(OUTPUTS)}")
    groups = load(folder, hierarchy)
    if not groups:
        raise SystemExit(f"{folder}: no finished run of the {hierarchy} conditions ({', '.join(conditions(hierarchy))})")
    os.makedirs(out, exist_ok=True)
    sections = [
        ("table", f"At the end of training, {hierarchy} areas: mean [95 % CI] over training seeds",
         lambda: main_table(groups, hierarchy), f"theories_{hierarchy}_table.csv"),
        ("sleep", "What each rule's sleep buys over its Wake phase alone: the difference, seed by seed",
         lambda: sleep_table(groups, hierarchy), f"theories_{hierarchy}_sleep.csv"),
        ("plateau", "Still learning? The change over the last stretch of training, seed by seed",
         lambda: plateau_table(groups, hierarchy), f"theories_{hierarchy}_plateau.csv"),
        ("dreams", "The dreams themselves: each sleeping state's last dreams at the end of training, mean [95 % CI] over seeds",
         lambda: dreams_table(groups, hierarchy), f"theories_{hierarchy}_dreams.csv"),
    ]
    if overlap is not None and "overlap" in only:
        table, paired = overlap_tables(load_overlap(overlap, hierarchy))
        sections += [
            ("overlap", "The wake/sleep overlap on quantile bins (every unit cut at its wake median): mean [95 % CI] over seeds",
             lambda: table, f"theories_{hierarchy}_overlap.csv"),
            ("overlap", "The overlap KL, each rule's sleep minus its Wake phase alone, seed by seed", lambda: paired,
             f"theories_{hierarchy}_overlap_sleep.csv"),
        ]
    text = []
    for key, title, make, name in sections:
        if key not in only:
            continue
        header, rows = make()
        if not rows:
            continue
        with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header] + rows)
        text.append(f"### {title}\n\n{_markdown(header, rows)}\n\ntable: {os.path.join(out, name)}")
    if "curves" in only:
        figure = os.path.join(out, f"theories_{hierarchy}_curves.png")
        curves_figure(groups, hierarchy).savefig(figure, dpi=120)
        plt.close("all")
        text.append(f"figure: {figure}")
    return "\n\n".join(text) + "\n"
