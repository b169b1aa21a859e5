"""The log as pandas DataFrames and xarray DataArrays (somnus_analysis.frames): every
value equals what the numpy accessors read from the same log."""
import json

import numpy as np
import pytest

from conftest import TINY_EVAL, run_somnus, sets, tiny_spec
from somnus_analysis import Run, sweep

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")


def test_losses_in_long_form_are_the_logged_series(tiny_log):
    run = Run(tiny_log)
    frame = run.losses_frame()
    assert list(frame.columns) == ["step", "epoch", "iteration", "time", "state", "name", "value"]
    losses = run.losses()
    assert len(frame) == sum(len(series) for terms in losses.values() for series in terms.values())
    for state, terms in losses.items():
        for name, series in terms.items():
            rows = frame[(frame.state == state) & (frame.name == name)]
            np.testing.assert_array_equal(rows.value.to_numpy(), series)
            np.testing.assert_array_equal(rows.step.to_numpy(), run.steps(state)[0])
    assert frame.step.is_monotonic_increasing
    assert set(frame.epoch) == {0, 1}
    # e.g. the mean of each term per epoch and state, one column per term
    means = frame.groupby(["epoch", "state", "name"])["value"].mean().unstack("name")
    assert means.loc[(1, "wake"), "reconstruction"] == pytest.approx(losses["wake"]["reconstruction"][6:].mean())


def test_neuromodulators_follow_the_conductor_table(tiny_log):
    run = Run(tiny_log)
    frame = run.neuromodulators_frame()
    levels = run.spec["modules"]["conductor"]["levels"]
    for state in run.states:
        for name in ("ach", "na"):
            values = frame[(frame.state == state) & (frame.name == name)].value
            assert len(values) == 12 and (values == levels[state][name]).all()
    rem_sign = frame[(frame.state == "rem") & (frame.name == "feedback_sign")].value
    assert (rem_sign == -1).all()  # REM: generator plasticity sign-reversed
    assert set(run.hippocampus_frame().name) >= {"occupancy", "replayed_episode"}
    assert "discriminator_output" in set(run.observables_frame().name)


def test_readout_by_evaluation_seed_and_occlusion(tiny_log):
    run = Run(tiny_log)
    frame = run.readout_frame()
    assert list(frame.columns) == ["trained_epochs", "group", "seed", "occlusion", "accuracy"]
    r = run.readout()
    levels = r["occlusion_levels"]
    assert len(frame) == len(r["seeds"]) * (1 + len(levels))
    clean = frame[frame.occlusion == 0].sort_values("seed")
    np.testing.assert_array_equal(clean.accuracy.to_numpy(), r["last_epoch_accuracy"])
    seed1 = frame[(frame.seed == 1) & (frame.occlusion > 0)].sort_values("occlusion")
    np.testing.assert_array_equal(seed1.accuracy.to_numpy(), r["occluded_accuracy"][1])
    assert (frame.trained_epochs == 2).all()
    evaluations = run.evaluations_frame()
    assert evaluations.readout_accuracy.iloc[-1] == pytest.approx(r["last_epoch_accuracy"].mean())


def test_activity_has_named_dimensions_and_the_labels(tiny_log):
    run = Run(tiny_log)
    z = run.activity_array("V1_encoder", "z")
    assert z.dims == ("state", "epoch", "image", "unit")
    assert list(z.state.values) == ["initial", "wake", "nrem", "rem"]
    assert list(z.epoch.values) == [-1, 0, 1]
    images, labels = run.probe()
    np.testing.assert_array_equal(z.label.values, labels)
    assert z.class_name.values[1] == "Trouser" and z.attrs["unit"] == "a.u. (activation)"
    np.testing.assert_array_equal(z.sel(state="rem", epoch=1).values,
                                  run.activity("V1_encoder", "z", "rem", epoch=-1))
    np.testing.assert_array_equal(z.sel(state="initial", epoch=-1).values,
                                  run.activity("V1_encoder", "z", "initial")[0])
    assert np.isnan(z.sel(state="initial", epoch=0).values).all()  # never sampled
    class_means = z.sel(state="wake").isel(epoch=-1).groupby("label").mean("image")
    assert class_means.shape == (10, 256)
    image = run.activity_array("V1_generator", "output", states=["wake"])
    assert image.dims == ("state", "epoch", "image", "channel", "row", "column") and image.shape[3:] == (1, 32, 32)
    with pytest.raises(KeyError, match="no activity of V1_encoder/layer9"):
        run.activity_array("V1_encoder", "layer9")


def test_a_sweep_summary_has_a_column_per_varied_parameter(data_dir, tmp_path):
    spec = tiny_spec(data_dir, tmp_path / "ignored.h5")
    spec["schedule"]["epochs"] = 1
    (tmp_path / "tiny.json").write_text(json.dumps(spec))
    (tmp_path / "lambda.json").write_text(json.dumps({
        "sweep": "rem_lambda", "base": "tiny.json", "seeds": 1,
        "vary": [{"key": "states.rem.lambda", "range": {"from": 0.25, "to": 0.75, "step": 0.5}, "label": "rem_lambda"}]}))
    out = tmp_path / "rem_lambda"
    run_somnus("sweep", tmp_path / "lambda.json", "--out", out, *sets({**TINY_EVAL, "threads": 1}), timeout=600)
    s = sweep.load(out)
    table = s.frame()
    assert list(table.columns[:2]) == ["experiment", "rem_lambda"]
    assert sorted(table.rem_lambda) == ["0.25", "0.75"]
    assert table.readout_last_epoch_mean.dtype == np.float64
    runs = s.runs_frame()
    assert list(runs.columns) == ["condition", "seed", "rem_lambda", "status", "log", "readout_accuracy"]
    assert (runs.status == "finished").all() and runs.readout_accuracy.between(0, 1).all()
    for row in runs.itertuples():
        assert row.readout_accuracy == pytest.approx(Run(row.log).evaluations()[-1]["readout_accuracy"])


def test_perturbed_readouts_knn_and_generated_images_as_rows_and_columns(tiny_log, tmp_path):
    """somnus eval of the tiny run's model with the perturbations, the kNN readout and the
    generated images on: Run.evaluations() and the evaluations frame give what the log holds."""
    out, classifier = tmp_path / "perturbed.h5", tmp_path / "classifier.pt"
    run_somnus("train-classifier", tiny_log.with_suffix(".json"), "--epochs", 1, "--out", classifier)
    run_somnus("eval", tiny_log.with_suffix(".json"), "--checkpoint", tiny_log.with_suffix(".pt"), "--out", out,
               *sets({**TINY_EVAL, "eval.linear_readout.seeds": "[0,1]", "eval.linear_readout.noise_sigmas": "[0.3]",
                      "eval.linear_readout.blur_sigmas": "[1,2]", "eval.linear_readout.shift_pixels": "[2]",
                      "eval.knn_readout.enabled": "true", "eval.knn_readout.k": "[1,5]",
                      "eval.generated_images.enabled": "true", "eval.generated_images.classifier": classifier,
                      "eval.generated_images.images": 40, "eval.generated_images.samples": 20,
                      "eval.linear_readout.epochs": 12, "eval.linear_readout.validation_images": 32,
                      "eval.linear_readout.patience": 2}))
    run = Run(out)
    e = run.evaluations()[-1]
    # The readout trained to convergence: its validated classifier is the one the frames report.
    import h5py
    with h5py.File(out, "r") as f:
        validated = f["eval/linear_readout/validated_accuracy"][()]
    assert e["readout_validated_accuracy"] == pytest.approx(validated.mean())
    clean = run.readout_frame().query("occlusion == 0 and group == 'eval'").sort_values("seed").accuracy.to_numpy()
    np.testing.assert_array_equal(clean, validated)
    assert "readout_validated_accuracy" in run.evaluations_frame().columns
    assert set(e["perturbed"]) == {"noise", "blur", "shift"}
    np.testing.assert_array_equal(e["perturbed"]["blur"]["levels"], [1, 2])
    import h5py
    with h5py.File(out, "r") as f:
        blur = f["eval/linear_readout/perturbed/blur/accuracy"][()]
        knn = f["eval/knn_readout/accuracy"][()]
        generated = dict(f["eval/generated_images"].attrs)
    assert generated["images"] == 40 and generated["samples"] == 20
    for key in ("reconstruction_error", "reconstruction_class_kept", "fid_reconstructions", "fid_samples", "fid_floor"):
        assert e[key] == generated[key], key
    assert blur.shape == (2, 2)
    np.testing.assert_allclose(e["perturbed"]["blur"]["accuracy"], blur.mean(axis=0))
    assert e["knn_accuracy"] == {1: float(knn[0]), 5: float(knn[1])}
    frame = run.evaluations_frame()
    for column in ("knn_1", "knn_5", "noise_0.3", "blur_1", "blur_2", "shift_2", "fid_samples", "reconstruction_class_kept"):
        assert column in frame.columns, column
    assert frame["blur_2"].iloc[-1] == pytest.approx(blur[:, 1].mean())


def test_the_dreams_judged_in_a_run_as_dicts_and_columns(data_dir, tmp_path):
    """A run that keeps 50 dreams per sleeping state: Run.evaluations() gives each state's
    Fréchet distance and count as the log holds them, and the frame a column each."""
    log, classifier = tmp_path / "dreams.h5", tmp_path / "classifier.pt"
    spec = tmp_path / "dreams.json"
    document = tiny_spec(data_dir, log, activity={"enabled": False}, dreams={"enabled": False},
                         plasticity={"enabled": False})
    document["schedule"]["epochs"] = 1
    spec.write_text(json.dumps(document))
    run_somnus("train-classifier", spec, "--epochs", 1, "--out", classifier)
    run_somnus("run", spec, *sets({**TINY_EVAL, "eval.generated_images.enabled": "true",
                                   "eval.generated_images.classifier": classifier, "eval.generated_images.images": 40,
                                   "eval.generated_images.samples": 20, "eval.generated_images.dreams": 50}))
    e = Run(log).evaluations()[-1]
    import h5py
    with h5py.File(log, "r") as f:
        dreams = f["eval/generated_images/dreams"]
        expected = {state: float(dreams[state].attrs["fid"]) for state in dreams}
    assert sorted(expected) == ["nrem", "rem"]  # PAD's sleeping states; Wake does not dream
    assert e["fid_dreams"] == expected
    assert e["dreams_kept"] == {"nrem": 50, "rem": 50}  # 6 mini-batches of 16 dreamed, the last 50 kept
    frame = Run(log).evaluations_frame()
    assert frame["fid_dreams_rem"].iloc[-1] == expected["rem"]
