"""The resolved spec a log records, run again; one writer per log."""
import json
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from conftest import run_somnus, somnus_binary, tiny_spec

# Timings differ from run to run (the steps' time, an evaluation's seconds per part); everything else a log
# holds is the same bitwise.
TIMING = ("epochs/images_per_second", "epochs/wall_seconds")


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Dataset) and name not in TIMING and not name.endswith(("/time", "/seconds")):
                out[name] = item[()]
        f.visititems(visit)
    return out


def recorded_spec(path, attribute="spec"):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs[attribute])


def test_the_log_records_the_resolved_spec_beside_the_spec_as_written(tiny_log):
    spec, written = recorded_spec(tiny_log), recorded_spec(tiny_log, "spec_as_written")
    assert "day_iterations" not in written["schedule"] and spec["schedule"]["day_iterations"] == 0
    assert "states" not in written and spec["states"]["rem"] == {
        "type": "rem", "lambda": 0.5, "alpha": 0.5, "first_step": "reference", "mix_memories": True}
    assert spec["modules"]["V1_encoder"]["leaky_slope"] == 0.2
    assert spec["schedule"]["epochs"] == written["schedule"]["epochs"] == 2


def test_validate_resolved_prints_what_the_log_records(tiny_log, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(recorded_spec(tiny_log, "spec_as_written")))
    printed = json.loads(run_somnus("validate", "--resolved", spec).stdout)
    assert printed == recorded_spec(tiny_log)


def test_the_resolved_spec_of_a_log_run_again_repeats_the_run_bitwise(tiny_log, tmp_path):
    again = tmp_path / "again.h5"
    spec = tmp_path / "resolved.json"
    spec.write_text(json.dumps(recorded_spec(tiny_log)))
    run_somnus("run", spec, "--out", again)
    first, second = datasets(tiny_log), datasets(again)
    assert sorted(first) == sorted(second)
    assert len(first) > 40
    for name in first:
        a, b = np.asarray(first[name]), np.asarray(second[name])
        floats = a.dtype.kind == "f"  # NaN marks "not measured" (e.g. a state without feedback plasticity)
        assert a.shape == b.shape and np.array_equal(a, b, equal_nan=floats), name
    resolved_again = recorded_spec(again)
    resolved_again["record"]["path"] = str(tiny_log)
    assert resolved_again == recorded_spec(tiny_log)


def test_continue_refuses_a_log_that_ran_under_another_default(data_dir, tmp_path):
    """A log from a version whose default was different is not resumed as if it were the same run."""
    log = tmp_path / "run.h5"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(tiny_spec(data_dir, log)))
    run_somnus("run", spec, "--set", "schedule.epochs=1")
    with h5py.File(log, "r+") as f:  # as if the default of lambda had been 0.25 when it ran
        recorded = json.loads(f.attrs["spec"])
        recorded["states"]["rem"]["lambda"] = 0.25
        f.attrs["spec"] = json.dumps(recorded)
    refused = run_somnus("run", spec, "--set", "schedule.epochs=1", "--continue", check=False)
    assert refused.returncode == 2
    assert (f"somnus: {log} holds a run of a different spec (at /states/rem/lambda: 0.25 in the log, "
            "0.5 now); give --overwrite to replace it, or --out to write elsewhere") in refused.stderr


def test_a_second_run_at_the_same_log_is_told_which_run_writes_it(data_dir, tmp_path):
    log = tmp_path / "run.h5"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(tiny_spec(data_dir, log)))
    first = subprocess.Popen([somnus_binary(), "run", str(spec)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    lock = tmp_path / "run.h5.lock"
    deadline = time.time() + 120
    while not (lock.exists() and lock.read_text().strip()) and time.time() < deadline:
        time.sleep(0.005)
    os.kill(first.pid, signal.SIGSTOP)  # holds the log for as long as the second one needs
    try:
        second = run_somnus("run", spec, "--overwrite", check=False)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=600)
    assert second.returncode == 1, second.stderr
    assert second.stderr == (f"somnus: error: {log}: another run (process {first.pid}) is writing this log; "
                             "wait for it to end, or give --out to write elsewhere\n")
    assert first.returncode == 0, err
    assert not lock.exists()
    with h5py.File(log, "r") as f:
        assert f.attrs["status"] == "finished"
