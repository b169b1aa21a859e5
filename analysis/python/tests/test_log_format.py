"""Every documented dataset of a run log: shape, dtype, attributes, values (docs/log-format.md)."""
import json
import os

import h5py
import numpy as np
import pytest

from conftest import ROOT, run_somnus, tiny_spec

N_PROBE, STEPS, EPOCHS, LATENT, PARAMS_FF = 20, 12, 2, 256, 1709761
STATES = ["wake", "nrem", "rem"]


@pytest.fixture(scope="module")
def f(tiny_log):
    with h5py.File(tiny_log, "r") as handle:
        yield handle


def test_root_attributes(f):
    a = f.attrs
    assert a["status"] == "finished"
    assert a["layout"].startswith("somnus-log 1")
    assert a["seed"] == 3 and a["device"] == "cpu" and a["command"] == "run"
    assert a["epochs_finished"] == EPOCHS and a["epochs_planned"] == EPOCHS and a["iterations_per_epoch"] == 6
    built_with = os.environ.get("SOMNUS_TORCH_VERSION", "1.13")  # ctest passes the LibTorch it built against
    assert a["torch_version"].startswith(".".join(built_with.split(".")[:2])), a["torch_version"]
    assert a["hdf5_version"].startswith("1.10")
    assert json.loads(a["spec"])["record"]["activity"]["probe_images"] == N_PROBE
    for key in ("created", "started", "finished"):
        assert a[key].endswith("Z"), key
    assert a["wall_seconds"] > 0
    assert list(f["states"].attrs["cycle"]) == STATES


def test_every_dataset_has_description_and_unit(f):
    missing = []
    f.visititems(lambda name, obj: missing.append(name) if isinstance(obj, h5py.Dataset)
                 and not ({"description", "unit"} <= set(obj.attrs)) else None)
    assert missing == []


def test_per_step_series(f):
    for s in STATES:
        g = f["states/" + s]
        assert g["step"].dtype == np.int64 and list(g["step"][:]) == list(range(STEPS))
        assert list(g["epoch"][:]) == [0] * 6 + [1] * 6
        assert list(g["iteration"][:]) == list(range(6)) * 2
        t = g["time"][:]
        assert t.shape == (STEPS,) and np.all(np.diff(t) > 0) and g["time"].attrs["unit"] == "s"
        for group in ("neuromodulators", "conductor", "plasticity", "hippocampus"):
            for name, d in g[group].items():
                assert d.shape == (STEPS,), (s, group, name)
    assert set(f["states/wake/losses"]) == {"kl", "real", "reconstruction"}
    assert set(f["states/nrem/losses"]) == {"latent_reconstruction"}
    assert set(f["states/rem/losses"]) == {"fake"}


def test_conductor_table(f):
    expect = {"wake": (1, 1, 1, 1, 1, 1), "nrem": (0, 0, 0, 0, 1, 0), "rem": (1, 0, 1, 0, 1, -1)}
    for s, (ach, na, gate, target, ff, fb) in expect.items():
        g = f["states/" + s]
        assert np.all(g["neuromodulators/ach"][:] == ach) and np.all(g["neuromodulators/na"][:] == na)
        assert np.all(g["conductor/discriminator_gate"][:] == gate)
        assert np.all(g["conductor/discriminator_target"][:] == target)
        assert np.all(g["conductor/feedforward_sign"][:] == ff) and np.all(g["conductor/feedback_sign"][:] == fb)


def test_activity(f):
    assert f["probe/images"].shape == (N_PROBE, 1, 32, 32) and f["probe/images"].dtype == np.float32
    assert list(f["probe/labels"][:]) == [i % 10 for i in range(N_PROBE)]
    assert list(f["probe/indices"][:]) == list(range(N_PROBE))
    g = f["activity/initial"]
    assert list(g["step"][:]) == [-1] and list(g["epoch"][:]) == [-1]
    shapes = {"V1_encoder/layer1": (N_PROBE, 64, 16, 16), "V1_encoder/layer2": (N_PROBE, 128, 8, 8),
              "V1_encoder/layer3": (N_PROBE, 256, 4, 4), "V1_encoder/z": (N_PROBE, LATENT),
              "V1_generator/output": (N_PROBE, 1, 32, 32), "discriminator/output": (N_PROBE,)}
    for s in ["initial"] + STATES:
        samples = 1 if s == "initial" else 6  # iterations 0, 3 and the last (5) of each epoch
        g = f["activity/" + s]
        for name, shape in shapes.items():
            assert g[name].shape == (samples,) + shape, (s, name, g[name].shape)
            assert g[name].dtype == np.float32
        if s != "initial":
            assert list(g["iteration"][:]) == [0, 3, 5, 0, 3, 5]
            assert list(g["step"][:]) == [0, 3, 5, 6, 9, 11]
    d = f["activity/rem/discriminator/output"][:]
    assert np.all((d > 0) & (d < 1)) and f["activity/rem/discriminator/output"].attrs["unit"].startswith("probability")
    # Learning changes the latents of the same images; the generator output is an image in [-1, 1].
    z = f["activity/wake/V1_encoder/z"]
    assert not np.allclose(z[0], z[-1])
    assert np.abs(f["activity/rem/V1_generator/output"][:]).max() <= 1.0


def test_dreams(f):
    names = {"wake": {"input", "reconstruction", "discriminator_output"},
             "nrem": {"dream", "occluded_dream"}, "rem": {"dream", "discriminator_output"}}
    for s, expected in names.items():
        g = f["dreams/" + s]
        assert set(g) - {"step", "epoch", "iteration"} == expected
        assert list(g["epoch"][:]) == [0, 1] and list(g["iteration"][:]) == [5, 5]
        for name in expected:
            shape = (2, 8) if name == "discriminator_output" else (2, 8, 1, 32, 32)
            assert g[name].shape == shape, (s, name)
    dream, occluded = f["dreams/nrem/dream"][:], f["dreams/nrem/occluded_dream"][:]
    changed = dream != occluded
    assert np.all(occluded[changed] == 0.0)  # occlusion squares are grey (0 after normalisation)


def test_plasticity(f):
    assert list(f["plasticity"].attrs["states"]) == STATES
    for pathway in ("feedforward", "feedback"):
        g = f["plasticity/" + pathway]
        assert list(g["epoch"][:]) == [0, 1]
        for kind in ("weight_change", "gradient"):
            assert g[kind + "_norm"].shape == (EPOCHS, 3)
            c = g[kind + "_cosine"][:]
            assert c.shape == (EPOCHS, 3, 3)
        offsets = g["parameter_offsets"][:]
        assert offsets[0] == 0 and np.all(np.diff(offsets) > 0)
        assert len(g.attrs["parameters"]) == len(offsets) - 1
    ff = f["plasticity/feedforward"]
    assert ff["parameter_offsets"][-1] == PARAMS_FF
    assert list(ff.attrs["parameters"])[:2] == ["V1_encoder.conv1.weight", "V1_encoder.conv1.bias"]
    assert list(ff["vector_epoch"][:]) == [0, 1]
    for s in STATES:
        assert ff["weight_change/" + s].shape == (2, PARAMS_FF)
    # NREM: the generator's plasticity sign is 0, so its gradient is not applied.
    fb = f["plasticity/feedback"]
    assert np.all(fb["gradient_norm"][:, 1] == 0)
    assert np.all(f["states/nrem/plasticity/feedback_gradient_norm"][:] == 0)
    # The per-epoch table agrees with cosines computed from the stored vectors.
    for row in range(2):
        u = ff["weight_change/wake"][row].astype(np.float64)
        v = ff["weight_change/rem"][row].astype(np.float64)
        cos = u @ v / np.linalg.norm(u) / np.linalg.norm(v)
        assert cos == pytest.approx(ff["weight_change_cosine"][row, 0, 2], abs=1e-4)
        assert np.linalg.norm(u) == pytest.approx(ff["weight_change_norm"][row, 0], rel=1e-4)


def test_hippocampus(f):
    h = {s: f[f"states/{s}/hippocampus"] for s in STATES}
    # Wake stores one episode per step: the store holds min(step + 1, 2) of them.
    assert list(h["wake"]["episodes_stored"][:]) == list(range(1, STEPS + 1))
    assert list(h["wake"]["occupancy"][:]) == [1] + [2] * (STEPS - 1)
    assert np.all(h["wake"]["replayed_episode"][:] == -1)
    # NREM replays the episode Wake just stored (age 0).
    assert list(h["nrem"]["replayed_episode"][:]) == list(range(STEPS))
    assert np.all(h["nrem"]["replayed_age"][:] == 0) and np.all(h["nrem"]["partner_episode"][:] == -1)
    # REM mixes it with the previous one (age 1), except on the first iteration of each epoch.
    partner = h["rem"]["partner_episode"][:]
    age = h["rem"]["partner_age"][:]
    first = f["states/rem/iteration"][:] == 0
    assert np.all(partner[first] == -1) and np.all(age[first] == -1)
    assert np.all(partner[~first] == np.arange(STEPS)[~first] - 1) and np.all(age[~first] == 1)


def test_epochs_and_readout(f):
    assert list(f["epochs/epoch"][:]) == [0, 1]
    assert f["epochs/wall_seconds"].attrs["unit"] == "s"
    acc = f["eval/linear_readout/test_accuracy"][:]
    assert acc.shape == (2, 2) and np.all((acc >= 0) & (acc <= 1))
    assert f["eval"].attrs["encoder"] == "trained"
    assert list(f["eval/linear_readout/occlusion_levels"][:]) == [0.1, 0.3, 0.5, 0.7]
    occ = f["eval/linear_readout/occluded_accuracy"][:]
    assert occ.shape == (2, 4) and np.all((occ >= 0) & (occ <= 1))
    assert f["eval/linear_readout"].attrs["occlusion_tile"] == 4


def test_datasets_are_chunked_and_compressed(f):
    d = f["activity/wake/V1_encoder/layer1"]
    assert d.chunks is not None and d.compression == "gzip" and d.maxshape[0] is None
    assert d.chunks[0] == 1  # one sample per chunk: a sample is written once
    # Per-step series append into their last chunk: uncompressed, so finished values are never rewritten changed.
    s = f["states/wake/losses/kl"]
    assert s.chunks == (4096,) and s.compression is None and s.maxshape == (None,)


def test_a_dose_shows_in_the_logged_levels_on_its_nights_only(data_dir, tmp_path):
    """Pharmacology: REM ACh scaled to 0.2 on epoch 1 of 2; the log's per-step levels and conductor outputs show it."""
    spec = tiny_spec(data_dir, tmp_path / "dosed.h5", activity={"enabled": False})
    spec["modules"] = json.loads((ROOT / "experiments" / "pad.json").read_text())["modules"]
    for area in ("V1_encoder", "V1_generator"):
        spec["modules"][area]["features"] = 8
    spec["modules"]["conductor"]["doses"] = [{"name": "scopolamine", "states": ["rem"], "epochs": [1], "ach": {"scale": 0.2}}]
    spec["eval"] = {"linear_readout": {"enabled": False}, "latent_geometry": {"enabled": False}, "pca": {"enabled": False}}
    path = tmp_path / "dosed.json"
    path.write_text(json.dumps(spec))
    run_somnus("run", path)
    with h5py.File(tmp_path / "dosed.h5", "r") as f:
        rem, wake = f["states/rem"], f["states/wake"]
        epoch = rem["epoch"][:]
        assert set(epoch) == {0, 1}
        assert np.allclose(rem["neuromodulators/ach"][:][epoch == 0], 1.0)
        assert np.allclose(rem["neuromodulators/ach"][:][epoch == 1], 0.2)
        assert np.allclose(rem["conductor/discriminator_gate"][:][epoch == 1], 0.2)
        assert np.allclose(rem["conductor/feedback_sign"][:][epoch == 1], -0.2)
        assert np.allclose(rem["conductor/discriminator_target"][:], 0.0)
        assert np.allclose(wake["neuromodulators/ach"][:], 1.0)
