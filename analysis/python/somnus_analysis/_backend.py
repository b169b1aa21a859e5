"""The matplotlib backend of somnus_analysis's figures.

Figures are written to files (Agg) on a machine without a display, where
Debian's default backend (TkAgg) cannot open a window. Where matplotlib
already draws somewhere (a Jupyter kernel, whose inline backend shows the
figures in the notebook; a desktop; a backend chosen with MPLBACKEND), the
choice is left as it is.
"""
import os
import sys

import matplotlib


def use_files_backend_when_headless():
    if "ipykernel" in sys.modules or os.environ.get("MPLBACKEND"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("darwin", "win32"):
        return
    matplotlib.use("Agg")
