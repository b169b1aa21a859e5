"""Figures from a somnus run log (matplotlib). Each function returns a Figure."""
import numpy as np

from ._backend import use_files_backend_when_headless  # noqa: E402

use_files_backend_when_headless()
import matplotlib.pyplot as plt  # noqa: E402

from .log import FASHION_MNIST_CLASSES  # noqa: E402


def loss_curves(run, smooth=10):
    """Every loss term of every state against the run step (moving average over `smooth` steps)."""
    losses = run.losses()
    fig, axes = plt.subplots(1, len(losses), figsize=(4.5 * len(losses), 3.5), squeeze=False)
    for ax, (state, terms) in zip(axes[0], losses.items()):
        step = run.steps(state)[0]
        for term, values in terms.items():
            ax.plot(step, _moving_average(values, smooth), label=term)
        ax.set_title(state)
        ax.set_xlabel("step (mini-batch)")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def neuromodulator_traces(run, last_steps=12):
    """ACh, NA and the conductor's outputs over the last `last_steps` cycles, states interleaved in cycle order."""
    names = ["ach", "na", "discriminator_gate", "discriminator_target", "feedforward_sign", "feedback_sign"]
    labels = ["ACh", "NA", "discriminator gate", "discriminator target", "feedforward sign", "feedback sign"]
    traces = {n: [] for n in names}
    ticks = []
    per_state = {s: run.neuromodulators(s) for s in run.states}
    n_steps = min(len(v["step"]) for v in per_state.values())
    for i in range(max(0, n_steps - last_steps), n_steps):
        for s in run.states:
            for n in names:
                traces[n].append(per_state[s][n][i])
            ticks.append(s)
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 1.3 * len(names)), sharex=True)
    x = np.arange(len(ticks))
    for ax, n, label in zip(axes, names, labels):
        ax.step(x, traces[n], where="mid")
        ax.set_ylabel(label, rotation=0, ha="right", fontsize=8)
        ax.set_ylim(-1.2, 1.2)
    axes[-1].set_xticks(x)
    axes[-1].set_xticklabels(ticks, rotation=90, fontsize=7)
    fig.suptitle("neuromodulators and conductor, last %d cycles" % min(last_steps, n_steps))
    fig.tight_layout()
    return fig


def dream_grid(run, epoch=-1, count=8):
    """One row per image sample of each state's mini-batch, in cycle order: e.g. Wake input and
    reconstruction, NREM dream and its occluded version, REM dream (PAD), or the sleep dream (AWS)."""
    rows = []
    data = run.spec.get("data", {})
    mean, std = float(data.get("mean", 0.5)), float(data.get("std", 0.5))
    with run._open() as f:
        found = [(state, name) for state in run.states if f"dreams/{state}" in f
                 for name in f[f"dreams/{state}"] if f[f"dreams/{state}/{name}"].ndim == 5]
    for state, name in found:
        try:
            rows.append((f"{state} {name}", run.dreams(state, name, epoch)[:count]))
        except KeyError:
            continue
    fig, axes = plt.subplots(max(1, len(rows)), count, figsize=(1.1 * count, 1.2 * max(1, len(rows))), squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(count):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(images):
                ax.imshow(_to_display(images[c], mean, std), cmap="gray", vmin=0, vmax=1)
        axes[r][0].set_title(label, fontsize=8, loc="left")
    fig.tight_layout()
    return fig


def latent_pca(run, module=None, state=None, epoch=-1):
    """Probe-image latents projected on their first two principal components, coloured by class."""
    module = module or _encoder_name(run)
    state = state or run.states[-1]
    z = run.activity(module, "z", state, epoch=epoch).astype(np.float64)
    if epoch < 0:
        epoch = int(run.activity_index(state)[1].max()) + 1 + epoch
    _, labels = run.probe()
    centred = z - z.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    pcs = centred @ vt[:2].T
    explained = s[:2] ** 2 / np.sum(s ** 2)
    fig, ax = plt.subplots(figsize=(6, 5))
    for c in np.unique(labels):
        sel = labels == c
        name = FASHION_MNIST_CLASSES[c] if c < len(FASHION_MNIST_CLASSES) else str(c)
        ax.scatter(pcs[sel, 0], pcs[sel, 1], s=8, label=name)
    ax.set_xlabel("PC1 (%.0f %%)" % (100 * explained[0]))
    ax.set_ylabel("PC2 (%.0f %%)" % (100 * explained[1]))
    ax.set_title(f"{module} latents after {state}, epoch {epoch}")
    ax.legend(fontsize=7, markerscale=2, loc="best")
    fig.tight_layout()
    return fig


def plasticity_summary(run, pathway="feedforward"):
    """Per epoch: norm of each state's summed weight change, and the Wake-REM cosine."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for kind, style in [("weight_change", "-o"), ("gradient", "--s")]:
        p = run.plasticity(pathway, kind)
        for i, s in enumerate(p["states"]):
            axes[0].plot(p["epoch"], p["norm"][:, i], style, label=f"{s} {kind}")
        if "wake" in p["states"] and "rem" in p["states"]:
            i, j = p["states"].index("wake"), p["states"].index("rem")
            axes[1].plot(p["epoch"], p["cosine"][:, i, j], style, label=f"{kind}")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("epoch")
    axes[0].set_title(f"{pathway}: norm of summed change per state")
    axes[0].legend(fontsize=7)
    axes[1].axhline(0, color="grey", lw=0.5)
    axes[1].set_ylim(-1, 1)
    axes[1].set_xlabel("epoch")
    axes[1].set_title(f"{pathway}: cosine(Wake, REM)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _encoder_name(run):
    for name, module in run.spec.get("modules", {}).items():
        if module.get("type") == "pad_encoder":
            return name
    return "V1_encoder"


def _moving_average(values, n):
    if n <= 1 or len(values) < n:
        return values
    kernel = np.ones(n) / n
    smoothed = np.convolve(values, kernel, mode="valid")
    return np.concatenate([np.full(n - 1, np.nan), smoothed])


def _to_display(image, mean=0.5, std=0.5):
    """(C,H,W) normalised as (x - mean) / std -> (H,W) or (H,W,3) in [0, 1]."""
    image = np.clip(np.asarray(image) * std + mean, 0, 1)
    return image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))
