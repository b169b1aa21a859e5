"""Reading a somnus run log with h5py and numpy.

A Run opens the file only while it reads, so the run writing it is never kept
waiting for long; each accessor returns numpy arrays.
"""
import json
import time

import h5py
import numpy as np

from ._labels import FASHION_MNIST_CLASSES, _text  # noqa: F401 (FASHION_MNIST_CLASSES: re-exported)

class LogNotReady(RuntimeError):
    """The file could not be opened (the run is writing it, or it is damaged)."""


class Run:
    """One run's log. `path` is the .h5 file written by `somnus run`."""

    def __init__(self, path, retry_seconds=10.0):
        self.path = str(path)
        self.retry_seconds = retry_seconds
        with self._open() as f:
            self.attrs = {k: _text(v) for k, v in f.attrs.items()}
            self.spec = json.loads(self.attrs["spec"]) if "spec" in self.attrs else {}
            self.cycle = [_text(s) for s in f["states"].attrs["cycle"]] if "states" in f and "cycle" in f["states"].attrs else []

    # ---- file access ---------------------------------------------------------
    def _open(self):
        """The file, opened read-only; retries while the writer holds it for a flush."""
        deadline = time.monotonic() + self.retry_seconds
        while True:
            try:
                return h5py.File(self.path, "r")
            except (OSError, BlockingIOError) as error:
                if time.monotonic() > deadline:
                    raise LogNotReady(f"{self.path}: cannot open ({error})") from error
                time.sleep(0.05)

    def read(self, path):
        """The whole dataset at `path` as a numpy array."""
        with self._open() as f:
            if path not in f:
                raise KeyError(f"{self.path}: no dataset {path!r} (see `somnus inspect {self.path}`)")
            return f[path][()]

    def has(self, path):
        with self._open() as f:
            return path in f

    def datasets(self):
        """Paths of every dataset in the file."""
        found = []
        with self._open() as f:
            f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
        return found

    def describe(self, path):
        """(description, unit) of a dataset."""
        with self._open() as f:
            a = f[path].attrs
            return _text(a.get("description", "")), _text(a.get("unit", ""))

    # ---- run summary ---------------------------------------------------------
    @property
    def status(self):
        return self.attrs.get("status")

    @property
    def epochs_finished(self):
        return int(self.attrs.get("epochs_finished", 0))

    @property
    def states(self):
        """Brain states with per-step data, in cycle order."""
        if self.cycle:
            return list(dict.fromkeys(self.cycle))
        with self._open() as f:
            return list(f["states"].keys()) if "states" in f else []

    # ---- per-step time series --------------------------------------------------
    def series(self, state, name):
        """A per-step series of one state, e.g. series("wake", "losses/reconstruction")."""
        return self.read(f"states/{state}/{name}")

    def steps(self, state):
        """(step, epoch, iteration, time) arrays of a state's steps."""
        with self._open() as f:
            g = f[f"states/{state}"]
            return g["step"][()], g["epoch"][()], g["iteration"][()], g["time"][()]

    def losses(self, state=None):
        """{state: {term: values}} (or {term: values} for one state); each series has one value per step."""
        states = [state] if state else self.states
        out = {}
        with self._open() as f:
            for s in states:
                g = f.get(f"states/{s}/losses")
                out[s] = {k: g[k][()] for k in g} if g is not None else {}
        return out[state] if state else out

    def neuromodulators(self, state):
        """ACh, NA and the conductor's gates, targets and plasticity signs of a state, per step."""
        with self._open() as f:
            g = f[f"states/{state}"]
            out = {k: g["neuromodulators"][k][()] for k in g["neuromodulators"]}
            out.update({k: g["conductor"][k][()] for k in g["conductor"]})
            out["step"] = g["step"][()]
            return out

    def hippocampus(self, state):
        """Occupancy and replayed episodes (numbers, ages) of a state, per step."""
        with self._open() as f:
            g = f[f"states/{state}/hippocampus"]
            out = {k: g[k][()] for k in g}
            out["step"] = f[f"states/{state}/step"][()]
            return out

    # ---- activity on the probe images -------------------------------------------
    def probe(self):
        """(images (N,C,H,W), labels (N,)) of the fixed probe set."""
        return self.read("probe/images"), self.read("probe/labels")

    def activity_index(self, state):
        """(step, epoch, iteration) of each activity sample taken after `state` ("initial": before training)."""
        with self._open() as f:
            g = f[f"activity/{state}"]
            return g["step"][()], g["epoch"][()], g["iteration"][()]

    def activity(self, module, layer, state, epoch=None, step=None):
        """Activity of `module`'s `layer` on the probe images, sampled after `state`'s steps.

        With neither epoch nor step: every sample, shape (samples, N, ...).
        With epoch (negative counts from the end): the last sample of that epoch, shape (N, ...).
        With step: the sample taken at that run step.
        """
        path = f"activity/{state}/{module}/{layer}"
        with self._open() as f:
            if path not in f:
                raise KeyError(f"{self.path}: no activity {path!r}; recorded: {_children(f, 'activity')}")
            data = f[path]
            steps, epochs = f[f"activity/{state}/step"][()], f[f"activity/{state}/epoch"][()]
            if epoch is None and step is None:
                return data[()]
            if step is not None:
                hits = np.flatnonzero(steps == step)
                what = f"step {step}"
            else:
                if epoch < 0:
                    epoch = int(epochs.max()) + 1 + epoch
                hits = np.flatnonzero(epochs == epoch)
                what = f"epoch {epoch}"
            if hits.size == 0:
                raise KeyError(f"{self.path}: no {path} sample at {what} (epochs sampled: {sorted(set(epochs.tolist()))})")
            return data[int(hits[-1])]

    # ---- dreams --------------------------------------------------------------
    def dreams(self, state, name="dream", epoch=-1):
        """Samples of a state's own mini-batch at the end of an epoch: e.g. dreams("rem"),
        dreams("nrem", "occluded_dream"), dreams("wake", "reconstruction")."""
        with self._open() as f:
            g = f[f"dreams/{state}"]
            epochs = g["epoch"][()]
            if epoch < 0:
                epoch = int(epochs.max()) + 1 + epoch
            hits = np.flatnonzero(epochs == epoch)
            if hits.size == 0:
                raise KeyError(f"{self.path}: no dreams of {state} at epoch {epoch}")
            return g[name][int(hits[-1])]

    # ---- plasticity ------------------------------------------------------------
    def plasticity(self, pathway="feedforward", kind="weight_change"):
        """Per-epoch geometry of a pathway's plasticity: {"epoch", "states", "norm" (epochs, S),
        "cosine" (epochs, S, S)}; kind is "weight_change" or "gradient"."""
        with self._open() as f:
            g = f[f"plasticity/{pathway}"]
            return {"epoch": g["epoch"][()],
                    "states": [_text(s) for s in f["plasticity"].attrs["states"]],
                    "norm": g[f"{kind}_norm"][()],
                    "cosine": g[f"{kind}_cosine"][()]}

    def weight_change(self, state, epoch=-1):
        """The feedforward weight change summed over an epoch's `state` steps (flattened)."""
        with self._open() as f:
            g = f["plasticity/feedforward"]
            if "vector_epoch" not in g:
                raise KeyError(f"{self.path}: no weight-change vectors were recorded (record.plasticity.vector_epochs)")
            epochs = g["vector_epoch"][()]
            if epoch < 0:
                epoch = int(f["plasticity/feedforward/epoch"][()].max()) + 1 + epoch
            hits = np.flatnonzero(epochs == epoch)
            if hits.size == 0:
                raise KeyError(f"{self.path}: no weight-change vector at epoch {epoch} (recorded: {epochs.tolist()})")
            return g[f"weight_change/{state}"][int(hits[-1])].astype(np.float64)

    def weight_change_cosine(self, a="wake", b="rem", epoch=-1, pathway="feedforward", kind="weight_change"):
        """Cosine between the summed changes of states a and b in an epoch. From the recorded
        vectors when there are some (feedforward weight changes), else from the per-epoch table."""
        if pathway == "feedforward" and kind == "weight_change":
            try:
                u, v = self.weight_change(a, epoch), self.weight_change(b, epoch)
                return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
            except KeyError:
                pass
        p = self.plasticity(pathway, kind)
        row = epoch if epoch >= 0 else len(p["epoch"]) + epoch
        row = int(np.flatnonzero(p["epoch"] == p["epoch"][row])[0])
        i, j = p["states"].index(a), p["states"].index(b)
        return float(p["cosine"][row, i, j])

    def schedule(self):
        """The expanded timeline (logs with a /schedule group): a list of blocks, each a dict with
        epoch, part ("day", "night", "arousal", "kept awake"), states (list), start (first
        iteration within the epoch) and iterations; and per epoch the protocols acting
        (list of names). Returns (blocks, protocols_per_epoch)."""
        with self._open() as f:
            if "schedule" not in f:
                return [], []
            g = f["schedule"]
            parts = [_text(p) for p in g.attrs["part"]]
            states = [_text(p) for p in g.attrs["states"]]
            blocks = [
                {"epoch": int(e), "part": p, "states": s.split(", ") if s else [], "start": int(a), "iterations": int(n)}
                for e, p, s, a, n in zip(g["epoch"][()], parts, states, g["start"][()], g["iterations"][()])
            ]
            protocols = [[x for x in _text(p).split(", ") if x] for p in g.attrs["protocols"]]
            return blocks, protocols

    def sleep_per_epoch(self):
        """Mini-batches each state ran in each epoch, from the timeline: {state: [n_epoch0, n_epoch1, ...]}."""
        blocks, protocols = self.schedule()
        epochs = len(protocols)
        out = {}
        for b in blocks:
            for s in b["states"]:
                out.setdefault(s, [0] * epochs)[b["epoch"]] += b["iterations"]
        return out

    # ---- evaluation ------------------------------------------------------------
    def readout(self, group="eval"):
        """Linear-readout accuracies per classifier seed (fractions), of the final
        evaluation or of `group` (e.g. "eval/epoch_001")."""
        with self._open() as f:
            g = f[f"{group}/linear_readout"]
            out = {k: g[k][()] for k in g}
            out.update({k: _text(v) for k, v in g.attrs.items()})
            return out

    def latent_geometry(self, group="eval"):
        """Distances between latents (attributes of eval/latent_geometry) and the per-class intra distances."""
        with self._open() as f:
            g = f[f"{group}/latent_geometry"]
            out = {k: float(v) for k, v in g.attrs.items()}
            out["intra_class_distance_per_class"] = g["intra_class_distance"][()]
            return out

    def pca(self, group="eval"):
        """Test latents on their first two principal components: projection (N, 2), labels, explained_variance."""
        with self._open() as f:
            g = f[f"{group}/pca"]
            return {k: g[k][()] for k in g}

    def overlap(self, group="eval"):
        """Wake/sleep overlap test: units (k of k+k), kl, floor, wake_patterns, sleep_patterns (arrays, one entry per k)."""
        with self._open() as f:
            g = f[f"{group}/overlap"]
            return {k: g[k][()] for k in g}

    def dream_content(self, group="eval"):
        """What the dreams were of at one evaluation (eval.dream_content): a dict with, per
        dreaming state (e.g. "nrem", "rem"), a dict of predicted_class, confidence,
        nearest_training_distance, nearest_memory_distance (arrays, one entry per dream),
        images (the first dreams, normalised as the data) and step; "memory_class" (the
        stored memories' classes) and "test_images" (predicted_class and
        nearest_training_distance of real test images, the yardstick)."""
        with self._open() as f:
            g = f[f"{group}/dream_content"]
            out = {}
            for name, item in g.items():
                if isinstance(item, h5py.Dataset):
                    out[name] = item[()]
                else:
                    out[name] = {k: item[k][()] for k in item}
                    out[name].update({k: float(v) for k, v in item.attrs.items()})
            out.update({k: float(v) for k, v in g.attrs.items()})
            return out

    def evaluations(self):
        """Every evaluation of the run, in training order: a list of dicts with
        trained_epochs, group, and (when evaluated) readout_accuracy (mean over
        classifier seeds, fraction; after the last readout epoch), readout_validated_accuracy
        (when trained to convergence: after each seed's best validation epoch), occlusion_levels,
        occluded_accuracy (per level),
        perturbed (a dict "noise" / "blur" / "shift" -> {"levels", "accuracy"}: the
        readout under perturbations no rule trains on, accuracy per level, mean over
        seeds), knn_accuracy (a dict k -> fraction), the generated images' reconstruction_error,
        reconstruction_class_kept (fraction), fid_reconstructions, fid_samples and fid_floor, fid_dreams (a
        dict sleeping state -> the Fréchet distance of its last dreams, when eval.generated_images.dreams
        kept them) and dreams_kept (a dict state -> how many), intra_inter_ratio,
        clean_occluded_ratio, and overlap_kl / overlap_floor (dicts k -> nats for the
        k+k-unit wake/sleep overlap tests)."""
        found = []
        with self._open() as f:
            if "eval" not in f:
                return found
            groups = [f"eval/{k}" for k in f["eval"] if k.startswith("epoch_")] + ["eval"]
            for name in groups:
                g = f[name]
                if "trained_epochs" not in g.attrs:
                    continue
                row = {"group": name, "trained_epochs": int(g.attrs["trained_epochs"])}
                if "linear_readout" in g:
                    r = g["linear_readout"]
                    row["readout_accuracy"] = float(np.mean(r["last_epoch_accuracy"][()]))
                    if "validated_accuracy" in r:  # trained to convergence on a held-out split
                        row["readout_validated_accuracy"] = float(np.mean(r["validated_accuracy"][()]))
                    if "occluded_accuracy" in r:
                        row["occlusion_levels"] = r["occlusion_levels"][()]
                        row["occluded_accuracy"] = r["occluded_accuracy"][()].mean(axis=0)
                    if "perturbed" in r:
                        row["perturbed"] = {name: {"levels": p["levels"][()], "accuracy": p["accuracy"][()].mean(axis=0)}
                                            for name, p in r["perturbed"].items()}
                if "generated_images" in g:
                    a = g["generated_images"].attrs
                    for key in ("reconstruction_error", "reconstruction_class_kept", "fid_reconstructions", "fid_samples",
                                "fid_floor"):
                        row[key] = float(a[key])
                    if "dreams" in g["generated_images"]:
                        dreams = g["generated_images"]["dreams"]
                        row["fid_dreams"] = {state: float(d.attrs["fid"]) for state, d in dreams.items()}
                        row["dreams_kept"] = {state: int(d.attrs["dreams"]) for state, d in dreams.items()}
                if "knn_readout" in g:
                    k = g["knn_readout"]
                    row["knn_accuracy"] = dict(zip((int(v) for v in k["k"][()]), (float(v) for v in k["accuracy"][()])))
                if "latent_geometry" in g:
                    a = g["latent_geometry"].attrs
                    row["intra_inter_ratio"] = float(a["intra_inter_ratio"])
                    row["clean_occluded_ratio"] = float(a["clean_occluded_ratio"])
                if "overlap" in g:
                    o = g["overlap"]
                    units = [int(k) for k in o["units"][()]]
                    row["overlap_kl"] = dict(zip(units, (float(v) for v in o["kl"][()])))
                    row["overlap_floor"] = dict(zip(units, (float(v) for v in o["floor"][()])))
                found.append(row)
        return sorted(found, key=lambda r: r["trained_epochs"])

    # ---- pandas and xarray (somnus_analysis.frames) -----------------------------
    def losses_frame(self):
        """Every state's loss terms, one row per step and term: step, epoch, iteration, time,
        state, name, value (a pandas DataFrame in long form)."""
        from . import frames
        return frames.per_step(self, ["losses"])

    def neuromodulators_frame(self):
        """ACh, NA and the conductor's outputs (gates, targets, plasticity signs, phase), one row
        per step and name, in long form as losses_frame()."""
        from . import frames
        return frames.per_step(self, ["neuromodulators", "conductor"])

    def hippocampus_frame(self):
        """Occupancy and replayed episodes per step, in long form as losses_frame()."""
        from . import frames
        return frames.per_step(self, ["hippocampus"])

    def observables_frame(self):
        """What the states observe besides their losses (e.g. the discriminator's outputs) and
        the per-step plasticity norms, in long form as losses_frame()."""
        from . import frames
        return frames.per_step(self, ["observables", "plasticity"])

    def retention(self):
        """The run's retention tests (eval.retention) as a pandas DataFrame in long form:
        one row per test and task, with test (0, 1, ... in the order they ran),
        days_trained, nights (0 for the test after day 1's Wake, before its night),
        task (its index), classes (e.g. "0,1"), accuracy (the task's own readout, mean
        over classifier seeds, fraction: task-incremental), class_incremental_accuracy
        (the every-class readout on the task's test images), reconstruction_error, and
        all_classes_accuracy (the every-class readout on every test image). R[i][j] of the
        continual-learning literature is accuracy at nights = i + 1, task = j."""
        pd = __import__("pandas")
        with self._open() as f:
            if "retention" not in f:
                return pd.DataFrame(columns=["test", "days_trained", "nights", "task", "classes", "accuracy",
                                             "class_incremental_accuracy", "reconstruction_error",
                                             "all_classes_accuracy"])
            g = f["retention"]
            accuracy, error = g["accuracy"][()], g["reconstruction_error"][()]
            incremental = (g["class_incremental_accuracy"][()] if "class_incremental_accuracy" in g
                           else np.full(accuracy.shape, np.nan))
            classes = [",".join(str(int(c)) for c in row if c >= 0) for row in g["tasks"][()]]
            rows = []
            for i, (days, nights, every) in enumerate(zip(g["days_trained"][()], g["nights"][()],
                                                         g["all_classes_accuracy"][()])):
                for t, name in enumerate(classes):
                    rows.append({"test": i, "days_trained": int(days), "nights": int(nights), "task": t,
                                 "classes": name, "accuracy": float(accuracy[i, t]),
                                 "class_incremental_accuracy": float(incremental[i, t]),
                                 "reconstruction_error": float(error[i, t]), "all_classes_accuracy": float(every)})
            return pd.DataFrame(rows)

    def retention_summary(self, measure="accuracy"):
        """The continual-learning summaries of the retention tests (sim/eval/retention.hpp,
        the same definitions as `somnus table`) of `measure`, a column of retention():
        "accuracy" (each task's own readout) or "class_incremental_accuracy" (the
        every-class readout on the task's images). average_accuracy (mean over tasks at
        the last test), forgetting (per task j: best accuracy after nights j+1 .. T-1
        minus the last; NaN for the last task), mean_forgetting (over the tasks before
        the last) and backward_transfer (mean over j < T-1 of the last accuracy minus
        that right after night j+1). Fractions; NaN where the tests do not cover them."""
        frame = self.retention()
        if frame.empty:
            return {"average_accuracy": np.nan, "forgetting": [], "mean_forgetting": np.nan, "backward_transfer": np.nan}
        tests = frame.pivot(index="test", columns="task", values=measure).to_numpy()
        nights = frame.groupby("test")["nights"].first().to_numpy()
        return retention_summary(tests, nights)

    def readout_frame(self):
        """Linear-readout accuracy by evaluation, classifier seed and occlusion level (0 = clean):
        trained_epochs, group, seed, occlusion, accuracy."""
        from . import frames
        return frames.readout(self)

    def evaluations_frame(self):
        """evaluations() as a DataFrame, one row per evaluation."""
        from . import frames
        return frames.evaluations(self)

    def activity_array(self, module, layer, states=None):
        """Activity on the probe images as an xarray DataArray, dims (state, epoch, image, unit),
        the class labels as a coordinate (somnus_analysis.frames.activity)."""
        from . import frames
        return frames.activity(self, module, layer, states)


def retention_summary(accuracy, nights):
    """average accuracy, forgetting (per task), mean forgetting and backward transfer of a
    retention matrix (rows: tests, columns: tasks) whose rows came after nights
    nights; the definitions of sim/eval/retention.hpp."""
    accuracy, nights = np.asarray(accuracy, dtype=float), np.asarray(nights)
    tasks = accuracy.shape[1]
    last = int(np.flatnonzero(nights == nights.max())[-1])
    final, final_night = accuracy[last], int(nights[last])

    def after(night):
        rows = np.flatnonzero(nights == night)
        return accuracy[rows[-1]] if len(rows) else None

    forgetting, transfer = np.full(tasks, np.nan), []
    for j in range(tasks - 1):
        earlier = [after(l)[j] for l in range(j + 1, final_night) if after(l) is not None]
        if earlier:
            forgetting[j] = max(earlier) - final[j]
        learned = after(j + 1)
        if learned is not None and j + 1 < final_night:
            transfer.append(final[j] - learned[j])
    counted = forgetting[~np.isnan(forgetting)]
    return {"average_accuracy": float(final.mean()), "forgetting": forgetting.tolist(),
            "mean_forgetting": float(counted.mean()) if len(counted) else np.nan,
            "backward_transfer": float(np.mean(transfer)) if transfer else np.nan}


def _children(f, group):
    found = []
    if group in f:
        f[group].visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    return found


def follow(path, interval=5.0, timeout=None):
    """Yields a fresh Run each time the log gains a finished epoch, until the run ends.

        for run in follow("runs/pad.h5"):
            print(run.epochs_finished, run.losses("wake")["reconstruction"][-1])
    """
    seen, start = -1, time.monotonic()
    while True:
        try:
            run = Run(path, retry_seconds=interval)
        except (LogNotReady, KeyError, OSError):
            run = None
        if run is not None and (run.epochs_finished != seen or run.status != "running"):
            seen = run.epochs_finished
            yield run
            if run.status not in ("running", "starting"):
                return
        if timeout is not None and time.monotonic() - start > timeout:
            return
        time.sleep(interval)
