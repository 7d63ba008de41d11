"""The CUDA back end, under Numba's simulator or on a GPU (this folder is collected only when
NUMBA_ENABLE_CUDASIM=1 or FASTNN_CUDA_TESTS=1; tests/test_cuda_simulator.py runs it in its own
process with the simulator).

Under the simulator, which runs every CUDA thread of a block as a Python thread, the back end
launches small blocks (4 x 4 tiles, fused blocks of 4 rows x 2 threads, ...; see
``fastnn.backends.numba_cuda``), like stumpy's GPU tests; on a GPU the real sizes are tested.
The kernels are correct for any of these sizes; only the speed differs.
"""
import contextlib
import sys
import types

import numba
import numpy as np
import pytest

from fastnn.backends import _cuda_gemm, numba_cuda

SIMULATOR = bool(numba.config.ENABLE_CUDASIM)


def pytest_configure(config):
    # The dropout hash is splitmix64, whose uint64 arithmetic wraps on purpose (as it does on the
    # GPU); the simulator runs it with NumPy scalars, which warn on every wrap.
    config.addinivalue_line("filterwarnings", "ignore:overflow encountered in scalar:RuntimeWarning")


def numpy_as_cupy():
    """A stand-in ``cupy`` module for the simulator: NumPy's ``asarray`` (which views a simulated
    device array's memory, as CuPy views a real one through ``__cuda_array_interface__``),
    ``matmul(a, b, out=)`` and a null stream; so ``CupyGemm``'s own code runs, only the call
    into cuBLAS is NumPy's."""
    module = types.ModuleType("cupy")
    module.asarray, module.matmul = np.asarray, np.matmul
    module.cuda = types.SimpleNamespace(Stream=types.SimpleNamespace(null=contextlib.nullcontext()))
    return module


@pytest.fixture
def gemm(monkeypatch):
    """cuBLAS products for every wide layer: CuPy on a GPU (skipped where CuPy is missing),
    :func:`numpy_as_cupy` in the simulator.  Returns the providers made, to check they ran."""
    if SIMULATOR:
        monkeypatch.setitem(sys.modules, "cupy", numpy_as_cupy())
    elif not _cuda_gemm.status()[0]:
        pytest.skip(f"no cuBLAS path here: {_cuda_gemm.status()[1]}")
    made = []

    def provider():
        made.append(_cuda_gemm.CupyGemm())
        return made[-1]

    monkeypatch.setattr(numba_cuda, "gemm_provider", provider)
    monkeypatch.setattr(_cuda_gemm, "GEMM_MIN_WORK", 0)
    return made


@pytest.fixture(params=["one-block", "fused", "tiled", "gemm", "mixed"])
def path(request, monkeypatch):
    """Every way through a network: the one-launch epoch kernel (the default for the small test
    networks), the per-batch fused kernels (one-block epochs turned off), the per-layer tiled
    products (the fused path's width limit lowered below every layer), cuBLAS for every layer,
    and cuBLAS for the 5-unit-input layer only (GEMM and tiled layers next to each other)."""
    if request.param == "fused":
        monkeypatch.setattr(numba_cuda, "EPOCH_MAX_WORK", 0)
    if request.param in ("tiled", "gemm", "mixed"):
        monkeypatch.setattr(numba_cuda, "FUSED_MAX_WIDTH", 0)
        monkeypatch.setattr(numba_cuda, "gemm_provider", None)
    if request.param in ("gemm", "mixed"):
        request.getfixturevalue("gemm")
    if request.param == "mixed":
        real = _cuda_gemm.use_gemm
        monkeypatch.setattr(_cuda_gemm, "use_gemm",
                            lambda rows, fan_in, fan_out, available=True:
                            fan_in == 5 and real(rows, fan_in, fan_out, available))
    return request.param
