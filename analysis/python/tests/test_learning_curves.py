"""The learning-curve study: the shipped sweep on tiny data, the dream content in
its logs, the statistics of the paired comparisons and the figure script."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, TINY_EVAL, run_somnus, sets
from somnus_analysis import Run, learning_curves as lc, sweep

TINY = sets({"data.train_subset": 64, "schedule.batch_size": 16, "schedule.epochs": 3, "eval.epochs": "[0,1]",
             "modules.V1_encoder.features": 8, "modules.V1_generator.features": 8, **TINY_EVAL,
             "eval.linear_readout.train_images": 64, "eval.linear_readout.test_images": 48,
             "eval.dream_content.images": 4, "eval.dream_content.test_images": 20})


@pytest.fixture(scope="module")
def folder(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("curves") / "pad_learning_curves"
    result = run_somnus("sweep", ROOT / "experiments/sweeps/pad_learning_curves.json", "--seeds", "2", "--jobs", "2",
                        "--threads", "1", "--out", out, "--set", f"data.path={data_dir}", *TINY, timeout=1200)
    assert "sweep pad_learning_curves: 5 conditions x 2 seeds = 10 runs" in result.stdout
    assert "[10/10] finished" in result.stdout
    return out


# ---- Student's t, against printed tables ---------------------------------------
@pytest.mark.parametrize("p, df, quantile", [(0.975, 1, 12.7062), (0.975, 3, 3.1824), (0.975, 9, 2.2622),
                                             (0.995, 5, 4.0321), (0.95, 30, 1.6973)])
def test_t_quantiles_match_the_tables(p, df, quantile):
    assert lc.t_quantile(p, df) == pytest.approx(quantile, abs=1e-4)


def test_two_sided_p_values():
    assert lc.t_two_sided_p(1.0, 1) == pytest.approx(0.5, abs=1e-12)  # Cauchy: P(|T| > 1) = 1/2
    assert lc.t_two_sided_p(2.0, 3) == pytest.approx(0.13933, abs=1e-5)
    assert lc.t_two_sided_p(0.0, 4) == pytest.approx(1.0)
    assert lc.t_two_sided_p(-2.0, 3) == lc.t_two_sided_p(2.0, 3)


def test_paired_differences_by_seed():
    a = lc.Curve([2, 4], [0, 1, 2, 3], np.array([[70.0, 75.0], [71.0, 76.0], [72.0, 77.0], [73.0, 78.0]]))
    # b lists its seeds in another order: pairing goes by seed, not by row.
    b = lc.Curve([2, 4], [3, 2, 1, 0], np.array([[73.0, 76.0], [72.0, 74.0], [71.0, 75.0], [70.0, 73.0]]))
    first, second = lc.paired(a, b)
    assert first.epoch == 2 and first.n == 4 and first.mean == 0.0  # identical runs
    assert (first.ci_low, first.ci_high, first.p) == (0.0, 0.0, 1.0)
    d = np.array([75.0 - 73.0, 76.0 - 75.0, 77.0 - 74.0, 78.0 - 76.0])  # 2, 1, 3, 2
    sem = d.std(ddof=1) / 2
    assert second.mean == pytest.approx(2.0) and second.sem == pytest.approx(sem)
    assert second.ci_low == pytest.approx(2.0 - 3.18245 * sem, abs=1e-4)
    assert second.ci_high == pytest.approx(2.0 + 3.18245 * sem, abs=1e-4)
    assert second.t == pytest.approx(2.0 / sem) and second.p == pytest.approx(lc.t_two_sided_p(2.0 / sem, 3))
    assert second.outside_spread and not first.outside_spread
    assert lc.first_separated_epoch([first, second]) == 4
    assert lc.first_separated_epoch([second, first]) is None


# ---- the study on tiny data ------------------------------------------------------
def test_every_condition_has_curves_at_the_evaluated_epochs(folder):
    groups = sweep.load(folder).groups()
    assert list(groups) == ["pad", "pad_no_rem", "pad_no_nrem", "pad_wake_only", "pad_no_memory_mix"]
    for metric in ("readout", "occluded_50", "intra_inter", "clean_occluded"):
        for condition, c in lc.curves(groups, metric).items():
            assert c.epochs == [1, 2, 3] and c.seeds == [0, 1] and c.values.shape == (2, 3)
            assert np.isfinite(c.values).all()
    c = lc.curves(groups, "readout")["pad"]
    run = Run(folder / "pad" / "seed_1.h5")
    assert c.values[1, 2] == pytest.approx(100 * run.evaluations()[-1]["readout_accuracy"])


def test_the_log_says_what_each_state_dreamt(folder):
    run = Run(folder / "pad" / "seed_0.h5")
    content = run.dream_content("eval/epoch_001")
    assert {"nrem", "rem", "test_images", "memory_class"} <= set(content)
    for state in ("nrem", "rem"):
        d = content[state]
        assert d["predicted_class"].shape == (16,) and d["predicted_class"].dtype == np.int64
        assert ((0 <= d["predicted_class"]) & (d["predicted_class"] < 10)).all()
        assert ((0.1 <= d["confidence"]) & (d["confidence"] <= 1)).all()  # the top of 10 softmax outputs
        assert (d["nearest_training_distance"] >= 0).all() and (d["nearest_memory_distance"] >= 0).all()
        assert d["images"].shape == (4, 1, 32, 32)
        assert d["step"] == 3  # the last step of the first epoch (4 mini-batches per epoch)
    assert content["memory_class"].shape == (32,)  # two episodes of 16 memories
    assert content["test_images"]["nearest_training_distance"].shape == (20,)
    assert content["training_images"] == 64 and content["classifier_seed"] == 0
    # Without REM there are no REM dreams to classify; with nothing stored before training, no evaluation has them.
    assert "rem" not in Run(folder / "pad_no_rem" / "seed_0.h5").dream_content()
    # Test images are not training images: each lies at a positive distance from the nearest one.
    assert (content["test_images"]["nearest_training_distance"] > 0).all()


def test_the_figure_script_writes_figures_and_tables(folder, tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "analysis/python/examples/learning_curves.py"), str(folder), str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for name in ("learning_curves.png", "dream_content.png", "rem_dreams_over_epochs.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    last = (tmp_path / "learning_curves_last_epoch.csv").read_text().splitlines()
    assert len(last) == 1 + 5 and last[1].startswith("pad,2,3,")
    paired = (tmp_path / "learning_curves_paired.csv").read_text().splitlines()
    assert len(paired) == 1 + 4 * 3 * 3  # 4 conditions x 3 metrics x 3 epochs
    assert "PAD − pad_no_rem, readout:" in result.stdout
    effects = (tmp_path / "learning_curves_effects.csv").read_text().splitlines()
    assert len(effects) == 1 + 4 * 3 and effects[1].startswith("\"REM, with NREM\",pad − pad_no_rem,readout,3,")
