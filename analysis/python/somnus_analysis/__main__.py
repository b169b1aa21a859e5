"""The command line of somnus_analysis, for whichever Python has the package
(pip install ./analysis/python, the Debian package's /usr/bin/python3, or
PYTHONPATH=analysis/python in a checkout):

    python3 -m somnus_analysis figures runs/pad.h5 figures/

figures: PNG figures of a run (losses, neuromodulators, dreams, latent PCA,
plasticity) and the Wake-vs-REM cosine of its plasticity, as `somnus run`
suggests when it ends. The study figures are scripts in the package's examples/
folder (docs/analysis.md).
"""
import argparse
import os
import signal

from . import plots
from .log import Run


def figures(args):
    """PNG figures of one run and its Wake-vs-REM plasticity cosine."""
    run = Run(args.log)
    os.makedirs(args.out, exist_ok=True)
    print(f"{args.log}: experiment {run.attrs.get('experiment')}, status {run.status}, "
          f"{run.epochs_finished} epoch(s), states {', '.join(run.states)}")
    pngs = {
        "losses.png": plots.loss_curves(run),
        "neuromodulators.png": plots.neuromodulator_traces(run),
        "dreams.png": plots.dream_grid(run),
        "latent_pca.png": plots.latent_pca(run),
        "plasticity.png": plots.plasticity_summary(run),
    }
    for name, fig in pngs.items():
        path = os.path.join(args.out, name)
        fig.savefig(path, dpi=110)
        print("wrote", path)

    for kind in ("weight_change", "gradient"):
        p = run.plasticity("feedforward", kind)
        for row, epoch in enumerate(p["epoch"]):
            i, j = p["states"].index("wake"), p["states"].index("rem")
            print(f"feedforward {kind}, epoch {epoch}: cosine(wake, rem) = {p['cosine'][row, i, j]:+.4f}")
    try:
        print(f"feedforward weight change, last epoch, from the stored vectors: "
              f"cosine(wake, rem) = {run.weight_change_cosine('wake', 'rem'):+.4f}")
    except KeyError as error:
        print(error)
    if run.has("eval/linear_readout/last_epoch_accuracy"):
        acc = run.readout()["last_epoch_accuracy"]
        print(f"linear readout, last epoch: {100 * acc.mean():.2f} % over {len(acc)} classifier seed(s)")


def memory(args):
    """The memory-across-days study's tables and retention figure (docs/memory-across-days.md)."""
    from . import memory as study
    print(study.write(args.folder, args.out), end="")


def same_areas(args):
    """Theories of sleep on the same areas: the tables and learning curves (docs/theory-comparison.md)."""
    from . import same_areas as study
    print(study.write(args.folder, args.out, args.hierarchy, overlap=args.overlap, only=args.only), end="")


def main(argv=None):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends the output quietly, as a Unix tool does
    parser = argparse.ArgumentParser(prog="python3 -m somnus_analysis", description="analyse somnus run logs")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("figures", help=figures.__doc__)
    command.add_argument("log", help="HDF5 log written by `somnus run`")
    command.add_argument("out", help="folder for the PNG figures")
    command.set_defaults(run=figures)
    command = commands.add_parser("memory", help=memory.__doc__)
    command.add_argument("folder", help="the sweep's out folder (runs/sweeps/memory_across_days)")
    command.add_argument("out", help="folder for the figure")
    command.set_defaults(run=memory)
    command = commands.add_parser("same-areas", help=same_areas.__doc__)
    command.add_argument("folder", help="the sweep's out folder (runs/sweeps/theories_dense)")
    command.add_argument("out", help="folder for the CSV tables and the figure")
    command.add_argument("--hierarchy", choices=["dense", "conv"], default="dense", help="the areas the sweep trained")
    command.add_argument("--overlap", metavar="FOLDER",
                         help="add the overlap tables from scripts/overlap-shared-scale.sh's evaluations in FOLDER")
    command.add_argument("--only", nargs="+", metavar="OUTPUT",
                         choices=["table", "sleep", "plateau", "dreams", "overlap", "curves"],
                         help="write only these of the tables and the curves' figure (default: all)")
    command.set_defaults(run=same_areas)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
