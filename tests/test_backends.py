"""Back-end selection: one contract, chosen in one place, with errors that say how to get one."""
import inspect
import os
import subprocess
import sys

import pytest

import fastnn
from fastnn import backends


def test_available_lists_working_backends():
    names = backends.available()
    assert "numpy" in names and "numba" in names
    status = backends.status()
    assert set(status) == set(backends.NAMES)
    assert all(ok == (name in names) for name, (ok, _) in status.items())
    assert all(reason for ok, reason in status.values() if not ok)


def test_every_backend_has_the_same_contract():
    reference = backends.get_backend("numpy")
    for name in backends.available():
        module = backends.get_backend(name)
        for function in backends.CONTRACT:
            if function == "train_epoch":   # compiled back ends take optional work buffers
                params = list(inspect.signature(module.train_epoch).parameters)
                assert params[:11] == list(inspect.signature(reference.train_epoch).parameters)
            else:
                assert (inspect.signature(getattr(module, function)).parameters.keys()
                        == inspect.signature(getattr(reference, function)).parameters.keys())
    for function in ("evaluate", "loss_and_grad", "train_epoch", "Engine"):   # optional weights
        assert inspect.signature(getattr(reference, function)).parameters["sample_weight"].default is None


def test_auto_and_environment_variable(monkeypatch):
    monkeypatch.delenv("FASTNN_BACKEND", raising=False)
    assert backends.resolve(None) == backends.available()[0] == "numba"
    monkeypatch.setenv("FASTNN_BACKEND", "numpy")
    assert backends.resolve(None) == "numpy"
    net = fastnn.Sequential([fastnn.Dense(1)], input_dim=1)
    net.compile("mse")
    assert net.backend == "numpy"


def test_unavailable_backend_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(backends._cache, "cuda", (None, "no NVIDIA driver found"))
    with pytest.raises(RuntimeError, match=r"backend 'cuda' is not available on this machine: "
                       r"no NVIDIA driver found. To get it: pip install \"fastnn\[cuda\]\""):
        backends.resolve("cuda")


def test_without_numba_auto_falls_back_and_trains():
    """A process where importing numba fails still trains, on the next back end in line."""
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np, fastnn\n"
        "X = np.random.default_rng(0).normal(size=(20, 2)); y = (X[:, 0] > 0).astype(int)\n"
        "net = fastnn.Sequential([fastnn.Dense(2)], input_dim=2)\n"
        "net.compile('softmax_cross_entropy', 'adam', seed=0)\n"
        "net.fit(X, y, epochs=3)\n"
        "print(net.backend, fastnn.backends.status()['numba'][0])\n"
    )
    env = dict(os.environ)
    env.pop("FASTNN_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    chosen, numba_ok = result.stdout.split()
    assert numba_ok == "False"
    assert chosen == [n for n in ("cython", "numpy") if n in backends.available()][0]


@pytest.mark.parametrize("error", ["OSError", "RuntimeError"])
def test_a_broken_numba_install_falls_back_like_a_missing_one(tmp_path, error):
    """``import numba`` failing with OSError (a missing llvmlite library) or RuntimeError is a
    broken install: auto must skip numba (and cuda) exactly as when numba is not installed."""
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text(f"raise {error}('libllvmlite.so: cannot open')\n")
    code = (
        "import fastnn\n"
        "net = fastnn.Sequential([fastnn.Dense(2)], input_dim=2)\n"
        "net.compile('softmax_cross_entropy', 'adam', seed=0)\n"
        "status = fastnn.backends.status()\n"
        "print(net.backend, status['numba'][0], status['cuda'][0])\n"
        "print(status['numba'][1])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("FASTNN_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    first, reason = result.stdout.splitlines()
    assert first.split() == [[n for n in ("cython", "numpy") if n in backends.available()][0],
                             "False", "False"]
    assert reason == (f"its import failed, so the installation looks broken "
                      f"({error}: libllvmlite.so: cannot open)")


def test_an_empty_fastnn_backend_means_unset(monkeypatch):
    monkeypatch.setenv("FASTNN_BACKEND", "")
    assert backends.resolve(None) == backends.available()[0]
    monkeypatch.setenv("FASTNN_BACKEND", "  ")
    assert backends.resolve(None) == backends.available()[0]
