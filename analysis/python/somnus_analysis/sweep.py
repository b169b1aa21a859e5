"""Sweeps (`somnus sweep`): the runs of a sweep folder with their varied parameters.

    from somnus_analysis import sweep
    s = sweep.load("runs/sweeps/rem_ach_dose_response")
    s.parameters                       # ["rem_ach", "given"]: the varied values' labels
    s.runs[0].condition, s.runs[0].seed, s.runs[0].parameters   # ..., 0, {"rem_ach": "0", "given": "all"}
    groups = s.groups()                # condition -> finished Runs, in the sweep's order
    rows = s.table()                   # summary.csv of `somnus summarize` as dicts (numbers as floats)
    s.frame()                          # the same as a pandas DataFrame, one column per varied parameter
    s.runs_frame()                     # one row per run: condition, seed, parameters, status, final accuracy

The folder's `sweep.json` (written by `somnus sweep`) lists every run: its
condition, seed, parameters, spec and log. Runs not yet finished are listed
too; `groups()` leaves them out.
"""
import csv
import json
import os
from dataclasses import dataclass, field

from .log import Run


@dataclass
class SweepRun:
    condition: str
    seed: int
    parameters: dict
    spec: str
    log: str
    base: str = ""

    @property
    def status(self):
        """The log's status attribute, or "not run" when there is no log yet."""
        if not os.path.exists(self.log):
            return "not run"
        return Run(self.log).status

    @property
    def finished(self):
        return self.status == "finished"


@dataclass
class Sweep:
    folder: str
    name: str
    parameters: list
    runs: list = field(default_factory=list)

    def conditions(self):
        """The conditions, in the sweep's order."""
        seen = []
        for r in self.runs:
            if r.condition not in seen:
                seen.append(r.condition)
        return seen

    def groups(self):
        """condition -> list of finished Runs (one per seed), in the sweep's order."""
        out = {}
        for r in self.runs:
            if r.finished:
                out.setdefault(r.condition, []).append(Run(r.log))
        return {c: out[c] for c in self.conditions() if c in out}

    def table(self, per_epoch=False):
        """The rows of summary.csv (summary_per_epoch.csv), as written by `somnus summarize`."""
        path = os.path.join(self.folder, "summary_per_epoch.csv" if per_epoch else "summary.csv")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: run `somnus summarize {self.folder}` first")
        text_columns = {"experiment", "seeds", *self.parameters}
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            for key, value in row.items():
                if key not in text_columns:
                    row[key] = float(value) if value != "" else float("nan")
        return rows

    def frame(self, per_epoch=False):
        """table() as a pandas DataFrame: one row per condition (and epoch), one column per varied
        parameter (as text, the sweep's labels), then the summary's columns as numbers."""
        import pandas
        return pandas.DataFrame(self.table(per_epoch))

    def runs_frame(self):
        """One row per run of the sweep: condition, seed, one column per varied parameter, status,
        log, and the final evaluation's readout_accuracy (NaN until the run has finished)."""
        import pandas
        rows = []
        for r in self.runs:
            row = {"condition": r.condition, "seed": r.seed,
                   **{p: r.parameters.get(p, "") for p in self.parameters}, "status": r.status, "log": r.log,
                   "readout_accuracy": float("nan")}
            if row["status"] == "finished":
                final = [e for e in Run(r.log).evaluations() if e["group"] == "eval"]
                if final and "readout_accuracy" in final[0]:
                    row["readout_accuracy"] = final[0]["readout_accuracy"]
            rows.append(row)
        return pandas.DataFrame(rows)


def load(folder):
    """The sweep in `folder` (its sweep.json)."""
    path = os.path.join(folder, "sweep.json")
    with open(path) as f:
        manifest = json.load(f)
    runs = [SweepRun(r["condition"], int(r["seed"]), dict(r["parameters"]), r["spec"], r["log"], r.get("base", ""))
            for r in manifest["runs"]]
    return Sweep(str(folder), manifest["sweep"], list(manifest["parameters"]), runs)
