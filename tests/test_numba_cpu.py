"""Checks only the Numba back end needs: its specialised kernels are shared by training and
inference, and a cold compile (empty Numba cache) gives the same weights as a warm one."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from fastnn import _spec as S
from fastnn import activations
from fastnn.backends import _numba_kernels as K
from fastnn.backends import numba_cpu


def test_inference_reuses_the_training_kernel(rng):
    """predict/evaluate after fit compile nothing new: they run the kernel fit built."""
    spec = S.make_spec([3, 5, 2], [activations.SOFTPLUS, S.IDENTITY], loss=S.BCE)
    params = rng.normal(size=spec.n_params)
    X, Y = rng.normal(size=(9, 3)), (rng.random((9, 2)) > 0.5).astype(float)
    numba_cpu.train_epoch(spec, params, np.zeros((2, spec.n_params)), X, Y, np.arange(9), 4,
                          np.array([S.RMSPROP, 0.01, 0.9, 0, 0, 0, 1e-8, 0.99, 0, 0]), 0, 1)
    built = K.kernel.cache_info().currsize
    numba_cpu.forward(spec, params, X, np.empty((9, 2)))
    numba_cpu.evaluate(spec, params, X, Y)
    numba_cpu.loss_and_grad(spec, params, X, Y, np.empty_like(params))
    assert K.kernel.cache_info().currsize == built


def test_specialisation_ignores_layer_order_and_counts_prelu_apart():
    a = S.make_spec([2, 4, 4, 1], [S.TANH, S.RELU, S.IDENTITY])
    b = S.make_spec([2, 3, 3, 1], [S.RELU, S.TANH, S.IDENTITY])
    assert K.specialisation(a) == K.specialisation(b)
    c = S.make_spec([2, 3, 1], [S.PRELU, S.IDENTITY])
    key = K.specialisation(c)
    assert key[:4] == (-1, -1, -1, -1) and key[5] is True


_COLD_WARM = """
import numpy as np, fastnn
X = np.random.default_rng(0).normal(size=(64, 3)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
net = fastnn.Sequential([fastnn.Dense(6, activation="gelu"), fastnn.Dense(2)], input_dim=3)
net.compile(loss="softmax_cross_entropy", optimizer=fastnn.optim.Adam(lr=0.01), seed=1,
            backend="numba")
net.fit(X, y, epochs=3, batch_size=16, seed=2)
import sys; sys.stdout.buffer.write(net.params.tobytes())
"""


def _run(cache_dir, check=True):
    """_COLD_WARM in a fresh interpreter with ``cache_dir`` as its Numba cache."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("FASTNN_BACKEND", None)
    return subprocess.run([sys.executable, "-c", _COLD_WARM], env=env, capture_output=True,
                          timeout=600, check=check)


@pytest.fixture(scope="module")
def cold_run(tmp_path_factory):
    """(the weights, the cache folder) of _COLD_WARM run once with an empty Numba cache; the
    tests below copy the folder (one compile for all of them)."""
    cache = tmp_path_factory.mktemp("numba-cache")
    weights = _run(cache).stdout
    assert any(cache.rglob("*.nbc")), "the first run should have written the kernel cache"
    return weights, cache


def test_cold_and_warm_compiles_give_identical_weights(cold_run, tmp_path):
    """The answer never depends on whether the kernel was compiled now or loaded from the cache."""
    cold, cache = cold_run
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    files = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.nb[ci]")}
    warm = _run(tmp_path).stdout
    assert cold == warm and len(cold) > 0
    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.nb[ci]")} == files, \
        "the warm run should have loaded the cached kernel, not compiled it again"


# Damage a cache file can suffer, each failing differently inside Numba's loader: a foreign
# pickle protocol (ValueError), a cut-off write (EOFError or UnpicklingError), garbage, nothing.
_DAMAGE = {
    "nbc of a foreign protocol": (".nbc", lambda data: b"\x80\x3a" + bytes(range(62))),
    "truncated nbc": (".nbc", lambda data: data[:len(data) // 2]),
    "garbage nbi": (".nbi", lambda data: b"this is not a pickle\n" * 3),
    "empty nbi": (".nbi", lambda data: b""),
}


@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_a_damaged_cache_file_is_recompiled_not_fatal(damage, cold_run, tmp_path):
    cold, cache = cold_run
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    suffix, damaged = _DAMAGE[damage]
    files = list(tmp_path.rglob("*" + suffix))
    assert files
    for path in files:
        path.write_bytes(damaged(path.read_bytes()))
    result = _run(tmp_path, check=False)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"unreadable" in result.stderr and b"recompiling" in result.stderr
    assert result.stdout == cold
