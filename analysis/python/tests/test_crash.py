"""A run killed with SIGKILL leaves a log h5py opens, holding every finished epoch;
readers can follow a run while it writes."""
import json
import os
import signal
import subprocess
import time

import h5py
import numpy as np

from conftest import somnus_binary, tiny_spec
from somnus_analysis import Run, follow


def test_sigkill_mid_epoch_keeps_finished_epochs(data_dir, tmp_path):
    log = tmp_path / "killed.h5"
    spec = tiny_spec(data_dir, log)
    spec["schedule"]["epochs"] = 500
    spec["data"]["train_subset"] = 48  # 3 iterations per epoch
    spec["record"]["flush_every"] = 1  # and a flush after every cycle
    path = tmp_path / "long.json"
    path.write_text(json.dumps(spec))
    process = subprocess.Popen([somnus_binary(), "run", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Follow the run live until two epochs are in the file.
        seen = []
        for run in follow(log, interval=0.2, timeout=300):
            seen.append(run.epochs_finished)
            if run.epochs_finished >= 2:
                break
        assert seen and seen[-1] >= 2, seen
        assert run.status == "running"
        time.sleep(0.7)  # into a later epoch
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    with h5py.File(log, "r") as f:
        assert f.attrs["status"] == "running"  # never ended: the reader can tell
        n = int(f.attrs["epochs_finished"])
        assert n >= 2 and list(f["epochs/epoch"][:]) == list(range(n))
        steps = f["states/wake/step"][:]
        assert len(steps) >= 3 * n and list(steps) == list(range(len(steps)))
        assert list(f["plasticity/feedforward/epoch"][:]) == list(range(n))
        assert f["activity/rem/V1_encoder/z"].shape[0] == len(f["activity/rem/step"])
        assert np.all(np.isfinite(f["states/wake/losses/reconstruction"][:]))
    assert Run(log).epochs_finished == n
