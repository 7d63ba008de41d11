"""The Cython CPU back end: the fused epoch of :mod:`~fastnn.backends.numba_cpu`, compiled ahead of time.

For machines where Numba cannot be installed or is unwanted.  The kernels live in the extension
``fastnn.backends._cython_kernels`` (built from ``_cython_kernels.pyx`` when fastnn is installed
with a C compiler; see ``setup.py``); this module is the contract of :mod:`fastnn.backends` around
them.  Same design as the Numba twin: the whole epoch in one call without the GIL, one flat
workspace planned per layer and allocated once per ``fit``, and every product through SciPy's
BLAS (``sgemm``/``dgemm``).

Importing this module raises ImportError, with what to do, when the extension was not built.
"""
from __future__ import annotations

import numpy as np

from . import _host_engine
from ._host_engine import HostEngine

try:
    from . import _cython_kernels as _k
except ImportError as exc:
    raise ImportError(
        f"the compiled extension fastnn.backends._cython_kernels is missing or broken ({exc}); "
        "it is built when fastnn is installed with Cython, SciPy and a C compiler present: "
        "pip install cython scipy && pip install --no-build-isolation --force-reinstall fastnn "
        "(from a source checkout: pip install -e . --no-build-isolation)") from exc

NAME = "cython"
ABI = 5                 # must equal _cython_kernels.ABI (a stale build reports itself unavailable)
PREDICT_CHUNK = 4096    # rows per forward pass in forward()


def availability():
    """``(True, '')`` when the compiled kernels match this module, else ``(False, reason)``."""
    if getattr(_k, "ABI", None) != ABI:
        return False, (f"the compiled extension is out of date (ABI {getattr(_k, 'ABI', None)}, "
                       f"expected {ABI}); rebuild it: pip install -e . --no-build-isolation")
    return True, ""


def _rows(X):
    return np.ascontiguousarray(X)


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`)."""
    X = _rows(X)
    chunk = min(max(X.shape[0], 1), PREDICT_CHUNK)
    work = np.empty(_k.workspace_length(*spec.arrays(), chunk, False), params.dtype)
    _k.predict(*spec.arrays(), params, X, out, chunk, work)
    return out


def evaluate(spec, params, X, Y):
    """Mean loss plus penalty and accuracy, without a gradient (see :mod:`fastnn.backends`)."""
    X, Y = _rows(X), _rows(Y)
    chunk = min(max(X.shape[0], 1), PREDICT_CHUNK)
    work = np.empty(_k.workspace_length(*spec.arrays(), chunk, False), params.dtype)
    return _k.evaluate(*spec.arrays(), params, X, Y, chunk, work)


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    X, Y = _rows(X), _rows(Y)
    work = np.empty(_k.workspace_length(*spec.arrays(), X.shape[0], False), params.dtype)
    return _k.loss_and_grad(*spec.arrays(), params, X, Y, grad, work)


def workspace(spec, batch_size, dtype):
    """The buffers :func:`train_epoch` needs for this batch size: the flat work buffer, the
    gradient and the training set's sparse rows (see ``_host_engine.TrainingRows``)."""
    length = _k.workspace_length(*spec.arrays(), batch_size, True)
    return (np.empty(length, dtype), np.empty(spec.n_params, dtype),
            _host_engine.TrainingRows(dtype))


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, buffers=None):
    """One epoch in one compiled call (see :mod:`fastnn.backends`).

    ``buffers``: from :func:`workspace`, reused across epochs; allocated if None.
    """
    work, grad, training_rows = (buffers if buffers is not None
                                 else workspace(spec, batch_size, params.dtype))
    X = _rows(X)
    return _k.train_epoch(*spec.arrays(), params, state, X, _rows(Y),
                          np.ascontiguousarray(order, dtype=np.int64), batch_size,
                          np.ascontiguousarray(opt, dtype=np.float64), step, seed, work, grad,
                          *training_rows.of(spec, X))


def Engine(spec, params, state, X, Y, batch_size):
    """A :class:`~fastnn.backends._host_engine.HostEngine` whose work buffers live as long as it does."""
    return HostEngine(train_epoch, workspace, spec, params, state, X, Y, batch_size)
