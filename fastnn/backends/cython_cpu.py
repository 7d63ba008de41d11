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
ABI = 6                 # must equal _cython_kernels.ABI (a stale build reports itself unavailable)
PREDICT_CHUNK = 4096    # rows per forward pass in forward()
_NO_WEIGHTS = np.zeros(0)


def availability():
    """``(True, '')`` when the compiled kernels match this module, else ``(False, reason)``."""
    if getattr(_k, "ABI", None) != ABI:
        return False, (f"the compiled extension is out of date (ABI {getattr(_k, 'ABI', None)}, "
                       f"expected {ABI}); rebuild it: pip install -e . --no-build-isolation")
    return True, ""


def _spec_args(spec):
    """The spec as the entry points take it (see ``_cython_kernels``)."""
    return (*spec.arrays(), spec.train_bias, spec.penalty_per_weight)


def _inputs(X, dtype):
    """``(dense X, x_ptr, x_idx, x_val)``: a ``scipy.sparse`` X as its rows, never densified."""
    if _host_engine.is_sparse(X):
        return (np.zeros((0, X.shape[1]), dtype), *_host_engine.sparse_rows(X))
    return (np.ascontiguousarray(X), *_host_engine.no_rows(dtype))


def _weights(sample_weight):
    return _NO_WEIGHTS if sample_weight is None else sample_weight


def _work(spec, rows, training, X, dtype):
    length = _k.workspace_length(*_spec_args(spec), rows, training, _host_engine.is_sparse(X))
    return np.empty(length, dtype)


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`)."""
    n = X.shape[0]
    chunk = min(max(n, 1), PREDICT_CHUNK)
    dense, *rows = _inputs(X, params.dtype)
    _k.predict(*_spec_args(spec), params, dense, out, chunk,
               _work(spec, chunk, False, X, params.dtype), *rows, np.arange(n))
    return out


def evaluate(spec, params, X, Y, sample_weight=None):
    """Mean loss plus penalty and accuracy, without a gradient (see :mod:`fastnn.backends`)."""
    n = X.shape[0]
    chunk = min(max(n, 1), PREDICT_CHUNK)
    dense, *rows = _inputs(X, params.dtype)
    return _k.evaluate(*_spec_args(spec), params, dense, np.ascontiguousarray(Y), chunk,
                       _work(spec, chunk, False, X, params.dtype), *rows,
                       _weights(sample_weight), np.arange(n))


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad, sample_weight=None):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    n = X.shape[0]
    dense, *rows = _inputs(X, params.dtype)
    return _k.loss_and_grad(*_spec_args(spec), params, dense, np.ascontiguousarray(Y), grad,
                            _work(spec, n, False, X, params.dtype), *rows,
                            _weights(sample_weight), np.arange(n))


def workspace(spec, batch_size, dtype, sparse_input=False):
    """The buffers :func:`train_epoch` needs for this batch size: the flat work buffer, the
    gradient and the training set's sparse rows (see ``_host_engine.TrainingRows``)."""
    length = _k.workspace_length(*_spec_args(spec), batch_size, True, sparse_input)
    return (np.empty(length, dtype), np.empty(spec.n_params, dtype),
            _host_engine.TrainingRows(dtype))


def _training_inputs(spec, params, X, Y, batch_size, buffers):
    """``(X, Y, work, grad, *sparse rows)`` as the compiled training calls take them; ``buffers``
    from :func:`workspace`, allocated if None."""
    sparse = _host_engine.is_sparse(X)
    work, grad, training_rows = (buffers if buffers is not None
                                 else workspace(spec, batch_size, params.dtype, sparse))
    dense = np.zeros((0, X.shape[1]), params.dtype) if sparse else np.ascontiguousarray(X)
    return (dense, np.ascontiguousarray(Y), work, grad, *training_rows.of(spec, X))


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, sample_weight=None,
                buffers=None):
    """One epoch in one compiled call (see :mod:`fastnn.backends`).

    ``buffers``: from :func:`workspace`, reused across epochs; allocated if None.
    """
    dense, Y, work, grad, *rows = _training_inputs(spec, params, X, Y, batch_size, buffers)
    return _k.train_epoch(*_spec_args(spec), params, state, dense, Y,
                          np.ascontiguousarray(order, dtype=np.int64), batch_size,
                          np.ascontiguousarray(opt, dtype=np.float64), step, seed, work, grad,
                          *rows, _weights(sample_weight))


def train_epochs(spec, params, state, X, Y, orders, batch_size, opts, step, seed, older,
                 sample_weight=None, buffers=None):
    """Several whole epochs in one compiled call (see :mod:`fastnn.backends`)."""
    dense, Y, work, grad, *rows = _training_inputs(spec, params, X, Y, batch_size, buffers)
    history = np.full((orders.shape[0], 2), np.nan)
    _k.train_epochs(*_spec_args(spec), params, state, dense, Y,
                    np.ascontiguousarray(orders, dtype=np.int64), batch_size,
                    np.ascontiguousarray(opts, dtype=np.float64), step, seed, work, grad, *rows,
                    _weights(sample_weight), older, history)
    return history / orders.shape[1]


def Engine(spec, params, state, X, Y, batch_size, sample_weight=None):
    """A :class:`~fastnn.backends._host_engine.HostEngine` whose work buffers live as long as it does."""
    return HostEngine(train_epoch, workspace, evaluate, spec, params, state, X, Y, batch_size,
                      sample_weight, train_epochs)
