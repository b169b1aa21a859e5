"""The comparison of sleep theories: the shipped specs on tiny data, the overlap
test in the log, the readers and the comparison figure script."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, TINY_EVAL, run_somnus, sets
from somnus_analysis import Run, theories

TINY = sets({"data.train_subset": 32, "schedule.epochs": 1, "schedule.batch_size": 16, "threads": 2, **TINY_EVAL,
             "eval.linear_readout.train_images": 32, "eval.pca.images": 40, "eval.overlap.samples": 200})


@pytest.fixture(scope="module")
def comparison(data_dir, tmp_path_factory):
    """Every theory of experiments/compare/, with small areas, two seeds each."""
    out = tmp_path_factory.mktemp("compare") / "runs"
    small = ["--set", "modules.V1_inference.hidden=16", "--set", "modules.V1_generative.hidden=16"]
    aws = [ROOT / "experiments/compare" / f"{e}.json" for e in ("aws_global", "aws_oscillatory", "helmholtz", "negative_phase")]
    run_somnus("replicate", *aws, "--seeds", "2", "--jobs", "2", "--out", out, "--set", f"data.path={data_dir}", *TINY, *small)
    pad = ["--set", "modules.V1_encoder.features=8", "--set", "modules.V1_generator.features=8"]
    run_somnus("replicate", ROOT / "experiments/compare/pad.json", "--seeds", "2", "--jobs", "2", "--out", out,
               "--set", f"data.path={data_dir}", *TINY, *pad)
    return out


def test_overlap_in_the_log(comparison):
    run = Run(comparison / "aws_global" / "seed_0.h5")
    o = run.overlap()
    assert list(o["units"]) == [8, 4]
    assert np.all(o["kl"] >= 0) and np.all(o["floor"] >= 0)
    assert np.all(o["wake_patterns"] >= 1) and np.all(o["sleep_patterns"] <= 200)
    final = run.evaluations()[-1]
    assert set(final["overlap_kl"]) == {8, 4}
    assert final["overlap_kl"][4] == pytest.approx(float(o["kl"][1]))
    # The conductor's phase is logged with every step: +1 in Wake, -1 in Sleep.
    assert np.all(run.series("wake", "conductor/phase") == 1.0)
    assert np.all(run.series("sleep", "conductor/phase") == -1.0)


def test_comparison_figures_and_table(comparison, tmp_path):
    groups = theories.load(comparison)
    assert list(groups) == ["pad", "aws_global", "aws_oscillatory", "helmholtz", "negative_phase"]
    assert all(len(runs) == 2 for runs in groups.values())
    result = subprocess.run([sys.executable, str(ROOT / "analysis/python/examples/compare_figures.py"), str(comparison), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "comparison.png").stat().st_size > 10000
    assert (tmp_path / "dreams_aws_oscillatory.png").stat().st_size > 5000
    table = run_somnus("table", comparison).stdout
    for text in ("aws_oscillatory", "negative_phase", "KL wake/sleep 8+8", "KL floor 4+4"):
        assert text in table, table
