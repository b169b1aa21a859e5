"""Readers for somnus HDF5 run logs (layout: docs/log-format.md).

    from somnus_analysis import Run
    run = Run("runs/pad.h5")
    z = run.activity("V1_encoder", "z", state="rem", epoch=-1)   # (probe images, 256)
    run.weight_change_cosine("wake", "rem")                      # feedforward, last epoch

The same tables as pandas DataFrames in long form (run.losses_frame(),
run.readout_frame(), ...) and activity as an xarray DataArray with named
dimensions (run.activity_array(module, layer)): somnus_analysis.frames.
Plots are in somnus_analysis.plots (matplotlib); the paper's figures over
replicated runs in somnus_analysis.paper; sweep folders in somnus_analysis.sweep.
"""
from .log import Run, LogNotReady, follow

__all__ = ["Run", "LogNotReady", "follow"]
