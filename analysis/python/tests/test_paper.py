"""The paper's evaluations in the log, and the figure script over replicated runs."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_somnus, tiny_spec
from somnus_analysis import Run, paper


@pytest.fixture(scope="module")
def replicates(data_dir, tmp_path_factory):
    """Two tiny experiments (a PAD and a w/o-REM look-alike, plus the untrained network), two seeds each."""
    folder = tmp_path_factory.mktemp("replicates")
    specs = []
    for name, patch in (("pad", {}), ("pad_no_rem", {"schedule": {"epochs": 2, "batch_size": 16, "cycle": ["wake", "nrem"]}}),
                        ("pad_untrained", {"schedule": {"epochs": 0, "batch_size": 16}})):
        spec = tiny_spec(data_dir, folder / "unused.h5", activity={"enabled": False})
        spec.update(patch)
        spec["name"] = name
        spec["eval"]["epochs"] = "all"
        path = folder / f"{name}.json"
        path.write_text(json.dumps(spec))
        specs.append(path)
    run_somnus("replicate", *specs, "--seeds", "2", "--jobs", "2", "--out", folder / "runs")
    return folder / "runs"


def test_evaluations_per_epoch(replicates):
    run = Run(replicates / "pad" / "seed_0.h5")
    evaluations = run.evaluations()
    assert [e["trained_epochs"] for e in evaluations] == [1, 2]
    assert evaluations[0]["group"] == "eval/epoch_001" and evaluations[-1]["group"] == "eval"
    for e in evaluations:
        assert 0 <= e["readout_accuracy"] <= 1
        assert 0 < e["intra_inter_ratio"] < 1.5
        assert 0 < e["clean_occluded_ratio"]
        assert len(e["occluded_accuracy"]) == len(e["occlusion_levels"]) == 4
    g = run.latent_geometry()
    assert g["intra_inter_ratio"] == pytest.approx(g["intra_class_distance"] / g["inter_class_distance"])
    assert g["intra_class_distance"] == pytest.approx(np.mean(g["intra_class_distance_per_class"]))
    p = run.pca()
    assert p["projection"].shape == (48, 2) and p["labels"].shape == (48,)
    # PCA: the projections are centred and the first axis carries the most variance.
    assert np.allclose(p["projection"].mean(axis=0), 0, atol=1e-4)
    assert p["projection"][:, 0].var() >= p["projection"][:, 1].var()


def test_paper_figures_script(replicates, tmp_path):
    groups = paper.load_replicates(replicates)
    assert list(groups) == ["pad", "pad_no_rem", "pad_untrained"]
    assert all(len(runs) == 2 for runs in groups.values())
    result = subprocess.run([sys.executable, str(ROOT / "analysis/python/examples/paper_figures.py"), str(replicates), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name in ("readout_over_epochs.png", "accuracy_vs_occlusion.png", "distance_ratios.png", "latent_pca.png", "dreams_pad.png"):
        assert (tmp_path / name).stat().st_size > 5000, name
    table = (replicates / "summary.csv").read_text().splitlines()
    assert table[0].startswith("experiment,runs,seeds,readout_last_epoch_mean")
    assert [line.split(",")[0] for line in table[1:]] == ["pad", "pad_no_rem", "pad_untrained"]
