"""analysis/python is a pip-installable package: installed into a fresh virtual environment
(with the system's h5py/numpy/matplotlib), `import somnus_analysis` works from anywhere and
reads a log. Built offline from a copy of the folder, so the checkout gets no build files."""
import shutil
import subprocess
import sys

from conftest import ROOT


def test_pip_install_makes_the_package_importable_anywhere(tiny_log, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "analysis" / "python", source, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-deps",
                              "--disable-pip-version-check", "--quiet", str(source)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    code = ("import somnus_analysis, sys; r = somnus_analysis.Run(sys.argv[1]); "
            "print(somnus_analysis.__file__); print(r.status, r.epochs_finished)")
    result = subprocess.run([str(venv / "bin" / "python"), "-c", code, str(tiny_log)], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    where, status = result.stdout.splitlines()
    # imported from the environment, not from the checkout's analysis/python
    assert where == str(venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages" /
                        "somnus_analysis" / "__init__.py"), where
    assert status == "finished 2"
