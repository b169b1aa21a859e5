"""The tutorial notebook (analysis/python/examples/tutorial.ipynb) runs end to end on
tiny data, executed by nbclient in a Python kernel as Jupyter would, so it cannot go stale."""
import pytest

from conftest import ROOT, somnus_binary

nbformat = pytest.importorskip("nbformat", reason="Debian's python3-nbformat (scripts/install-deps.sh)")
nbclient = pytest.importorskip("nbclient", reason="Debian's python3-nbclient (scripts/install-deps.sh)")


def test_the_tutorial_notebook_runs_end_to_end(data_dir, tmp_path, monkeypatch):
    for name, value in {"SOMNUS_TUTORIAL_QUICK": "1", "SOMNUS_TUTORIAL_DATA": data_dir,
                        "SOMNUS_TUTORIAL_OUT": tmp_path, "SOMNUS_BINARY": somnus_binary(), "SOMNUS_ROOT": ROOT}.items():
        monkeypatch.setenv(name, str(value))  # the kernel inherits the environment
    examples = ROOT / "analysis" / "python" / "examples"
    notebook = nbformat.read(examples / "tutorial.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(examples)}}).execute()  # raises on any cell's error

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        o.get("data", {}).get("text/plain", "") for o in outputs)
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 4  # losses, neuromodulators, dreams, latent PCA
    assert "finished: 2 epoch(s) finished" not in text  # the run has 3 epochs
    assert "finished: 3 epoch(s) finished, last Wake reconstruction loss" in text
    assert "cosine(wake, rem) = " in text
    assert "rem_lambda" in text and "0.25" in text and "0.75" in text
    assert (tmp_path / "pad.h5").exists() and (tmp_path / "rem_lambda" / "summary.csv").exists()
