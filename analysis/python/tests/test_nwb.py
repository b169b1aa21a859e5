"""`somnus export LOG --nwb FILE`: the NWB file pynwb reads back holds the log's values,
and nwbinspector reports no critical issue, no best-practice violation and no schema
error. Needs pynwb and nwbinspector from PyPI: tests/nwb/check_nwb.sh installs them in a
virtual environment of the build folder and runs this file (ctest: analysis.nwb)."""
import json

import h5py
import numpy as np
import pytest

from conftest import TINY_EVAL, run_somnus, sets

pynwb = pytest.importorskip("pynwb", reason="from PyPI: tests/nwb/check_nwb.sh (ctest analysis.nwb)")
nwbinspector = pytest.importorskip("nwbinspector", reason="from PyPI: tests/nwb/check_nwb.sh (ctest analysis.nwb)")


@pytest.fixture(scope="module")
def exported(tiny_log, tmp_path_factory):
    path = tmp_path_factory.mktemp("nwb") / "tiny.nwb"
    out = run_somnus("export", tiny_log, "--nwb", path).stdout
    assert out.startswith(f"{tiny_log}: 66 time series, ") and out.rstrip().endswith(f"-> {path} (NWB 2.7.0)")
    return path


def test_nwbinspector_finds_no_critical_issue_and_no_violation(exported):
    messages = list(nwbinspector.inspect_nwbfile(nwbfile_path=str(exported)))
    serious = [m for m in messages if m.importance.name in ("CRITICAL", "BEST_PRACTICE_VIOLATION", "PYNWB_VALIDATION",
                                                             "ERROR")]
    assert serious == [], "\n".join(f"{m.importance.name} {m.check_function_name} {m.location}: {m.message}"
                                    for m in serious)


def test_the_suggestions_left_are_those_docs_nwb_argues_and_people_remove_two(exported, tiny_log, tmp_path):
    """docs/nwb.md argues each kind of best-practice suggestion that stays; --experimenter and
    --institution fill in what the log does not know, and pynwb reads them back."""
    def suggestions(path):
        return {m.check_function_name for m in nwbinspector.inspect_nwbfile(nwbfile_path=str(path))
                if m.importance.name == "BEST_PRACTICE_SUGGESTION"}
    argued = {"check_processing_module_name", "check_column_binary_capability", "check_single_row"}
    assert suggestions(exported) == argued | {"check_experimenter_exists", "check_institution"}
    path = tmp_path / "people.nwb"
    run_somnus("export", tiny_log, "--nwb", path, "--experimenter", "Doe, Jane", "--experimenter", "Roe, Richard",
               "--institution", "Somewhere University", "--lab", "Sleep Lab")
    assert suggestions(path) == argued
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        assert tuple(nwb.experimenter) == ("Doe, Jane", "Roe, Richard")
        assert (nwb.institution, nwb.lab) == ("Somewhere University", "Sleep Lab")
    # People are NWB's: asked of a .mat export, an error naming the option.
    r = run_somnus("export", tiny_log, "--mat", tmp_path / "x.mat", "--institution", "X", check=False)
    assert r.returncode != 0 and "--institution requires --nwb" in r.stderr, r.stderr


def test_pynwb_reads_the_logs_values(exported, tiny_log):
    log = h5py.File(tiny_log, "r")
    with pynwb.NWBHDF5IO(str(exported), "r") as io:
        nwb = io.read()
        assert json.loads(nwb.notes) == json.loads(log.attrs["spec"])  # the resolved spec
        assert nwb.session_start_time.isoformat().startswith(log.attrs["started"].rstrip("Z"))
        assert nwb.subject.species.endswith("NCBITaxon_32630") and nwb.session_id == "tiny-seed3"
        assert "somnus 0.1.0 (LibTorch " in nwb.source_script
        training = nwb.processing["training"]
        for state in ("wake", "nrem", "rem"):
            for group in ("losses", "neuromodulators", "conductor"):
                for name, values in log[f"states/{state}/{group}"].items():
                    series = training[f"{state}_{group}_{name}"]
                    np.testing.assert_array_equal(series.data[:], values[()])
                    np.testing.assert_array_equal(series.timestamps[:], log[f"states/{state}/time"][()])
                    assert series.unit == (values.attrs["unit"] or "n.a.")
        assert training["rem_conductor_feedback_sign"].data[0] == -1

        replay = training["hippocampus_replay"].to_dataframe()
        rem = replay[replay.state == "rem"]
        np.testing.assert_array_equal(rem.replayed_episode, log["states/rem/hippocampus/replayed_episode"][()])
        assert set(replay.state) == {"nrem", "rem"}  # Wake replays nothing

        readout = nwb.processing["evaluation"]["linear_readout"].to_dataframe()
        r = log["eval/linear_readout"]
        final = readout[readout.trained_epochs == 2]
        np.testing.assert_allclose(final[final.occlusion == 0].sort_values("seed").accuracy, r["last_epoch_accuracy"][()])
        levels = r["occlusion_levels"][()]
        seed1 = final[(final.seed == 1) & (final.occlusion > 0)].sort_values("occlusion")
        np.testing.assert_allclose(seed1.occlusion, levels)
        np.testing.assert_allclose(seed1.accuracy, r["occluded_accuracy"][()][1])
        geometry = nwb.processing["evaluation"]["latent_geometry"].to_dataframe()
        assert geometry.intra_inter_ratio.iloc[-1] == pytest.approx(log["eval/latent_geometry"].attrs["intra_inter_ratio"])

        activity = nwb.processing["activity"]
        z = activity["activity_rem_V1_encoder_z"]
        np.testing.assert_array_equal(z["activity"].data[:], log["activity/rem/V1_encoder/z"][()])
        np.testing.assert_array_equal(z["epoch"].data[:], log["activity/rem/epoch"][()])
        layer1 = activity["activity_wake_V1_encoder_layer1"]["activity"].data[:]
        original = log["activity/wake/V1_encoder/layer1"][()]
        np.testing.assert_array_equal(layer1.reshape(original.shape), original)  # flattened in C order
        probe = activity["probe_images"].to_dataframe()
        np.testing.assert_array_equal(probe.label, log["probe/labels"][()])

        dreams = nwb.processing["dreams"]["dreams_rem"]
        original = log["dreams/rem/dream"][()]
        np.testing.assert_array_equal(dreams["dream"].data[:].reshape(original.shape), original)


def test_bad_inputs_name_the_file(tiny_log, tmp_path):
    missing = run_somnus("export", tmp_path / "none.h5", "--nwb", tmp_path / "x.nwb", check=False)
    assert missing.returncode == 1 and f"{tmp_path / 'none.h5'}: file not found" in missing.stderr
    foreign = tmp_path / "foreign.h5"
    h5py.File(foreign, "w").close()
    bad = run_somnus("export", foreign, "--nwb", tmp_path / "x.nwb", check=False)
    assert bad.returncode == 1 and f"{foreign}: not a somnus run log (no \"spec\" attribute)" in bad.stderr
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    unwritable = run_somnus("export", tiny_log, "--nwb", a_file / "x.nwb", check=False)
    assert unwritable.returncode == 1 and unwritable.stderr.strip() == (
        f"somnus: error: {a_file / 'x.nwb'}: cannot write (cannot create the folder {a_file}: Not a directory); "
        "the previous file there is kept")
    made = run_somnus("export", tiny_log, "--nwb", tmp_path / "new" / "folder" / "x.nwb")  # folders are made
    assert made.returncode == 0 and (tmp_path / "new" / "folder" / "x.nwb").is_file()
    assert not list(tmp_path.glob("*.partial"))
    both = run_somnus("export", tiny_log, "--nwb", tmp_path / "x.nwb", "--mat", tmp_path / "x.mat", check=False)
    assert both.returncode == 2 and "excludes" in both.stderr


@pytest.fixture(scope="module")
def memory_log(data_dir, tmp_path_factory):
    """Memory across days on tiny data: split days, retention tested after day 1's Wake and every night."""
    from conftest import ROOT, sets
    log = tmp_path_factory.mktemp("memory") / "memory.h5"
    run_somnus("run", ROOT / "experiments/memory/memory_pad.json", "--set", f"data.path={data_dir}", "--set", f"record.path={log}",
               *sets({"data.train_subset": 0, "schedule.batch_size": 16, "schedule.day_iterations": 2, "threads": 1,
                      "schedule.night.episodes": '[{"state":"nrem","iterations":1},{"state":"rem","iterations":1}]',
                      "modules.V1_encoder.features": 8, "modules.V1_generator.features": 8,
                      "eval.retention.epochs": 2, "eval.retention.batch_size": 16, "eval.retention.train_images": 0,
                      "eval.retention.reconstruction_images": 5}))
    return log


def test_the_retention_table_holds_the_logs_matrix(memory_log, tmp_path):
    path = tmp_path / "memory.nwb"
    run_somnus("export", memory_log, "--nwb", path)
    messages = list(nwbinspector.inspect_nwbfile(nwbfile_path=str(path)))
    serious = [m for m in messages if m.importance.name in ("CRITICAL", "BEST_PRACTICE_VIOLATION", "PYNWB_VALIDATION",
                                                             "ERROR")]
    assert serious == [], "\n".join(f"{m.importance.name} {m.check_function_name}: {m.message}" for m in serious)
    log = h5py.File(memory_log, "r")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        frame = io.read().processing["evaluation"]["retention"].to_dataframe()
    assert len(frame) == 6 * 5 and list(frame.classes[:5]) == ["0,1", "2,3", "4,5", "6,7", "8,9"]
    np.testing.assert_allclose(frame.accuracy.to_numpy().reshape(6, 5), log["retention/accuracy"][()])
    np.testing.assert_array_equal(frame.nights.to_numpy().reshape(6, 5)[:, 0], [0, 1, 2, 3, 4, 5])
    np.testing.assert_allclose(frame.all_classes_accuracy.to_numpy().reshape(6, 5)[:, 0],
                               log["retention/all_classes_accuracy"][()])


def test_the_perturbed_knn_and_generated_image_tables_pynwb_reads(tiny_log, tmp_path):
    """An evaluation with the perturbation tests, the k-nearest-neighbour readout and the
    generated images on (somnus eval of the tiny run's model), exported: three more
    tables, the log's values."""
    log_path, path, classifier = tmp_path / "perturbed.h5", tmp_path / "perturbed.nwb", tmp_path / "classifier.pt"
    run_somnus("train-classifier", tiny_log.with_suffix(".json"), "--epochs", 1, "--out", classifier)
    run_somnus("eval", tiny_log.with_suffix(".json"), "--checkpoint", tiny_log.with_suffix(".pt"), "--out", log_path,
               *sets({**TINY_EVAL, "eval.linear_readout.seeds": "[0,1]", "eval.linear_readout.noise_sigmas": "[0.3]",
                      "eval.linear_readout.blur_sigmas": "[1,2]", "eval.knn_readout.enabled": "true",
                      "eval.knn_readout.k": "[1,5]", "eval.generated_images.enabled": "true",
                      "eval.generated_images.classifier": classifier, "eval.generated_images.images": 50,
                      "eval.generated_images.samples": 20}))
    run_somnus("export", log_path, "--nwb", path)
    messages = list(nwbinspector.inspect_nwbfile(nwbfile_path=str(path)))
    assert not [m for m in messages if m.importance.name in ("CRITICAL", "BEST_PRACTICE_VIOLATION", "PYNWB_VALIDATION",
                                                              "ERROR")]
    log = h5py.File(log_path, "r")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        evaluation = io.read().processing["evaluation"]
        perturbed = evaluation["perturbed_readout"].to_dataframe()
        knn = evaluation["knn_readout"].to_dataframe()
        generated = evaluation["generated_images"].to_dataframe()
    attributes = log["eval/generated_images"].attrs
    for key in ("reconstruction_error", "reconstruction_class_kept", "classifier_accuracy", "fid_reconstructions",
                "fid_samples", "fid_floor"):
        assert generated[key].iloc[0] == attributes[key], key
    assert set(perturbed.perturbation) == {"noise", "blur"}
    blur = perturbed[perturbed.perturbation == "blur"].sort_values(["seed", "level"])
    np.testing.assert_allclose(blur.accuracy, log["eval/linear_readout/perturbed/blur/accuracy"][()].ravel())
    np.testing.assert_array_equal(blur.level, [1, 2, 1, 2])
    np.testing.assert_array_equal(knn.k, [1, 5])
    np.testing.assert_allclose(knn.accuracy, log["eval/knn_readout/accuracy"][()])
