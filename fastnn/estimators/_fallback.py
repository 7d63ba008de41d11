"""A small stand-in for the parts of scikit-learn the estimators use, for installs without it.

With scikit-learn installed (``pip install "fastnn[sklearn]"``) :mod:`._compat` takes the real
classes and functions instead, and the estimators pass scikit-learn's ``check_estimator``.  This
module gives the same behaviour for everyday use: ``get_params``/``set_params``, ``score``, input
checks with scikit-learn's messages, and ``NotFittedError`` before ``fit``.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._metrics import accuracy, r2_score


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (the same bases as scikit-learn's)."""


class ConvergenceWarning(UserWarning):
    """Training stopped at ``max_iter`` before the loss settled."""


class DataConversionWarning(UserWarning):
    """A column vector ``y`` was flattened to 1-D."""


class BaseEstimator:
    """Parameters are the ``__init__`` arguments, stored unchanged; fitted state ends in ``_``."""

    @classmethod
    def _get_param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values() if p.name != "self")

    def get_params(self, deep=True):
        """The constructor parameters as a dict (``deep`` is accepted for scikit-learn parity)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor parameters; unknown names raise ``ValueError``."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for estimator {type(self).__name__}; "
                                 f"valid parameters are {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults.get(k))]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a, b):
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


class ClassifierMixin:
    """``score`` is the accuracy of ``predict``."""

    _estimator_type = "classifier"
    predict: Callable[..., Any]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y`` (optionally weighted)."""
        return accuracy(y, self.predict(X), sample_weight)


class RegressorMixin:
    """``score`` is the coefficient of determination R² of ``predict`` (averaged over outputs)."""

    _estimator_type = "regressor"
    predict: Callable[..., Any]

    def score(self, X, y, sample_weight=None):
        """R² of ``predict(X)`` against ``y``, averaged uniformly over the outputs."""
        return r2_score(y, self.predict(X), sample_weight)


def check_is_fitted(estimator):
    """Raise ``NotFittedError`` unless ``fit`` has set attributes ending in ``_``."""
    if not any(k.endswith("_") and not k.startswith("__") for k in vars(estimator)):
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call "
                             f"'fit' with appropriate arguments before using this estimator.")


def check_classification_targets(y):
    """Reject continuous targets handed to a classifier."""
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise ValueError("Unknown label type: continuous. Maybe you are trying to fit a "
                         "classifier, which expects discrete classes on a regression target "
                         "with continuous values.")


def _check_sparse(X, name, dtype, accept_sparse):
    """A scipy.sparse ``X`` in one of the ``accept_sparse`` formats (others are converted to the
    first), of a dtype in ``dtype``, finite and non-empty."""
    if not accept_sparse:
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required. Use "
                        f"'.toarray()' to convert to a dense numpy array.")
    if X.format not in accept_sparse:
        X = X.asformat(accept_sparse[0])
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got a sparse {name} of dtype {X.dtype}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"Found array with shape {X.shape} while a minimum of 1 is required "
                         f"in {name}.")
    if dtype is not None and X.dtype not in dtype:
        X = X.astype(dtype[0])
    if not np.isfinite(X.data).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return X


def _check_array(X, name, dtype, ensure_2d=True, accept_sparse=None):
    if hasattr(X, "tocsr"):             # scipy.sparse
        return _check_sparse(X, name, dtype, accept_sparse)
    arr = np.asarray(X)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported in {name}")
    if arr.dtype.kind in "OUS" and dtype is not None:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must hold numbers: {exc}") from None
    if ensure_2d and arr.ndim != 2:
        raise ValueError(f"Expected 2D array, got {arr.ndim}D array instead: {name} has shape "
                         f"{arr.shape}. Reshape your data with X.reshape(-1, 1) for a single "
                         f"feature or X.reshape(1, -1) for a single sample.")
    if arr.shape[0] == 0 or (arr.ndim == 2 and arr.shape[1] == 0):
        raise ValueError(f"Found array with shape {arr.shape} while a minimum of 1 is required "
                         f"in {name}.")
    if dtype is not None:
        keep = arr.dtype if arr.dtype in dtype else dtype[0]
        arr = arr.astype(keep, copy=False)
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"Input {name} contains NaN.")
        if not np.isfinite(arr).all():
            raise ValueError(f"Input {name} contains infinity or a value too large for {arr.dtype!r}.")
    return arr


def validate_data(estimator, X, y="no_validation", reset=True, dtype=None, y_numeric=False,
                  multi_output=False, accept_sparse=None):
    """Check ``X`` (and ``y``) the way scikit-learn's ``validate_data`` does for these estimators.

    ``reset=True`` records ``n_features_in_``; ``reset=False`` checks ``X`` against it.  A
    scipy.sparse ``X`` is accepted in the formats ``accept_sparse`` lists.
    """
    X = _check_array(X, "X", dtype, accept_sparse=accept_sparse)
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
                         f"expecting {estimator.n_features_in_} features as input.")
    if isinstance(y, str) and y == "no_validation":
        return X
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y "
                         f"is None.")
    y = _check_array(y, "y", (np.float64,) if y_numeric else None, ensure_2d=False)
    if not multi_output:
        if y.ndim == 2 and y.shape[1] == 1:
            import warnings
            warnings.warn("A column-vector y was passed when a 1d array was expected; flattened "
                          "to shape (n_samples,).", DataConversionWarning, stacklevel=3)
            y = y.ravel()
        elif y.ndim != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    if len(y) != X.shape[0]:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"[{X.shape[0]}, {len(y)}]")
    return X, y
