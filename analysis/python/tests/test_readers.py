"""The somnus_analysis package, the example script, `somnus inspect` and `somnus export` on a real log."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_somnus
from somnus_analysis import Run, plots


@pytest.fixture(scope="module")
def run(tiny_log):
    return Run(tiny_log)


def test_run_summary(run):
    assert run.status == "finished" and run.epochs_finished == 2
    assert run.states == ["wake", "nrem", "rem"]
    assert run.spec["seed"] == 3
    assert "activity/rem/V1_encoder/z" in run.datasets()
    assert run.describe("states/wake/time") == ("wall-clock time at the end of the step, since the run started", "s")


def test_losses_and_neuromodulators(run):
    wake = run.losses("wake")
    assert set(wake) == {"kl", "real", "reconstruction"} and wake["reconstruction"].shape == (12,)
    assert np.all(np.isfinite(wake["reconstruction"]))
    rem = run.neuromodulators("rem")
    assert np.all(rem["ach"] == 1) and np.all(rem["na"] == 0) and np.all(rem["feedback_sign"] == -1)
    step, epoch, iteration, time = run.steps("nrem")
    assert list(step) == list(range(12)) and time[-1] > time[0]


def test_activity_by_area_state_epoch(run):
    z_last = run.activity("V1_encoder", "z", state="rem", epoch=-1)
    assert z_last.shape == (20, 256)
    assert np.array_equal(z_last, run.activity("V1_encoder", "z", state="rem", epoch=1))
    assert np.array_equal(z_last, run.activity("V1_encoder", "z", state="rem", step=11))
    assert run.activity("V1_encoder", "layer1", "wake").shape == (6, 20, 64, 16, 16)
    assert run.activity("V1_encoder", "z", "initial", epoch=-1).shape == (20, 256)
    with pytest.raises(KeyError, match="no activity"):
        run.activity("V1_encoder", "layer9", "rem")
    with pytest.raises(KeyError, match="epochs sampled"):
        run.activity("V1_encoder", "z", "rem", epoch=7)
    images, labels = run.probe()
    assert images.shape == (20, 1, 32, 32) and labels.shape == (20,)


def test_dreams_plasticity_hippocampus_readout(run):
    assert run.dreams("rem").shape == (8, 1, 32, 32)
    assert run.dreams("nrem", "occluded_dream", epoch=0).shape == (8, 1, 32, 32)
    p = run.plasticity("feedforward", "gradient")
    assert p["states"] == ["wake", "nrem", "rem"] and p["cosine"].shape == (2, 3, 3)
    from_vectors = run.weight_change_cosine("wake", "rem", epoch=-1)
    table = run.plasticity("feedforward")["cosine"][-1, 0, 2]
    assert from_vectors == pytest.approx(table, abs=1e-4) and -1 <= from_vectors <= 1
    assert run.weight_change("rem", epoch=0).shape == (1709761,)
    assert -1 <= run.weight_change_cosine("wake", "rem", pathway="feedback") <= 1
    assert list(run.hippocampus("nrem")["replayed_age"]) == [0] * 12
    assert run.readout()["last_epoch_accuracy"].shape == (2,)


def test_plots_write_pngs(run, tmp_path):
    for name, fig in [("losses", plots.loss_curves(run)), ("neuromodulators", plots.neuromodulator_traces(run)),
                      ("dreams", plots.dream_grid(run)), ("pca", plots.latent_pca(run)),
                      ("plasticity", plots.plasticity_summary(run))]:
        path = tmp_path / f"{name}.png"
        fig.savefig(path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000, name


def test_figures_command(tiny_log, tmp_path):
    # `python3 -m somnus_analysis figures LOG DIR`, as `somnus run` suggests when it ends.
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis" / "python"))
    out = subprocess.run([sys.executable, "-m", "somnus_analysis", "figures", str(tiny_log), str(tmp_path / "fig")],
                         capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for name in ("losses", "neuromodulators", "dreams", "latent_pca", "plasticity"):
        assert (tmp_path / "fig" / f"{name}.png").stat().st_size > 5000
    assert "feedforward weight change, last epoch, from the stored vectors: cosine(wake, rem) = " in out.stdout


def test_inspect(tiny_log):
    out = run_somnus("inspect", tiny_log, "--spec").stdout
    assert "status: finished" in out and "epochs_finished: 2" in out
    assert "z  (6, 20, 256) float32 [a.u. (activation)]" in out
    assert '"probe_images": 20' in out
    bad = run_somnus("inspect", ROOT / "README.md", check=False)
    assert bad.returncode == 1 and "README.md: not an HDF5 file" in bad.stderr


@pytest.mark.skipif(shutil.which("octave") is None, reason="Octave is not installed (scripts/install-deps.sh installs it)")
def test_octave_reads_the_mat_export(run, tiny_log, tmp_path):
    mat = tmp_path / "tiny.mat"
    out = run_somnus("export", tiny_log, "--mat", mat).stdout
    assert "datasets ->" in out and mat.stat().st_size > 0
    code = (f"addpath('{ROOT / 'analysis' / 'matlab'}'); example_analysis('{mat}', '{tmp_path / 'fig'}'); "
            f"L = somnus.load('{mat}'); z = somnus.activity(L, 'V1_encoder', 'z', 'rem', 1); "
            "printf('z-sum %.6f size %d %d\\n', sum(double(z(:))), size(z, 1), size(z, 2)); "
            "printf('class %s steps %d\\n', class(L.states.wake.step), numel(L.states.wake.step));")
    result = subprocess.run(["octave", "--no-gui", "--no-window-system", "--quiet", "--eval", code],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "DISPLAY": ""})
    assert "wrote" in result.stdout, result.stdout + result.stderr
    for name in ("losses", "neuromodulators", "dreams", "latent_pca"):
        assert (tmp_path / "fig" / f"{name}.png").stat().st_size > 2000, name
    z = run.activity("V1_encoder", "z", "rem", epoch=1)
    assert f"z-sum {z.astype(np.float64).sum():.6f} size 20 256" in result.stdout, result.stdout
    assert "class int64 steps 12" in result.stdout
    # The functions are a package: nothing of somnus sits in the global namespace.
    assert not list((ROOT / "analysis" / "matlab").glob("somnus_*.m"))
    cosine = run.weight_change_cosine("wake", "rem")
    assert f"cosine(wake, rem) = {cosine:+.4f}" in result.stdout
