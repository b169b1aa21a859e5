"""A run log as pandas DataFrames in long form and xarray DataArrays with named dimensions.

    from somnus_analysis import Run
    run = Run("runs/pad.h5")
    losses = run.losses_frame()        # one row per step, state and loss term
    losses.groupby(["epoch", "state", "name"])["value"].mean().unstack("name")
    z = run.activity_array("V1_encoder", "z")   # dims (state, epoch, image, unit)
    z.sel(state="rem").isel(epoch=-1).groupby("label").mean("image")   # class means at the end

The Run methods (losses_frame, neuromodulators_frame, hippocampus_frame,
observables_frame, readout_frame, evaluations_frame, activity_array) call the
functions here; pandas and xarray (Debian's python3-pandas, python3-xarray) are
imported only when one is used, so numpy access needs neither.
"""
import numpy as np

from ._labels import FASHION_MNIST_CLASSES, _text

STEP_COLUMNS = ["step", "epoch", "iteration", "time", "state", "name", "value"]

# The class names of each data set somnus reads (data.dataset), by label.
CLASS_NAMES = {
    "fashion-mnist": FASHION_MNIST_CLASSES,
    "mnist": [str(d) for d in range(10)],
    "svhn": [str(d) for d in range(10)],  # label 0 is the digit 0
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
}


def _pandas():
    import pandas
    return pandas


def per_step(run, groups):
    """Per-step series of every state under states/<state>/<group> for each of `groups`, in long
    form: step, epoch, iteration, time (seconds since the run started), state, name, value; rows
    in step order. Steps of a state that recorded nothing of a group are absent."""
    pd = _pandas()
    parts = []
    with run._open() as f:
        for state in run.states:
            g = f.get(f"states/{state}")
            if g is None:
                continue
            clock = {k: g[k][()] for k in ("step", "epoch", "iteration", "time")}
            for group in groups:
                if group not in g:
                    continue
                for name, series in g[group].items():
                    parts.append(pd.DataFrame({**clock, "state": state, "name": name,
                                               "value": series[()].astype(np.float64)}))
    if not parts:
        return pd.DataFrame({c: [] for c in STEP_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["step", "state", "name"], kind="stable").reset_index(drop=True)[STEP_COLUMNS]


def _evaluation_groups(f):
    """(group name, trained_epochs) of every evaluation in the file, in training order."""
    if "eval" not in f:
        return []
    names = [f"eval/{k}" for k in f["eval"] if k.startswith("epoch_")] + ["eval"]
    found = [(n, int(f[n].attrs["trained_epochs"])) for n in names if "trained_epochs" in f[n].attrs]
    return sorted(found, key=lambda item: item[1])


def readout(run):
    """Linear-readout accuracy (fraction) of every evaluation, classifier seed and occlusion
    level, in long form: trained_epochs, group, seed, occlusion (0 = clean images), accuracy.
    The classifier is the one each seed reports: after the last readout epoch, or after its best
    validation epoch when the readout was trained to convergence (eval.linear_readout.validation_images)."""
    pd = _pandas()
    rows = []
    with run._open() as f:
        for group, trained in _evaluation_groups(f):
            if "linear_readout" not in f[group]:
                continue
            r = f[f"{group}/linear_readout"]
            seeds = r["seeds"][()]
            # The classifier each seed reports: its best validation epoch's when trained to convergence.
            clean = r["validated_accuracy"][()] if "validated_accuracy" in r else r["last_epoch_accuracy"][()]
            levels = r["occlusion_levels"][()] if "occlusion_levels" in r else np.zeros(0)
            occluded = r["occluded_accuracy"][()] if "occluded_accuracy" in r else np.zeros((len(seeds), 0))
            for i, seed in enumerate(seeds):
                rows.append((trained, group, int(seed), 0.0, float(clean[i])))
                rows.extend((trained, group, int(seed), float(level), float(occluded[i, j]))
                            for j, level in enumerate(levels))
    return pd.DataFrame(rows, columns=["trained_epochs", "group", "seed", "occlusion", "accuracy"])


def evaluations(run):
    """Run.evaluations() as a DataFrame, one row per evaluation: trained_epochs, group,
    readout_accuracy, intra_inter_ratio, clean_occluded_ratio, one overlap_kl_<k> /
    overlap_floor_<k> column per k of the wake/sleep overlap test, one knn_<k> column per k
    of the k-nearest-neighbour readout, one <perturbation>_<level> column (noise_0.2,
    blur_1, shift_2) per perturbed test of the readout and one fid_dreams_<state> column
    per sleeping state whose dreams were judged (the columns it has)."""
    pd = _pandas()
    rows = []
    for e in run.evaluations():
        row = {k: v for k, v in e.items() if not isinstance(v, (dict, np.ndarray))}
        for key in ("overlap_kl", "overlap_floor"):
            row.update({f"{key}_{k}": v for k, v in e.get(key, {}).items()})
        row.update({f"knn_{k}": v for k, v in e.get("knn_accuracy", {}).items()})
        row.update({f"fid_dreams_{state}": v for state, v in e.get("fid_dreams", {}).items()})
        for name, p in e.get("perturbed", {}).items():
            row.update({f"{name}_{level:g}": float(a) for level, a in zip(p["levels"], p["accuracy"])})
        rows.append(row)
    return pd.DataFrame(rows)


def activity(run, module, layer, states=None):
    """Activity of `module`'s `layer` on the probe images as an xarray DataArray with dims
    (state, epoch, image, unit) — (state, epoch, image, channel, row, column) for an image
    layer. Each (state, epoch) cell is the last sample of that state in that epoch; "initial"
    (before training) sits at epoch -1; cells never sampled are NaN. Coordinates: state, epoch,
    image (index in the test set), label (class of each probe image) and class_name; attrs:
    description and unit."""
    import xarray

    with run._open() as f:
        recorded = [s for s in f["activity"] if f"activity/{s}/{module}/{layer}" in f] if "activity" in f else []
        if not recorded:
            raise KeyError(f"{run.path}: no activity of {module}/{layer} (see `somnus inspect {run.path}`)")
        order = ["initial"] + run.states
        chosen = [s for s in order if s in recorded] + [s for s in recorded if s not in order]
        if states is not None:
            missing = [s for s in states if s not in recorded]
            if missing:
                raise KeyError(f"{run.path}: no activity of {module}/{layer} after {missing} (recorded: {chosen})")
            chosen = list(states)
        samples = {s: (f[f"activity/{s}/epoch"][()], f[f"activity/{s}/{module}/{layer}"]) for s in chosen}
        epochs = sorted({int(e) for s in chosen for e in samples[s][0]})
        first = samples[chosen[0]][1]
        shape = first.shape[2:]  # of one image's activity (a dataset is samples x images x ...)
        values = np.full((len(chosen), len(epochs), *first.shape[1:]), np.nan, dtype=np.float64)
        for i, s in enumerate(chosen):
            sample_epochs, data = samples[s]
            for j, epoch in enumerate(epochs):
                hits = np.flatnonzero(sample_epochs == epoch)
                if hits.size:
                    values[i, j] = data[int(hits[-1])]
        attrs = {k: _text(first.attrs.get(k, "")) for k in ("description", "unit")}
        labels = f["probe/labels"][()]
        indices = f["probe/indices"][()]
    unit_dims = ["unit"] if len(shape) == 1 else ["channel", "row", "column"] if len(shape) == 3 else \
        [f"dim_{k}" for k in range(len(shape))]
    coords = {"state": chosen, "epoch": epochs, "image": indices, "label": ("image", labels)}
    names = CLASS_NAMES.get(run.spec.get("data", {}).get("dataset", "fashion-mnist"))
    if names is not None:
        coords["class_name"] = ("image", [names[int(c)] for c in labels])
    return xarray.DataArray(values, dims=["state", "epoch", "image", *unit_dims], coords=coords,
                            name=f"{module}/{layer}", attrs=attrs)
