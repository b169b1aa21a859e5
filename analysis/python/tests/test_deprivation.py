"""The deprivation study on tiny data: the shipped specs as a replicate, the
timeline in the log, the per-night table of `somnus table --per-epoch`, and the
Python per-night figure and table."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_somnus
from somnus_analysis import Run, deprivation

# 4 mini-batches a day; nights scaled down with the same protocols.
TINY = ["--set", "data.train_subset=64", "--set", "schedule.batch_size=16", "--set", "threads=1",
        "--set", "schedule.night.episodes=[{\"state\":\"nrem\",\"iterations\":2},{\"state\":\"rem\",\"iterations\":1}]",
        "--set", "modules.V1_encoder.features=8", "--set", "modules.V1_generator.features=8",
        "--set", "record.activity.probe_images=16", "--set", "eval.linear_readout.epochs=1",
        "--set", "eval.linear_readout.train_images=64", "--set", "eval.linear_readout.test_images=48",
        "--set", "eval.linear_readout.batch_size=16", "--set", "eval.latent_geometry.inter_pairs=50",
        "--set", "eval.latent_geometry.intra_pairs=5", "--set", "eval.latent_geometry.occluded_pairs=50"]
CONDITIONS = ("baseline", "total_deprivation", "rem_deprivation", "fragmentation", "recovery")


@pytest.fixture(scope="module")
def study(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("deprivation") / "runs"
    specs = [ROOT / "experiments/deprivation" / f"{c}.json" for c in CONDITIONS]
    run_somnus("replicate", *specs, "--seeds", "2", "--jobs", "2", "--out", out, "--set", f"data.path={data_dir}",
               *TINY, timeout=1200)
    return out


def test_the_log_holds_the_timeline_and_the_sleep_each_night_had(study):
    baseline = Run(study / "baseline" / "seed_0.h5")
    blocks, protocols = baseline.schedule()
    assert protocols == [[]] * 5
    assert [(b["part"], b["states"], b["iterations"]) for b in blocks if b["epoch"] == 0] == [
        ("day", ["wake"], 4), ("night", ["nrem"], 2), ("night", ["rem"], 1), ("night", ["nrem"], 2), ("night", ["rem"], 1),
        ("night", ["nrem"], 2), ("night", ["rem"], 1)]
    assert baseline.sleep_per_epoch() == {"wake": [4] * 5, "nrem": [6] * 5, "rem": [3] * 5}
    assert Run(study / "total_deprivation" / "seed_0.h5").sleep_per_epoch() == {"wake": [4] * 5, "nrem": [6, 0, 0, 0, 0], "rem": [3, 0, 0, 0, 0]}
    assert Run(study / "rem_deprivation" / "seed_1.h5").sleep_per_epoch()["rem"] == [3, 0, 0, 0, 0]
    # Fragmentation (every 15 sleep mini-batches) never interrupts these 9-step nights.
    assert Run(study / "fragmentation" / "seed_0.h5").sleep_per_epoch()["rem"] == [3] * 5
    # Recovery: deprived on nights 2-3; then nights 1.5 times as long, REM episodes doubled:
    # 1.5 x 3 cycles of (NREM 2 + REM 2) = 18 = 4.5 cycles.
    recovery = Run(study / "recovery" / "seed_0.h5")
    assert recovery.sleep_per_epoch() == {"wake": [4] * 5, "nrem": [6, 0, 0, 10, 10], "rem": [3, 0, 0, 8, 8]}
    _, recovery_protocols = recovery.schedule()
    assert recovery_protocols == [[], ["total deprivation"], ["total deprivation"], ["recovery sleep"], ["recovery sleep"]]


def test_per_night_table_and_figure(study, tmp_path):
    groups = deprivation.load(study)
    assert list(groups) == list(CONDITIONS)
    nights, mean, sem = deprivation.per_night(groups["baseline"], "readout")
    assert list(nights) == [1, 2, 3, 4, 5] and np.all((mean > 0) & (mean <= 100)) and np.all(sem >= 0)
    # Every condition shares the first night (same seed, same undisturbed schedule so far).
    first = {c: deprivation.per_night(runs, "occluded_50")[1][0] for c, runs in groups.items()}
    assert len({round(v, 6) for v in first.values()}) == 1, first
    # Deprivation changes what follows.
    ratio = deprivation.per_night(groups["baseline"], "clean_occluded_ratio")[1]
    assert deprivation.per_night(groups["total_deprivation"], "clean_occluded_ratio")[1][1] != ratio[1]
    table = deprivation.per_night_table(groups)
    assert "| total_deprivation | 2 |" in table
    deprivation.per_night_figure(groups).savefig(tmp_path / "nights.png")
    assert (tmp_path / "nights.png").stat().st_size > 10000
    script = subprocess.run([sys.executable, str(ROOT / "analysis/python/examples/deprivation_figures.py"), str(study), str(tmp_path / "fig")],
                            capture_output=True, text=True, timeout=300)
    assert script.returncode == 0, script.stderr
    assert "total_deprivation: wake [4, 4, 4, 4, 4]; nrem [6, 0, 0, 0, 0]; rem [3, 0, 0, 0, 0]" in script.stdout


def test_somnus_table_per_epoch(study):
    r = run_somnus("table", study / "baseline", study / "total_deprivation", "--per-epoch")
    lines = [l for l in r.stdout.splitlines() if l.startswith("| ")]
    assert lines[0].startswith("| experiment") and "| epochs |" in lines[0]
    rows = [l.split("|")[1:3] for l in lines[1:]]
    nights = [str(k) for k in range(1, 6)]
    assert [(a.strip(), b.strip()) for a, b in rows] == [("baseline", k) for k in nights] + [("total_deprivation", k) for k in nights]
    # Night 1 is the same schedule and seed in both conditions: the same numbers.
    assert lines[1].split("|")[3:] == lines[6].split("|")[3:]
