"""Implementation names -> implementation objects, and which ones each suite compares.

An implementation is a peer trainer class (:mod:`fastnn.bench.peers`) or a
:class:`fastnn.bench.fastnn_runner.FastnnImplementation`; both offer ``unavailable()`` and build a
trainer when called with ``(workload, X, y, weights, threads)``.
"""
from __future__ import annotations

from . import fastnn_runner, peers

CPU_PEERS = ("torch-eager", "jax-step", "jax-scan", "sklearn")
GPU_IMPLS = ("fastnn-numba", "fastnn-cuda", "torch-cuda")
GPU_ONLY = ("fastnn-cuda", "torch-cuda")


def implementation(name):
    """The implementation called ``name`` (``fastnn-<backend>`` or a key of ``peers.PEERS``)."""
    if name.startswith(fastnn_runner.PREFIX):
        return fastnn_runner.implementation(name)
    if name not in peers.PEERS:
        raise ValueError(f"unknown implementation {name!r}; expected fastnn-<backend> "
                         f"(one of {fastnn_runner.implementation_names()}) or one of {list(peers.PEERS)}")
    return peers.PEERS[name]


def default_impls(mode):
    """Every fastnn CPU back end plus the CPU peers, or for ``mode == "gpu"`` the GPU set."""
    if mode == "gpu":
        return list(GPU_IMPLS)
    return [n for n in fastnn_runner.implementation_names() if n != "fastnn-cuda"] + list(CPU_PEERS)


def library(name):
    """The distribution whose version matters for implementation ``name`` (e.g. ``jax-scan`` -> ``jax``)."""
    if name.startswith(fastnn_runner.PREFIX):
        return "fastnn"
    return {"sklearn": "scikit-learn"}.get(name, name.split("-")[0])
