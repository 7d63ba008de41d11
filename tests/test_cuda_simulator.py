"""The CUDA back end in CI without a GPU: its kernels under Numba's simulator (tests/cuda, in a
process of its own, since NUMBA_ENABLE_CUDASIM must be set before numba is imported), and the
error a user without a GPU gets."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fastnn
from fastnn import backends

ROOT = Path(__file__).resolve().parents[1]


def test_cuda_kernels_pass_in_the_simulator():
    pytest.importorskip("numba")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env.pop("FASTNN_BACKEND", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/cuda", "-q",
                             "-p", "no:cacheprovider"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"tests/cuda failed in the simulator:\n{output[-6000:]}"
    assert " passed" in output and " failed" not in output


@pytest.mark.skipif(backends.status()["cuda"][0], reason="a CUDA GPU is usable here")
def test_without_a_gpu_cuda_is_unavailable_and_says_why():
    available, reason = backends.status()["cuda"]
    assert not available
    assert "cuda" not in backends.available()
    assert any(word in reason for word in ("driver", "GPU", "device", "numba-cuda")), reason
    net = fastnn.Sequential([fastnn.Dense(1)], input_dim=1)
    with pytest.raises(RuntimeError, match=r"backend 'cuda' is not available on this machine: .+"
                       r"To get it: pip install \"fastnn\[cuda\]\" on a machine with an NVIDIA GPU"):
        net.compile("mse", backend="cuda")
