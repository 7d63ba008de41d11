"""Shared fixtures: the back ends under test, small data sets, and paths to the shared data.

The Numba kernels compile once per process and are cached on disk (``cache=True``), so the
whole suite shares them; data sets are kept small so CI stays fast.
"""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import fastnn  # noqa: E402

# Back ends compared against the NumPy reference in this process.  CUDA runs in its own process
# under the simulator (tests/cuda), because NUMBA_ENABLE_CUDASIM must be set before numba loads.
CPU_BACKENDS = [name for name in fastnn.backends.available() if name not in ("numpy", "cuda")]

# tests/cuda runs in its own process with NUMBA_ENABLE_CUDASIM=1 (see tests/test_cuda_simulator.py),
# or on a real GPU with FASTNN_CUDA_TESTS=1 python -m pytest tests/cuda.
_CUDA_RUN = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or os.environ.get("FASTNN_CUDA_TESTS") == "1"
collect_ignore = [] if _CUDA_RUN else ["cuda"]

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"

# The files that take longest on a cold Numba cache (CI, `--durations`), longest first.  With
# `pytest -n auto --dist loadfile`, xdist hands whole files to its workers in collection order:
# started first, the long ones no longer end the run on one worker while the others idle.
LONGEST_FIRST = ["test_population.py", "test_cuda_simulator.py", "test_estimators.py",
                 "test_numba_cpu.py", "test_population_batched.py", "test_model_selection.py",
                 "test_onnx.py", "test_optimizers.py", "test_sparse_inputs.py",
                 "test_gpu_check.py", "test_bench_smoke.py", "test_population_session.py",
                 "test_session.py", "test_scaleout.py", "test_classroom.py"]


def pytest_collection_modifyitems(config, items):
    """Collect LONGEST_FIRST's files first (the rest keep their order)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(params=CPU_BACKENDS)
def backend(request):
    """Every compiled CPU back end available here (numba, cython)."""
    return request.param


@pytest.fixture(params=["numpy"] + CPU_BACKENDS)
def any_backend(request):
    """Every CPU back end including the reference."""
    return request.param


@pytest.fixture(scope="session")
def mnist_path():
    assert SHARED_MNIST.is_dir(), f"the shared MNIST folder is missing at {SHARED_MNIST}"
    return SHARED_MNIST


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
