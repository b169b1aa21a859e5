#!/usr/bin/env python3
"""The JSON Schema of a spec (`somnus schema`, checked in as experiments/somnus.schema.json):

* the checked-in copy is what `somnus schema` prints now (regenerate it with
  `build/somnus schema > experiments/somnus.schema.json`);
* it is a valid draft 2020-12 schema;
* every shipped spec validates against it;
* every spec of the bad-spec corpus whose fault a schema can express (an unknown
  key, a wrong type, a value out of range, an unknown choice) is rejected by it,
  at the place somnus names;
* the same for sweep files (`somnus schema --sweep`, experiments/somnus.sweep.schema.json):
  current, valid, every shipped sweep carries "$schema" and validates, and each bad
  sweep of BAD_SWEEPS is rejected by `somnus sweep --dry-run` and by the schema at the
  place somnus names.

    /usr/bin/python3 tests/schema/check_schema.py SOMNUS_BINARY SOURCE_DIR
"""
import json
import pathlib
import shlex
import subprocess
import sys
import tempfile

import jsonschema

# The bad specs whose fault is not the schema's to see (besides JSON that does not
# parse): names that must exist elsewhere in the spec, the circuit as a graph,
# epochs against the schedule, contradictions between keys, files and data.
NOT_EXPRESSIBLE = {
    "34_unknown_cycle_state.json", "35_pathway_dangling_target.json", "37_pathway_duplicate.json",
    "38_pathway_wrong_kinds.json", "39_pathway_missing_neuromodulatory.json", "40_role_missing_hippocampus.json",
    "41_schedule_protocol_unknown_state.json", "42_schedule_protocol_epoch_out_of_range.json",
    "43_schedule_night_protocol_without_night.json", "44_schedule_protocol_changes_nothing.json",
    "46_schedule_night_without_episodes.json", "47_contradiction_amygdala_changes_nothing.json",
    "48_contradiction_surprise_with_classes.json", "49_contradiction_latent_dims_differ.json",
    "50_contradiction_dose_epoch_outside.json", "51_extends_missing_base.json",
    "53_contradiction_dream_content_without_readout.json", "54_extends_a_device.json", "55_extends_a_folder.json",
    "56_data_train_subset_larger_than_the_set.json", "57_batch_larger_than_the_training_set.json",
    # A key given twice: JSON leaves it undefined, every JSON reader a schema sees keeps one of the two.
    "59_key_given_twice.json", "60_key_given_twice_nested.json", "66_key_given_twice_in_base.base.json",
    "66_key_given_twice_in_base.json",
    "65_empty_day.json",
    # Memory across days: classes of the data set, days against epochs, cues against the nights and the store.
    "69_days_class_out_of_range.json", "71_split_does_not_divide.json", "72_days_listed_for_other_epochs.json",
    "73_cue_of_a_class_not_yet_shown.json", "74_cue_without_a_night.json", "75_cue_with_newest_replay.json",
    "76_retention_of_days_that_do_not_differ.json", "77_cue_of_a_later_day.json", "79_cue_of_a_day_the_store_let_go.json",
    "80_cue_of_a_class_the_store_let_go.json", "81_reservoir_with_newest_replay.json",
    # Areas and rules: an encoder's layers, what a base file's areas are, what the states need of them.
    "82_discriminator_layer_unknown.json", "84_normalise_on_dense_areas.json",
    "85_helmholtz_on_normalised_conv_areas.json", "86_adversarial_wake_sleep_on_pad_areas.json",
    "87_discriminator_on_a_one_layer_hierarchy.json",
    # An evaluation's k against its own number of training images.
    "88_knn_k_above_its_training_images.json",
    # The overlap test's bins: 0 or at least 2 (the schema's range is 0-64).
    "92_overlap_of_one_bin.json",
    # A held-out split against the readout's training images and mini-batch.
    "91_validation_split_leaves_no_mini_batch.json",
    # A file that must exist.
    "90_generated_images_without_a_classifier_file.json",
    # A contradiction between brain states: the adversarial phases' "area_updates".
    "94_adversarial_phases_update_areas_unalike.json",
}


# Bad sweep files: (what is wrong, the document, the pointer somnus names). Their base is
# a shipped spec, found from the temporary folder through an absolute path.
BAD_SWEEPS = [
    ("an unknown key", {"seeds": 2, "sedes": 3}, "/sedes"),
    ("seeds of the wrong type", {"seeds": 2.5}, "/seeds"),
    ("a Slurm task of no cores", {"slurm": {"cpus_per_task": 0}}, "/slurm/cpus_per_task"),
    ("an axis of neither key nor zip", {"vary": [{"values": [1, 2]}]}, "/vary/0"),
    ("an unknown range scale", {"vary": [{"key": "seed", "range": {"from": 1, "to": 2, "count": 2,
                                                                    "scale": "cubic"}}]}, "/vary/0/range/scale"),
    ("a $schema that is not a string", {"$schema": 1}, "/$schema"),
]


def check_sweeps(binary, source, failures):
    """The sweep schema: current, valid, the shipped sweeps validate, the bad ones are rejected."""
    printed = json.loads(subprocess.run([binary, "schema", "--sweep"], capture_output=True, text=True,
                                        check=True).stdout)
    checked_in = source / "experiments" / "somnus.sweep.schema.json"
    if json.loads(checked_in.read_text()) != printed:
        failures.append(f"{checked_in} is not what `somnus schema --sweep` prints; regenerate it: "
                        f"build/somnus schema --sweep > experiments/somnus.sweep.schema.json")
    jsonschema.Draft202012Validator.check_schema(printed)
    validator = jsonschema.Draft202012Validator(printed)
    sweeps = sorted((source / "experiments" / "sweeps").glob("*.json"))
    for path in sweeps:
        document = json.loads(path.read_text())
        if document.get("$schema") != "../somnus.sweep.schema.json":
            failures.append(f"{path.relative_to(source)}: no \"$schema\": \"../somnus.sweep.schema.json\"")
        for error in validator.iter_errors(document):
            failures.append(f"{path.relative_to(source)}: /{'/'.join(map(str, error.absolute_path))}: {error.message}")
    with tempfile.TemporaryDirectory() as folder:
        for what, fault, pointer in BAD_SWEEPS:
            document = {"sweep": "bad", "base": str(source / "experiments" / "pad.json"),
                        "out": str(pathlib.Path(folder) / "out"), **fault}
            path = pathlib.Path(folder) / "bad.json"
            path.write_text(json.dumps(document))
            run = subprocess.run([binary, "sweep", str(path), "--dry-run"], capture_output=True, text=True)
            said = f"sweep error at {pointer}: "
            if run.returncode != 2 or said not in run.stderr:
                failures.append(f"bad sweep ({what}): somnus exits {run.returncode} saying {run.stderr.strip()!r}, "
                                f"not at {pointer}")
            places = ["/" + "/".join(map(str, e.absolute_path)) for e in validator.iter_errors(document)]
            if not any(pointer == p or pointer.startswith(p.rstrip("/") + "/") for p in places):
                failures.append(f"bad sweep ({what}): the schema rejects it at {places or 'nowhere'}, somnus at {pointer}")
    return len(sweeps)


def main(binary, source):
    source = pathlib.Path(source).resolve()
    printed = json.loads(subprocess.run([binary, "schema"], capture_output=True, text=True, check=True).stdout)
    checked_in = source / "experiments" / "somnus.schema.json"
    failures = []
    if json.loads(checked_in.read_text()) != printed:
        failures.append(f"{checked_in} is not what `somnus schema` prints; regenerate it: "
                        f"build/somnus schema > experiments/somnus.schema.json")
    jsonschema.Draft202012Validator.check_schema(printed)
    validator = jsonschema.Draft202012Validator(printed)

    shipped = sorted(p for p in (source / "experiments").rglob("*.json")
                     if p.name not in ("somnus.schema.json", "somnus.sweep.schema.json") and p.parent.name != "sweeps")
    for path in shipped:
        for error in validator.iter_errors(json.loads(path.read_text())):
            failures.append(f"{path.relative_to(source)}: /{'/'.join(map(str, error.absolute_path))}: {error.message}")

    expected = dict(line.rstrip("\n").split("\t", 1)
                    for line in (source / "tests" / "bad_specs" / "expected.tsv").read_text().splitlines() if line)
    rejected = 0
    for case, message in sorted(expected.items()):
        name, *arguments = shlex.split(case)
        if name in NOT_EXPRESSIBLE or arguments:  # a fault given on the command line is not in the file
            continue
        try:
            document = json.loads((source / "tests" / "bad_specs" / name).read_text())
        except json.JSONDecodeError:
            continue  # malformed JSON: no schema reads it
        errors = list(validator.iter_errors(document))
        if not errors:
            failures.append(f"tests/bad_specs/{name}: the schema accepts it; somnus says: {message}")
            continue
        # somnus's pointer ("spec error at /a/b: ...") is where the schema finds a fault too, or below it
        pointer = message.split(": ", 1)[0].removeprefix("spec error at ")
        places = ["/" + "/".join(map(str, e.absolute_path)) for e in errors]
        if not any(pointer == p or pointer.startswith(p.rstrip("/") + "/") for p in places):
            failures.append(f"tests/bad_specs/{name}: rejected at {places}, somnus says {pointer}")
            continue
        rejected += 1
    sweeps = check_sweeps(binary, source, failures)
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"somnus.schema.json is current and valid; {len(shipped)} shipped specs validate; "
          f"{rejected} bad specs whose fault a schema can express are rejected by it; "
          f"somnus.sweep.schema.json is current and valid; {sweeps} shipped sweeps validate; "
          f"{len(BAD_SWEEPS)} bad sweeps are rejected by somnus and by it at the same place")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
