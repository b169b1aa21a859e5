"""The shipped deprivation sweep on tiny data: `somnus sweep` runs it here,
writes the summary tables and one plot per metric, and the Python reader
(somnus_analysis.sweep) and the deprivation figures read the folder."""
import csv
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, run_somnus
from somnus_analysis import deprivation, sweep
from test_deprivation import TINY


@pytest.fixture(scope="module")
def folder(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "deprivation"
    result = run_somnus("sweep", ROOT / "experiments/sweeps/deprivation.json", "--seeds", "2", "--out", out,
                        "--set", f"data.path={data_dir}", *TINY, timeout=1200)
    assert "sweep deprivation: 7 conditions x 2 seeds = 14 runs" in result.stdout
    assert "[14/14] finished" in result.stdout
    return out


def test_the_sweep_writes_both_summaries_and_a_plot_per_metric(folder):
    with open(folder / "summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["experiment"] for r in rows] == ["baseline", "fragmentation", "nrem_deprivation", "recovery",
                                               "rem_deprivation", "restricted", "total_deprivation"]
    assert all(r["runs"] == "2" and r["seeds"] == "0 1" for r in rows)
    per_epoch = list(csv.DictReader(open(folder / "summary_per_epoch.csv", newline="")))
    assert [int(r["epochs"]) for r in per_epoch if r["experiment"] == "baseline"] == [1, 2, 3, 4, 5]
    plots = sorted(p.name for p in (folder / "plots").glob("*.svg"))
    assert "readout_last_epoch.svg" in plots and "occluded_50_per_epoch.svg" in plots
    for name in plots:
        root = ET.parse(folder / "plots" / name).getroot()  # well-formed SVG
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_the_python_reader_lists_runs_groups_and_the_table(folder):
    s = sweep.load(folder)
    assert s.name == "deprivation" and s.parameters == []
    assert len(s.runs) == 14 and all(r.finished for r in s.runs)
    groups = s.groups()
    assert list(groups) == s.conditions() and all(len(runs) == 2 for runs in groups.values())
    table = {row["experiment"]: row for row in s.table()}
    baseline = groups["baseline"]
    expected = sum(100 * r.evaluations()[-1]["readout_accuracy"] for r in baseline) / 2
    assert table["baseline"]["readout_last_epoch_mean"] == pytest.approx(expected, abs=1e-6)
    # The deprivation module reads a sweep folder as it reads a replicate folder.
    assert list(deprivation.load(folder))[:2] == ["baseline", "total_deprivation"]


def test_a_second_sweep_keeps_every_run(folder, data_dir):
    again = run_somnus("sweep", ROOT / "experiments/sweeps/deprivation.json", "--seeds", "2", "--out", folder,
                       "--set", f"data.path={data_dir}", *TINY)
    assert "14 finished earlier (kept), 0 interrupted (resume from their checkpoints), 0 to run" in again.stdout
    assert "started" not in again.stdout
