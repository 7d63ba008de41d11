"""The CUDA back end, under Numba's simulator or on a GPU (this folder is collected only when
NUMBA_ENABLE_CUDASIM=1 or FASTNN_CUDA_TESTS=1; tests/test_cuda_simulator.py runs it in its own
process with the simulator).

The simulator runs every CUDA thread of a block as a Python thread, so, like stumpy's GPU tests,
we shrink the launch configuration: 4 x 4 tiles, fused blocks of 4 rows x 2 threads, 32-thread
update blocks.  The kernels are correct for any of these sizes; only the speed differs.
"""
import numba
import pytest

from fastnn.backends import numba_cuda


def pytest_configure(config):
    # The dropout hash is splitmix64, whose uint64 arithmetic wraps on purpose (as it does on the
    # GPU); the simulator runs it with NumPy scalars, which warn on every wrap.
    config.addinivalue_line("filterwarnings", "ignore:overflow encountered in scalar:RuntimeWarning")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    if not numba.config.ENABLE_CUDASIM:     # on a real GPU, test the real launch configuration
        return
    for name, value in (("TILE", 4), ("FUSED_ROWS", 4), ("FUSED_THREADS", 2),
                        ("UPDATE_THREADS", 32), ("LOSS_THREADS", 8)):
        monkeypatch.setattr(numba_cuda, name, value)


@pytest.fixture(params=["fused", "tiled"])
def path(request, monkeypatch):
    """Both kernel paths: the fused narrow-network kernel, and the tiled per-layer products
    (forced by lowering the fused path's width limit below every layer width)."""
    if request.param == "tiled":
        monkeypatch.setattr(numba_cuda, "FUSED_MAX_WIDTH", 0)
    return request.param
