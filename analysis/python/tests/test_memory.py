"""Memory across days on tiny data: the shipped sweep's conditions as a sweep, the
retention matrix read the same way by Python, `somnus table` and the MATLAB reader
(in Octave, on the .mat export), and the study's tables and figure."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_somnus, sets
from somnus_analysis import Run, memory

# 96 training images (about 19 a day), 3 Wake mini-batches a day of 16, nights of
# 2 NREM + 2 REM, small areas, a retention readout of one slow epoch (so that its
# accuracies, on these easy images, stay away from 1).
TINY = sets({"data.train_subset": 0, "schedule.batch_size": 16, "schedule.day_iterations": 3,
             "schedule.night.episodes": '[{"state":"nrem","iterations":2},{"state":"rem","iterations":2}]',
             "modules.V1_encoder.features": 8, "modules.V1_generator.features": 8,
             "eval.retention.epochs": 1, "eval.retention.lr": 0.002, "eval.retention.batch_size": 16,
             "eval.retention.train_images": 0,
             "eval.retention.reconstruction_images": 10})
CONDITIONS = ("memory_pad", "memory_no_sleep", "memory_deprived_night_2", "memory_tmr")


@pytest.fixture(scope="module")
def study(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("memory") / "memory_across_days"
    sweep = ROOT / "experiments/sweeps/memory_across_days.json"
    specs = ["memory_pad", "memory_no_sleep", "memory_deprived_night_2", "memory_tmr"]
    result = run_somnus("replicate", *[ROOT / "experiments/memory" / f"{s}.json" for s in specs], "--seeds", "2",
                        "--jobs", "2", "--threads", "1", "--out", out, "--set", f"data.path={data_dir}", *TINY,
                        timeout=1200)
    assert "[8/8] finished" in result.stdout, result.stdout
    assert sweep.exists()
    return out


def test_the_retention_matrix_of_a_run(study):
    run = Run(study / "memory_pad" / "seed_0.h5")
    frame = run.retention()
    assert len(frame) == 6 * 5  # after day 1's Wake and after each of 5 nights, 5 tasks
    assert list(frame.groupby("test")["nights"].first()) == [0, 1, 2, 3, 4, 5]
    assert list(frame.groupby("test")["days_trained"].first()) == [1, 1, 2, 3, 4, 5]
    assert list(frame.groupby("task")["classes"].first()) == ["0,1", "2,3", "4,5", "6,7", "8,9"]
    assert frame["accuracy"].between(0, 1).all() and (frame["reconstruction_error"] > 0).all()
    # Each day showed its own two classes; the log says so.
    with run._open() as f:
        assert f["schedule/day_classes"][()].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    summary = run.retention_summary()
    matrix = frame.pivot(index="test", columns="task", values="accuracy").to_numpy()
    assert summary["average_accuracy"] == pytest.approx(matrix[-1].mean())
    # Task 1 (day 1): best after nights 1-4, minus after night 5.
    assert summary["forgetting"][0] == pytest.approx(matrix[1:5, 0].max() - matrix[5, 0])
    assert np.isnan(summary["forgetting"][4])
    # Backward transfer: the last test minus right after each task's own night.
    assert summary["backward_transfer"] == pytest.approx(np.mean([matrix[5, j] - matrix[j + 1, j] for j in range(4)]))


def test_somnus_table_gives_the_same_summaries(study, tmp_path):
    run_somnus("table", study / "memory_pad" / "seed_0.h5", "--csv", tmp_path / "t.csv")
    out = (tmp_path / "t.csv").read_text().splitlines()
    header, row = out[0].split(","), out[1].split(",")
    values = dict(zip(header, row))
    run = Run(study / "memory_pad" / "seed_0.h5")
    for prefix, average, measure in (("retention_", "retention_tasks_mean", "accuracy"),
                                     ("retention_class_incremental_", "retention_class_incremental_average_mean",
                                      "class_incremental_accuracy")):
        s = run.retention_summary(measure)
        assert 0 < s["average_accuracy"] < 1 and s["mean_forgetting"] != 0, s
        assert float(values[average]) == pytest.approx(100 * s["average_accuracy"], abs=1e-5)
        assert float(values[prefix + "forgetting_mean"]) == pytest.approx(100 * s["mean_forgetting"], abs=1e-5)
        assert float(values[prefix + "backward_transfer_mean"]) == pytest.approx(100 * s["backward_transfer"], abs=1e-5)


def test_a_deprived_night_and_a_cue_change_what_the_nights_did(study):
    pad = Run(study / "memory_pad" / "seed_0.h5")
    deprived = Run(study / "memory_deprived_night_2" / "seed_0.h5")
    assert pad.sleep_per_epoch()["nrem"] == [2] * 5
    assert deprived.sleep_per_epoch()["nrem"] == [2, 0, 2, 2, 2]
    # The same seed: identical up to the deprived night, then not.
    a, b = pad.retention(), deprived.retention()
    assert np.array_equal(a[a.test <= 1].reconstruction_error, b[b.test <= 1].reconstruction_error)
    assert not np.array_equal(a[a.test == 2].reconstruction_error, b[b.test == 2].reconstruction_error)
    # TMR of class 0: the share of replayed memories the cue names is logged, and no replay in PAD is cued.
    with Run(study / "memory_tmr" / "seed_0.h5")._open() as f:
        cued = f["states/nrem/hippocampus/replayed_cued"][()]
    assert np.all((cued > 0) & (cued <= 1))
    with pad._open() as f:
        assert np.all(f["states/nrem/hippocampus/replayed_cued"][()] == 0)


def test_the_study_tables_and_figure(study, tmp_path):
    groups = memory.load(study)
    assert list(groups) == list(CONDITIONS) and all(len(runs) == 2 for runs in groups.values())
    summary = memory.summary_table(groups)
    assert "| PAD (NREM + REM nights) | 2 |" in summary and "| PAD, no sleep | 2 |" in summary
    # A paired difference is the mean of the per-seed differences.
    pad, none = groups["memory_pad"], groups["memory_no_sleep"]
    per_seed = [a.retention_summary(memory.PRIMARY)["average_accuracy"] - b.retention_summary(memory.PRIMARY)["average_accuracy"]
                for a, b in zip(sorted(pad, key=lambda r: r.attrs["seed"]), sorted(none, key=lambda r: r.attrs["seed"]))]
    m, h, n = memory.paired(none, pad, lambda r: r.retention_summary(memory.PRIMARY)["average_accuracy"])
    assert n == 2 and m == pytest.approx(-np.mean(per_seed))
    assert h == pytest.approx(12.7062 * np.std(per_seed, ddof=1) / np.sqrt(2), rel=1e-4)  # t(0.975, 1)
    assert f"| PAD, no sleep | 2 | {memory.cell(m, h, n, signed=True)} |" in memory.paired_table(groups)
    assert "| PAD: sleep − no sleep | 2 |" in memory.theory_table(groups)
    assert "day 3's task right after night 3 (its learning)" in memory.deprivation_table(groups)
    assert "| TMR − PAD, paired | cued − uncued | 2 |" in memory.tmr_table(groups)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis" / "python"))
    out = subprocess.run([sys.executable, "-m", "somnus_analysis", "memory", str(study), str(tmp_path / "fig")],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "fig" / "memory_retention.png").stat().st_size > 10000
    assert "| condition | seeds | average accuracy, last test %" in out.stdout
    assert "### The deprived night (class-incremental)" in out.stdout


@pytest.mark.skipif(shutil.which("octave") is None, reason="Octave is not installed (scripts/install-deps.sh installs it)")
def test_octave_reads_the_retention_of_the_mat_export(study, tmp_path):
    log = study / "memory_pad" / "seed_1.h5"
    mat = tmp_path / "memory.mat"
    run_somnus("export", log, "--mat", mat)
    code = (f"addpath('{ROOT / 'analysis' / 'matlab'}'); R = somnus.retention(somnus.load('{mat}')); "
            "printf('size %d %d\\n', size(R.accuracy, 1), size(R.accuracy, 2)); "
            "printf('nights %s\\n', mat2str(R.nights')); printf('task2 %s\\n', mat2str(R.tasks{2})); "
            "printf('summary %.6f %.6f %.6f\\n', R.average_accuracy, R.mean_forgetting, R.backward_transfer); "
            "printf('a34 %.6f\\n', R.accuracy(3, 4));")
    result = subprocess.run(["octave", "--no-gui", "--no-window-system", "--quiet", "--eval", code],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "DISPLAY": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    run = Run(log)
    s = run.retention_summary()
    frame = run.retention()
    assert "size 6 5" in result.stdout and "nights [0 1 2 3 4 5]" in result.stdout and "task2 [2 3]" in result.stdout
    assert (f"summary {s['average_accuracy']:.6f} {s['mean_forgetting']:.6f} {s['backward_transfer']:.6f}"
            in result.stdout), result.stdout
    a = frame[(frame.test == 2) & (frame.task == 3)].accuracy.iloc[0]
    assert f"a34 {a:.6f}" in result.stdout
