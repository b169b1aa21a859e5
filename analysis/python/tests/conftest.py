"""Fixtures: a tiny Fashion-MNIST look-alike in the real IDX format, and logs
written by the somnus binary (SOMNUS_BINARY, default build/somnus) on it."""
import gzip
import json
import os
import pathlib
import struct
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "analysis" / "python"))


def write_fake_fashion(folder, n_train=96, n_test=48):
    """Class c is a bright bar at row 2c+4 on a noisy background (as tests/helpers.hpp)."""
    rng = np.random.default_rng(12345)
    for prefix, n, compress in (("train", n_train, True), ("t10k", n_test, False)):
        labels = np.arange(n, dtype=np.uint8) % 10
        images = rng.integers(0, 64, size=(n, 28, 28), dtype=np.uint8)
        for i, c in enumerate(labels):
            images[i, 2 * c + 4: 2 * c + 6, :] = 230
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + b"".join(struct.pack(">i", d) for d in array.shape)
            data = header + array.tobytes()
            path = folder / f"{prefix}-{kind}"
            if compress:
                with gzip.open(str(path) + ".gz", "wb") as f:
                    f.write(data)
            else:
                path.write_bytes(data)


def somnus_binary():
    return os.environ.get("SOMNUS_BINARY", str(ROOT / "build" / "somnus"))


def tiny_spec(data, log, **record):
    spec = {
        "name": "tiny", "seed": 3, "threads": 2, "device": "cpu",
        "data": {"path": str(data), "train_subset": 96},
        "schedule": {"epochs": 2, "batch_size": 16},
        "record": {"path": str(log), "progress_every": 100,
                   "activity": {"probe_images": 20, "every_iterations": 3,
                                "layers": {"V1_encoder": "all", "V1_generator": ["output"], "discriminator": ["output"]}},
                   "dreams": {"images": 8},
                   "plasticity": {"vector_epochs": [0, -1]}},
        "eval": {"linear_readout": {"epochs": 2, "batch_size": 16, "seeds": [0, 1]},
                 # few latent pairs: the defaults' 10,000 occluded images would be most of a tiny run
                 "latent_geometry": {"intra_pairs": 20, "inter_pairs": 200, "occluded_pairs": 64}},
    }
    spec["record"].update(record)
    return spec


# A quick evaluation for tiny data: one readout epoch on mini-batches of 16, few latent pairs.
TINY_EVAL = {"eval.linear_readout.epochs": 1, "eval.linear_readout.batch_size": 16, "eval.latent_geometry.inter_pairs": 50,
             "eval.latent_geometry.intra_pairs": 5, "eval.latent_geometry.occluded_pairs": 50}


def sets(values):
    """`--set key=value` arguments for somnus, one pair per item of the dict, in order."""
    return [a for key, value in values.items() for a in ("--set", f"{key}={value}")]


def run_somnus(*args, check=True, timeout=600):
    result = subprocess.run([somnus_binary(), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"somnus {' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fashion")
    write_fake_fashion(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_log(data_dir, tmp_path_factory):
    """A finished two-epoch PAD run: 6 iterations per epoch, every probe on."""
    folder = tmp_path_factory.mktemp("run")
    log = folder / "tiny.h5"
    spec = folder / "tiny.json"
    spec.write_text(json.dumps(tiny_spec(data_dir, log)))
    run_somnus("run", spec)
    return log
