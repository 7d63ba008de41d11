"""The checks of fastnn's public API, in one place; kernels trust what comes out of here.

Arrays (``check_X``, ``check_targets``) are checked and converted once per session or call;
scalars (``check_number``, ``check_choice``, ``check_bool``, ``check_positive_int``...) when they
are set.  Every error names the argument, what was received and what was expected.
"""
from __future__ import annotations

import math
import sys
from numbers import Integral, Real

import numpy as np

from . import _spec as S
from . import losses


def as_float_array(a, name, dtype):
    """``a`` as a C-contiguous float array of ``dtype``; rejects non-numeric, empty and NaN/inf."""
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected at least one sample")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or infinite values (first at index {bad}); "
                         f"remove or impute them before training")
    return convert(arr, name, dtype)


def convert(arr, name, dtype):
    """Finite ``arr`` as C-contiguous ``dtype``; values that overflow it (1e300 in float32) are
    the caller's to scale, so they are named here rather than reported later as a divergence."""
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(out).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ValueError(f"{name} holds values too large for {np.dtype(dtype).name} "
                         f"({arr[bad]:g} at index {bad}); scale {name} (e.g. standardize it) or "
                         f"use dtype='float64'")
    return out


def is_sparse(X) -> bool:
    """Whether ``X`` is a ``scipy.sparse`` matrix or array (without importing SciPy: a sparse
    ``X`` means ``scipy.sparse`` is loaded already)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(X)


def check_X(X, n_features, dtype, name="X"):
    """A 2-D (n_samples, n_features) float array; ``n_features`` None means any width.  A
    ``scipy.sparse`` ``X`` stays sparse: a CSR matrix of ``dtype`` (see :func:`check_sparse_X`)."""
    if is_sparse(X):
        return check_sparse_X(X, n_features, dtype, name)
    arr = as_float_array(X, name, dtype)
    if arr.ndim != 2:
        hint = "; use X.reshape(-1, 1) for a single feature" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}{hint}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features but the first Dense layer expects "
                         f"{n_features}")
    return arr


def check_sparse_X(X, n_features, dtype, name="X"):
    """A ``scipy.sparse`` ``X`` as the kernels take it: a 2-D CSR matrix of ``dtype`` with sorted
    indices and no duplicates (copied only where that needs a change), finite, with at least one
    row and ``n_features`` columns (None: any)."""
    sparse = sys.modules["scipy.sparse"]
    if len(X.shape) != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got a sparse {name} of "
                         f"shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got a sparse {name} of dtype {X.dtype}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); expected at least one sample")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features but the first Dense layer expects "
                         f"{n_features}")
    csr = sparse.csr_matrix(X, dtype=dtype)     # shares X's arrays when nothing changes
    if not csr.has_canonical_format:
        csr = csr.copy()                         # so the caller's matrix is never reordered
        csr.sum_duplicates()
    if not np.isfinite(csr.data).all():
        raise ValueError(f"{name} contains NaN or infinite values; remove or impute them before "
                         f"training")
    return csr


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """``sample_weight`` as float64 (n_samples,): one finite non-negative weight per sample, not
    all zero (a number weights every sample alike); None stays None."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n_samples, float(sample_weight))
    w = np.asarray(sample_weight)
    if w.dtype == object or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool) \
            or np.issubdtype(w.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {w.dtype}")
    if w.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one weight per sample), got shape {w.shape}")
    if w.shape[0] != n_samples:
        raise ValueError(f"{name} has {w.shape[0]} weights but X has {n_samples} samples; pass "
                         f"one weight per sample")
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        bad = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ValueError(f"{name} contains NaN or infinite values (first at index {bad}: "
                         f"{w[bad]})")
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"{name} must be non-negative, got {w[bad]:g} at index {bad}")
    if not w.any():
        raise ValueError(f"{name} is all zeros, so no sample would count; give at least one "
                         f"sample a positive weight")
    return np.ascontiguousarray(w)


def check_targets(y, loss, n_out, n_samples, dtype, name="y"):
    """Targets as the (n_samples, n_out) float array the kernels use.

    * ``softmax_cross_entropy``: integer labels 0..n_out-1 (shape (n,)) or one-hot/probability rows;
    * ``binary_cross_entropy``: 0/1 (or probabilities in [0, 1]);
    * ``hinge``: 0/1 or -1/+1 (0 is mapped to -1);
    * ``mse``: any finite values.
    """
    arr = as_float_array(y, name, np.float64)
    if arr.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {arr.shape[0]}")
    if arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if loss == S.SOFTMAX_CE and arr.ndim == 1:
        return _one_hot(arr, n_out, name, dtype)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_out:
        raise ValueError(f"{name} has {arr.shape[1]} columns but the last Dense layer has {n_out} "
                         f"units; they must match for loss {losses.BY_CODE[loss].name!r}")
    if loss == S.SOFTMAX_CE and (arr.min() < 0 or not np.allclose(arr.sum(axis=1), 1, atol=1e-3)):
        raise ValueError(f"{name} rows must be one-hot (or probabilities summing to 1) for "
                         f"softmax_cross_entropy; or pass integer labels 0..{n_out - 1}")
    if loss == S.BCE and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must be 0/1 labels (or probabilities in [0, 1]) for "
                         f"binary_cross_entropy, got values from {arr.min():g} to {arr.max():g}")
    if loss == S.HINGE:
        values = np.unique(arr)
        if not (set(values) <= {0.0, 1.0} or set(values) <= {-1.0, 1.0}):
            raise ValueError(f"{name} must be labels 0/1 or -1/+1 for hinge, got {values[:5]}")
        arr = np.where(arr > 0, 1.0, -1.0)
    return convert(arr, name, dtype)


def _one_hot(labels, n_classes, name, dtype):
    as_int = labels.astype(np.int64)
    if not np.array_equal(as_int, labels):
        raise ValueError(f"{name} must hold integer class labels for softmax_cross_entropy, "
                         f"got non-integer values such as {labels[as_int != labels][0]!r}")
    bad = (as_int < 0) | (as_int >= n_classes)
    if bad.any():
        raise ValueError(f"{name} has label {as_int[bad][0]} outside 0..{n_classes - 1} (the last "
                         f"Dense layer has {n_classes} units)")
    Y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    Y[np.arange(labels.shape[0]), as_int] = 1
    return Y


def check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_batch_size(batch_size, n_samples):
    """``None`` means the full batch; larger than the data is clipped to it."""
    if batch_size is None:
        return n_samples
    return min(check_positive_int(batch_size, "batch_size"), n_samples)


def check_seed(seed, name="seed"):
    """None or a non-negative integer (what ``numpy.random.default_rng`` accepts as a seed)."""
    if seed is None:
        return None
    if not isinstance(seed, Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{name} must be None or a non-negative integer, got {seed!r}")
    return int(seed)


def check_callbacks(callbacks, hooks):
    """``callbacks`` as a list; each item must have every method named in ``hooks``."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of fastnn.callbacks.Callback, got "
                        f"{type(callbacks).__name__}; wrap a single one: callbacks=[...]")
    for index, callback in enumerate(callbacks):
        missing = [hook for hook in hooks if not callable(getattr(callback, hook, None))]
        if missing:
            raise TypeError(f"callbacks[{index}] must be a fastnn.callbacks.Callback, got "
                            f"{type(callback).__name__} (it lacks {', '.join(missing)})")
    return list(callbacks)


def check_number(value, name, low=-math.inf, high=math.inf, low_open=False, high_open=False,
                 integer=False):
    """A real (or integer) ``value`` within the interval; ``ValueError`` naming ``name`` otherwise."""
    kind = Integral if integer else Real
    if not isinstance(value, kind) or isinstance(value, bool) or not math.isfinite(value):
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def check_choice(value, name, choices):
    """``value`` if it is one of ``choices``, else a ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_bool(value, name):
    """``value`` as a bool; only True/False (NumPy's too) are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def make_rng(seed):
    """``numpy.random.default_rng(seed)`` after checking that ``seed`` is usable (None, a
    non-negative integer or a Generator, which is used as it is)."""
    if isinstance(seed, np.random.Generator) or seed is None:
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(
            f"seed must be None, a non-negative integer or a numpy.random.Generator, "
            f"got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def check_float_dtype(dtype):
    """``numpy.dtype(dtype)``, or a ValueError if it is not a floating type."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise ValueError(
            f"dtype must be a floating type such as numpy.float32 or numpy.float64, "
            f"got {dtype!r}"
        )
    return resolved
