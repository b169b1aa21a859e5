"""Every command that writes a file follows the same four rules (sim/base/files.hpp,
docs/troubleshooting.md "Files somnus writes"):
  1. it never writes over one of its own inputs, not even with --overwrite;
  2. it replaces an existing file only with --overwrite (a batch folder's summaries
     and manifests, which somnus keeps current itself, are refreshed);
  3. it writes through PATH.partial in the target's folder and removes it on any
     failure, so a file already at PATH stays as it was;
  4. its error names the file and the reason.
One test per command; a write is made to fail by a file-size limit (RLIMIT_FSIZE),
which somnus meets as EFBIG."""
import json
import resource
import shutil

import h5py
import pytest
import scipy.io

from conftest import TINY_EVAL, run_somnus, sets, tiny_spec


def somnus(*args, limit=None, cwd=None):
    """somnus with `args`; with `limit`, files it writes may grow to at most that many bytes."""
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    import subprocess
    from conftest import somnus_binary
    return subprocess.run([somnus_binary(), *map(str, args)], capture_output=True, text=True, timeout=600,
                          preexec_fn=preexec if limit else None, cwd=cwd)


def error(result):
    return result.stderr.strip().splitlines()[-1]


def leftovers(folder):
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith((".partial", ".flushing")))


@pytest.fixture
def run_folder(tiny_log, tmp_path):
    """A copy of the finished tiny run: its log, model and spec."""
    for suffix in (".h5", ".pt"):
        shutil.copy(tiny_log.with_suffix(suffix), tmp_path / ("run" + suffix))
    spec = json.loads(tiny_log.with_suffix(".json").read_text())
    spec["record"]["path"] = str(tmp_path / "run.h5")
    (tmp_path / "run.json").write_text(json.dumps(spec))
    return tmp_path


@pytest.mark.parametrize("kind, suffix, what", [("--mat", ".mat", "the .mat file"), ("--nwb", ".nwb", "the NWB file")])
def test_export(run_folder, kind, suffix, what):
    log = run_folder / "run.h5"
    original = log.read_bytes()
    # 1. Its own input, also under another name, and a folder: refused, whatever --overwrite says.
    r = somnus("export", log, kind, log, "--overwrite")
    assert (r.returncode, error(r)) == (2, f"somnus: {log}: is an input of this command; {what} would replace it; give another path")
    link = run_folder / "link.h5"
    link.symlink_to(log)
    r = somnus("export", log, kind, link, "--overwrite")
    assert (r.returncode, error(r)) == (
        2, f"somnus: {link}: is the same file as the input {log} of this command; {what} would replace it; give another path")
    r = somnus("export", log, kind, run_folder)
    assert (r.returncode, error(r)) == (2, f"somnus: {run_folder}: is a folder; give the path of {what} to write")
    assert log.read_bytes() == original
    # 2. An existing file: kept unless --overwrite.
    out = run_folder / ("export" + suffix)
    out.write_text("earlier")
    r = somnus("export", log, kind, out)
    assert (r.returncode, error(r)) == (2, f"somnus: {out}: exists; give --overwrite to replace it, or another path for {what}")
    assert out.read_text() == "earlier"
    r = somnus("export", log, kind, out, "--overwrite")
    assert r.returncode == 0, r.stderr
    if kind == "--mat":
        assert "somnus_log" in scipy.io.loadmat(out)
    else:
        with h5py.File(out, "r") as f:
            assert f.attrs["neurodata_type"] == "NWBFile"
    # 3 and 4. A write that fails: the error names the file and the reason; nothing is left behind.
    out.write_text("earlier")
    r = somnus("export", log, kind, out, "--overwrite", limit=64 * 1024)
    assert r.returncode == 1
    assert error(r).startswith(f"somnus: error: {out}: writing ")
    assert ("File too large" if kind == "--mat" else "file-size limit") in error(r)
    assert out.read_text() == "earlier" and leftovers(run_folder) == []
    assert log.read_bytes() == original


def test_table(run_folder):
    log = run_folder / "run.h5"
    original = log.read_bytes()
    for option, what in (("--csv", "the CSV table"), ("--md", "the Markdown table")):
        r = somnus("table", log, option, log, "--overwrite")
        assert (r.returncode, error(r)) == (2, f"somnus: {log}: is an input of this command; {what} would replace it; give another path")
        r = somnus("table", run_folder, option, log, "--overwrite")  # a log found in a folder is an input too
        assert r.returncode == 2 and "is an input of this command" in error(r)
        out = run_folder / ("table" + option[2:])
        out.write_text("earlier")
        r = somnus("table", log, option, out)
        assert (r.returncode, error(r)) == (2, f"somnus: {out}: exists; give --overwrite to replace it, or another path for {what}")
        assert out.read_text() == "earlier"
        r = somnus("table", log, option, out, "--overwrite", limit=100)
        assert r.returncode == 1
        assert error(r).startswith(f"somnus: error: {out}: cannot write (File too large, after ")
        assert error(r).endswith("); the previous file there is kept")
        assert out.read_text() == "earlier" and leftovers(run_folder) == []
        assert somnus("table", log, option, out, "--overwrite").returncode == 0
        assert "tiny" in out.read_text()
    assert log.read_bytes() == original


def test_eval_out(run_folder):
    spec, model = run_folder / "run.json", run_folder / "run.pt"
    quick = sets(TINY_EVAL)
    for target, input_ in ((spec, spec), (model, model)):
        r = somnus("eval", spec, "--checkpoint", model, "--out", target, "--overwrite", *quick)
        assert (r.returncode, error(r)) == (
            2, f"somnus: {target}: is an input of this command; the evaluation's log would replace it; give another path")
    out = run_folder / "eval.h5"
    out.write_text("earlier")
    r = somnus("eval", spec, "--checkpoint", model, "--out", out, *quick)
    assert (r.returncode, error(r)) == (
        2, f"somnus: {out}: exists; give --overwrite to replace it, or another path for the evaluation's log")
    r = somnus("eval", spec, "--checkpoint", model, "--out", out, "--overwrite", *quick, limit=4096)
    assert r.returncode == 1 and error(r).startswith(f"somnus: error: {out}: ")
    assert out.read_text() == "earlier" and leftovers(run_folder) == []
    r = somnus("eval", spec, "--checkpoint", model, "--out", out, "--overwrite", *quick)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        assert "eval" in f


def test_eval_refuses_a_model_file_of_other_areas(run_folder):
    spec, model = run_folder / "run.json", run_folder / "run.pt"
    quick = sets(TINY_EVAL)
    smaller = sets({"modules.V1_encoder.latent_dim": 64, "modules.V1_generator.latent_dim": 64})
    r = somnus("eval", spec, "--checkpoint", model, *smaller, *quick)
    assert (r.returncode, error(r)) == (
        2, f"somnus: {model}: the model file's areas differ from the spec's (at /modules/V1_encoder/latent_dim: 256 in the "
           "model file, 64 in the spec); evaluate it with the spec its run used, or give --areas-from-checkpoint")
    # Or the areas the model file records are taken, and the evaluation is that of the spec as run.
    same = somnus("eval", spec, "--checkpoint", model, *quick)
    taken = somnus("eval", spec, "--checkpoint", model, "--areas-from-checkpoint", *smaller, *quick)
    assert same.returncode == 0 and taken.returncode == 0, taken.stderr
    assert taken.stdout == same.stdout


def test_run(run_folder):
    spec, log = run_folder / "run.json", run_folder / "run.h5"
    spec_text, original = spec.read_text(), log.read_bytes()
    r = somnus("run", spec, "--out", spec, "--overwrite")
    assert (r.returncode, error(r)) == (2, f"somnus: {spec}: is an input of this command; the run's log would replace it; give another path")
    r = somnus("run", spec, "--out", run_folder)
    assert (r.returncode, error(r)) == (2, f"somnus: {run_folder}: is a folder; give the path of the run's log to write")
    r = somnus("run", spec)
    assert r.returncode == 2 and error(r).startswith(f"somnus: {log} exists; give --overwrite to replace it")
    assert spec.read_text() == spec_text and log.read_bytes() == original
    # A run whose first write fails: the log as it was, nothing half-written next to it.
    r = somnus("run", spec, "--overwrite", limit=64 * 1024)
    assert r.returncode == 1
    assert error(r).startswith(f"somnus: error: {log}: the log would outgrow the file-size limit")
    assert log.read_bytes() == original and leftovers(run_folder) == []
    # The model a run writes beside its log is not replaced unasked either.
    model = run_folder / "run.pt"
    log.unlink()
    r = somnus("run", spec)
    assert (r.returncode, error(r)) == (2, f"somnus: {model} exists (the model of a run whose log {log} is gone?); "
                                           "give --overwrite to replace it, or --out to write elsewhere")
    r = somnus("run", spec, "--out", run_folder / "run.pt")
    assert (r.returncode, error(r)) == (
        2, f"somnus: {run_folder / 'run.pt'}: a log named .pt would be its own model file; give a log path ending in .h5")


def test_summarize(run_folder):
    folder = run_folder / "batch"
    folder.mkdir()
    shutil.copy(run_folder / "run.h5", folder / "run.h5")
    original = (folder / "run.h5").read_bytes()
    (folder / "summary.md").symlink_to(folder / "run.h5")
    r = somnus("summarize", folder, "--no-plots")
    assert (r.returncode, error(r)) == (
        2, f"somnus: {folder / 'summary.md'}: is the same file as the input {folder / 'run.h5'} of this command; "
           "the Markdown summary would replace it; give another path")
    assert (folder / "run.h5").read_bytes() == original
    (folder / "summary.md").unlink()
    # The summaries are somnus's own: refreshed on every call, without --overwrite.
    assert somnus("summarize", folder).returncode == 0
    first = (folder / "summary.md").read_text()
    assert somnus("summarize", folder).returncode == 0
    assert (folder / "summary.md").read_text() == first
    (folder / "summary.md").write_text("earlier")
    r = somnus("summarize", folder, limit=100)
    assert r.returncode == 1 and error(r).startswith(f"somnus: error: {folder / 'summary.md'}: cannot write (File too large")
    assert (folder / "summary.md").read_text() == "earlier" and leftovers(folder) == []


def test_sweep(data_dir, tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    base = tmp_path / "base.json"
    base.write_text(json.dumps(tiny_spec(data_dir, tmp_path / "x.h5")))
    sweep = {"sweep": "s", "base": str(base), "vary": [{"key": "seed", "values": [1, 2]}], "seeds": 1, "out": str(out)}
    # The sweep file where the manifest goes: refused before anything is written.
    inside = out / "sweep.json"
    inside.write_text(json.dumps(sweep))
    r = somnus("sweep", inside, "--slurm")
    assert (r.returncode, error(r)) == (2, f"somnus: {inside}: is an input of this command; the sweep's manifest would replace it; give another path")
    assert json.loads(inside.read_text()) == sweep
    file = tmp_path / "s.json"
    file.write_text(json.dumps(sweep))
    inside.unlink()
    assert somnus("sweep", file, "--slurm").returncode == 0
    manifest = (out / "sweep.json").read_text()
    assert somnus("sweep", file, "--slurm").returncode == 0  # refreshed: somnus keeps it current
    assert (out / "sweep.json").read_text() == manifest
    r = somnus("sweep", file, "--slurm", limit=200)
    assert r.returncode == 1 and "cannot write (File too large" in error(r) and str(out) in error(r)
    assert (out / "sweep.json").read_text() == manifest and leftovers(out) == []


def test_replicate(data_dir, tmp_path):
    out = tmp_path / "replicates"
    (out / "tiny").mkdir(parents=True)
    spec = tiny_spec(data_dir, tmp_path / "x.h5")
    spec["schedule"]["epochs"] = 1
    spec["eval"]["linear_readout"]["seeds"] = [0]
    # The spec where replicate writes its run's spec: refused.
    inside = out / "tiny" / "seed_0.json"
    inside.write_text(json.dumps(spec))
    r = somnus("replicate", inside, "--seeds", "1", "--out", out)
    assert (r.returncode, error(r)) == (2, f"somnus: {inside}: is an input of this command; a run's spec would replace it; give another path")
    assert json.loads(inside.read_text()) == spec
    file = tmp_path / "tiny.json"
    file.write_text(json.dumps(spec))
    inside.unlink()
    r = somnus("replicate", file, "--seeds", "1", "--out", out, limit=100)
    assert r.returncode == 1 and error(r).startswith(f"somnus: error: {inside}: cannot write (File too large")
    assert leftovers(out) == [] and not inside.exists()
    assert somnus("replicate", file, "--seeds", "1", "--out", out).returncode == 0
    summary = (out / "summary.md").read_text()
    assert somnus("replicate", file, "--seeds", "1", "--out", out).returncode == 0  # finished: kept, summary refreshed
    assert (out / "summary.md").read_text() == summary
