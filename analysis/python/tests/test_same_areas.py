"""The same-areas study's tables (somnus_analysis.same_areas): means and t intervals over
training seeds, the untrained rows from each run's evaluation before training, and what each
rule's sleep buys over its Wake phase alone, seed by seed. Runs stand in for logs here; the
evaluations' keys are Run.evaluations()'s, which test_frames.py reads from real logs."""
import numpy as np
import pytest
from scipy import stats

from somnus_analysis import Run, same_areas


class FakeRun:
    def __init__(self, seed, readouts, fid=500.0):
        self.attrs = {"seed": seed}
        self._evaluations = [{"trained_epochs": t, "readout_validated_accuracy": a, "fid_samples": fid + t,
                              "knn_accuracy": {10: a - 0.01}, "occlusion_levels": np.array([0.3, 0.5]),
                              "occluded_accuracy": np.array([a - 0.1, a - 0.2]),
                              "perturbed": {"noise": {"levels": np.array([0.2]), "accuracy": np.array([a - 0.05])}}}
                             for t, a in readouts]

    def evaluations(self):
        return self._evaluations


def study():
    # Seeds 0-2; every rule starts from the same areas (readout 0.70 before training).
    slept = {s: FakeRun(s, [(0, 0.70), (10, 0.74 + 0.01 * s), (20, 0.75 + 0.01 * s)]) for s in range(3)}
    awake = {s: FakeRun(s, [(0, 0.70), (10, 0.72), (20, 0.72 + 0.005 * s)]) for s in range(3)}
    pad = {s: FakeRun(s, [(0, 0.60), (20, 0.65)]) for s in range(3)}
    return {"dense_pad": list(pad.values()), "dense_helmholtz": list(slept.values()),
            "dense_helmholtz_no_sleep": list(awake.values())}


def column(header, name):
    return header.index(name)


def test_the_main_table_gives_mean_and_t_interval_over_seeds_and_the_untrained_rows():
    header, rows = same_areas.main_table(study(), "dense")
    by_name = {r[0]: r for r in rows}
    assert list(by_name) == ["untrained areas, [0, 1] images", "untrained areas, PAD's [-1, 1] images", "PAD",
                             "Helmholtz", "Helmholtz, Wake alone"]
    readout = column(header, "readout converged %")
    # Helmholtz at the end: 0.75, 0.76, 0.77 -> 76.0 [76.0 -/+ t(0.975, 2) * 0.577]
    half = stats.t.ppf(0.975, 2) * stats.sem([75.0, 76.0, 77.0])
    assert by_name["Helmholtz"][readout] == f"76.0 [{76 - half:.1f}, {76 + half:.1f}]"
    assert by_name["untrained areas, [0, 1] images"][readout] == "70.0 [70.0, 70.0]"
    assert by_name["untrained areas, PAD's [-1, 1] images"][readout] == "60.0 [60.0, 60.0]"
    assert by_name["PAD"][column(header, "50 % occluded %")] == "45.0 [45.0, 45.0]"
    assert by_name["PAD"][column(header, "noise σ 0.2 %")] == "60.0 [60.0, 60.0]"
    assert by_name["Helmholtz"][column(header, "FID samples")] == "520 [520, 520]"
    assert by_name["Helmholtz"][column(header, "shift 2 px %")] == ""  # not evaluated: an empty cell


def test_what_sleep_buys_is_the_difference_seed_by_seed():
    header, rows = same_areas.sleep_table(study(), "dense")
    assert [r[0] for r in rows] == ["Helmholtz"]  # PAD ran without its no-sleep control here
    # seed s: (0.75 + 0.01 s) - (0.72 + 0.005 s) = 0.03 + 0.005 s -> 3.0, 3.5, 4.0 pp
    half = stats.t.ppf(0.975, 2) * stats.sem([3.0, 3.5, 4.0])
    assert rows[0][column(header, "readout converged %")] == f"+3.5 [{3.5 - half:+.1f}, {3.5 + half:+.1f}]"
    assert rows[0][1] == "3"


def test_the_plateau_table_and_the_curves():
    groups = study()
    header, rows = same_areas.plateau_table(groups, "dense")
    helmholtz = next(r for r in rows if r[0] == "Helmholtz")
    assert helmholtz[1] == "10 → 20" and helmholtz[2] == "+1.0 [+1.0, +1.0]"
    # +1.0 point of readout is not under 1 point; FID 510 -> 520 is under 5 % of 520.
    assert header[-1] == "flat?" and helmholtz[-1] == "no: readout"
    alone = next(r for r in rows if r[0] == "Helmholtz, Wake alone")
    half = stats.t.ppf(0.975, 2) * stats.sem([0.0, 0.5, 1.0])  # seed s: +0.5 s points
    assert alone[2] == f"+0.5 [{0.5 - half:+.1f}, {0.5 + half:+.1f}]" and alone[-1] == "yes"
    epochs, points = same_areas.curve(groups["dense_helmholtz"], same_areas.MEASURES[0])
    assert epochs == [0, 10, 20]
    assert [p[0] for p in points] == pytest.approx([0.70, 0.75, 0.76])


def test_the_plateau_criterion_names_what_still_moves():
    assert same_areas.flat(0.009, 10.0, 500.0) == "yes"
    assert same_areas.flat(0.01, 10.0, 500.0) == "no: readout"
    assert same_areas.flat(-0.002, -30.0, 500.0) == "no: FID"
    assert same_areas.flat(0.02, 25.0, 500.0) == "no: readout, FID"


def overlap_evaluation(kl, floor):
    return {"trained_epochs": 30, "overlap_kl": {4: kl}, "overlap_floor": {4: floor}}


def test_the_overlap_tables_give_kl_and_floor_and_what_sleep_changes_seed_by_seed():
    rows_by = {"untrained areas, [0, 1] images": {s: overlap_evaluation(3.0 + 0.1 * s, 0.04) for s in range(3)},
               "AWS global": {s: overlap_evaluation(0.5 + 0.1 * s, 0.05) for s in range(3)},
               "AWS global, Wake alone": {s: overlap_evaluation(5.0, 0.01) for s in range(2)}}
    (header, rows), (paired_header, paired) = same_areas.overlap_tables(rows_by)
    assert header == ["condition", "seeds", "KL 4+4 (nats)", "floor 4+4 (nats)"]
    half = stats.t.ppf(0.975, 2) * stats.sem([0.5, 0.6, 0.7])
    assert rows[1] == ["AWS global", "3", f"0.600 [{0.6 - half:.3f}, {0.6 + half:.3f}]", "0.050 [0.050, 0.050]"]
    # Paired by seed: seeds 0 and 1 only (the Wake-alone runs of seed 2 are missing).
    assert paired_header == ["rule", "pairs", "Δ KL 4+4 (nats)"]
    half = stats.t.ppf(0.975, 1) * stats.sem([-4.5, -4.4])
    assert paired == [["AWS global", "2", f"-4.450 [{-4.45 - half:+.3f}, {-4.45 + half:+.3f}]"]]


def test_the_overlap_rows_are_read_from_the_folders_the_script_writes(tmp_path, tiny_log):
    for name in ("untrained", "dense_pad", "dense_pad_no_sleep", "elsewhere"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "seed_0.h5").symlink_to(tiny_log)
    rows_by = same_areas.load_overlap(tmp_path, "dense")
    assert list(rows_by) == ["untrained areas, [0, 1] images", "PAD", "PAD, Wake alone"]
    assert list(rows_by["PAD"]) == [int(Run(tiny_log).attrs["seed"])]  # keyed by the run's seed, not the file's name


def test_the_dreams_table_gives_each_sleeping_states_dreams_beside_the_prior_samples():
    groups = study()
    assert same_areas.dreams_table(groups, "dense")[1] == []  # no run kept dreams
    for s, run in enumerate(groups["dense_helmholtz"]):
        run.evaluations()[-1].update({"fid_dreams": {"sleep": 300.0 + 10 * s}, "dreams_kept": {"sleep": 1000}})
    header, rows = same_areas.dreams_table(groups, "dense")
    assert header == ["condition", "sleeping state", "seeds", "dreams kept", "FID dreams", "FID prior samples"]
    assert len(rows) == 1 and rows[0][:4] == ["Helmholtz", "sleep", "3", "1000"]
    half = stats.t.ppf(0.975, 2) * np.std([300, 310, 320], ddof=1) / np.sqrt(3)
    assert rows[0][4] == f"310 [{310 - half:.0f}, {310 + half:.0f}]"
    assert rows[0][5].startswith("520 [")  # fid_samples 500 + 20 at the end, every seed


def test_only_the_outputs_asked_for_are_written(tmp_path, monkeypatch):
    # A sweep that reran some conditions for their dreams must not replace the main table's files.
    groups = study()
    for runs in groups.values():
        for run in runs:
            for e in run._evaluations:
                e["fid_dreams"], e["dreams_kept"] = {"rem": 700.0 + run.attrs["seed"]}, {"rem": 1000}
    monkeypatch.setattr(same_areas, "load", lambda folder, hierarchy: groups)
    printed = same_areas.write("unused", str(tmp_path), "dense", only=["dreams"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theories_dense_dreams.csv"]
    assert "The dreams themselves" in printed and "At the end of training" not in printed
    same_areas.write("unused", str(tmp_path), "dense")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "theories_dense_curves.png", "theories_dense_dreams.csv", "theories_dense_plateau.csv",
        "theories_dense_sleep.csv", "theories_dense_table.csv"]
    with pytest.raises(SystemExit, match="no output tabel"):
        same_areas.write("unused", str(tmp_path), "dense", only=["tabel"])
