"""What the numbers were measured on: CPU, cores, threads, library versions, GPU, GEMM peak.

Collected inside a worker process (the same thread limits as the training workers), so the
measured float32 GEMM peak is the roof that the training throughput is compared against.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import time

import numpy as np

LIBRARIES = ("fastnn", "numpy", "scipy", "numba", "llvmlite", "numba-cuda", "cupy", "torch", "jax",
             "jaxlib", "scikit-learn", "threadpoolctl", "matplotlib")
_DISTRIBUTIONS = {"cupy": ("cupy-cuda13x", "cupy-cuda12x", "cupy")}   # one library, several wheels


def cpu_name():
    """The CPU model string (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions():
    """``{distribution: version or None}`` for Python and every library the harness may use."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        out[name] = None
        for distribution in _DISTRIBUTIONS.get(name, (name,)):
            try:
                out[name] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                pass
    return out


def gpu_name():
    """The first CUDA GPU's name via numba-cuda or torch, ``"CUDA simulator"`` under Numba's
    simulator (``NUMBA_ENABLE_CUDASIM=1``: the GPU rows then run there), or ``None``."""
    try:
        from numba import config, cuda
        if config.ENABLE_CUDASIM:
            return "CUDA simulator"
        if cuda.is_available():
            name = cuda.get_current_device().name
            return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:  # numba-cuda missing or no driver: look at torch next
        pass
    try:
        import torch
        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return None


def thread_pools():
    """The native thread pools threadpoolctl sees (BLAS, OpenMP) with their current thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads")}
            for p in threadpool_info()]


def gemm_peak(sizes=(256, 1024, 2048), min_time_s=1.0, repeats=5):
    """Measured float32 GEMM speed of ``numpy.matmul`` (``C = A @ B``, square n, 2 n^3 FLOP).

    For each n, the median GFLOP/s over at least ``repeats`` calls and ``min_time_s`` seconds,
    into a preallocated output.  Returns ``{"by_size": {n: GFLOP/s}, "peak_gflops": best}``.
    """
    rng = np.random.default_rng(0)
    by_size = {}
    for n in sizes:
        A, B = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
        C = np.empty((n, n), dtype=np.float32)
        np.matmul(A, B, out=C)  # warm-up
        rates, start = [], time.perf_counter()
        while len(rates) < repeats or time.perf_counter() - start < min_time_s:
            t0 = time.perf_counter()
            np.matmul(A, B, out=C)
            rates.append(2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
        by_size[str(n)] = statistics.median(rates)
    return {"by_size": by_size, "peak_gflops": max(by_size.values())}


def machine_info(threads, gemm_sizes, gemm_time_s):
    """Everything above, plus the thread count asked for and the CPUs this process may use."""
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_name(), "logical_cpus": os.cpu_count(), "cpus_used": affinity,
        "platform": platform.platform(), "threads": threads, "thread_pools": thread_pools(),
        "versions": versions(), "gpu": gpu_name(),
        "gemm_float32": gemm_peak(gemm_sizes, gemm_time_s),
    }
