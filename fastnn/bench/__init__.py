"""Benchmark harness: fastnn's back ends against PyTorch, JAX and scikit-learn on the same MLPs.

Run ``fastnn bench --quick`` (or ``python -m fastnn.bench``); :func:`main` takes the same
arguments as a list.  Results: JSON with machine info, a markdown report and PNG plots.
"""
from .cli import main

__all__ = ["main"]
