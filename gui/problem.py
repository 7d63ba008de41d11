"""A learning problem: data split into train/test, its task, scaling and plotting grids.

``Problem`` is plain NumPy arrays (no Qt) so the worker thread can own and reuse it; the scaling,
label encoding and splitting are :mod:`fastnn.preprocessing`'s.
"""
import itertools
from dataclasses import dataclass, field

import numpy as np

from fastnn import preprocessing

from . import features as feats

_UIDS = itertools.count(1)
SURFACE_RES = 100   # decision-surface grid is SURFACE_RES x SURFACE_RES
THUMB_RES = 24      # neuron heatmaps in the network diagram
CURVE_RES = 300     # points on a fitted 1-D curve


@dataclass
class Problem:
    """Train/test data and everything derived from it.

    Attributes
    ----------
    name : dataset name shown in the window.
    task : "binary" | "multiclass" | "regression".
    X_train, X_test : float32 (n, d) raw inputs (after standardisation when needed).
    y_train, y_test : int64 class labels 0..K-1, or float32 targets.
    n_classes : K for classification, 0 for regression.
    features : the feature names fed to the network (empty when d > 2).
    image_shape : (28, 28) for MNIST-like image data, else None.
    y_scale : (mean, std) that maps standardised regression targets back to data units.
    uid : a number of its own (a new one for a copy with other features), so the window can tell
          a snapshot of this problem from one of the problem before it.
    """

    name: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 0
    features: tuple = ()
    image_shape: tuple = None
    y_scale: tuple = (0.0, 1.0)
    extent: tuple = field(default=None)
    uid: int = field(default_factory=lambda: next(_UIDS))

    @property
    def n_raw(self):
        """Number of raw input columns."""
        return self.X_train.shape[1]

    @property
    def n_inputs(self):
        """Number of network inputs after the feature transform."""
        return len(self.features) if self.n_raw <= 2 else self.n_raw

    def inputs(self, X):
        """Network inputs for raw inputs ``X`` (applies the selected features)."""
        return feats.transform(X, self.features)

    def with_features(self, names):
        """A copy of this problem with another feature selection (validated)."""
        feats.transform(self.X_train[:1], names)
        return Problem(**{**self.__dict__, "features": tuple(names), "uid": next(_UIDS)})

    def surface_grid(self, res=SURFACE_RES):
        """Raw-input grid covering the data: (res*res, 2) for 2-D, (res, 1) for 1-D, else None."""
        if self.n_raw == 2:
            x0, x1, y0, y1 = self.extent
            gx, gy = np.meshgrid(np.linspace(x0, x1, res, dtype=np.float32),
                                 np.linspace(y0, y1, res, dtype=np.float32))
            return np.stack([gx.ravel(), gy.ravel()], axis=1)
        if self.n_raw == 1:
            x0, x1 = self.extent[:2]
            return np.linspace(x0, x1, CURVE_RES if res == SURFACE_RES else res,
                               dtype=np.float32)[:, None]
        return None


def _extent(X):
    """Bounding box of the raw inputs, padded by 10 %: (x0, x1, y0, y1) or (x0, x1)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-3)
    lo, hi = lo - pad, hi + pad
    if X.shape[1] == 2:
        return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
    if X.shape[1] == 1:
        return (float(lo[0]), float(hi[0]))
    return None


def infer_task(y):
    """Classify targets: integer-valued with at most 20 distinct values -> classification."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"targets must be one column, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("targets contain NaN or infinite values")
    values = np.unique(y)
    if np.allclose(y, np.round(y)) and len(values) <= 20:
        return ("binary" if len(values) <= 2 else "multiclass"), values
    return "regression", values


def make_problem(name, X, y, train_ratio=0.5, seed=0, task=None, test_mask=None):
    """Split ``X, y`` into train/test and prepare a :class:`Problem`.

    Parameters
    ----------
    X : (n, d) array-like; y : (n,) labels or targets.
    train_ratio : fraction of samples used for training (0.1 .. 0.9).
    task : force a task; inferred from ``y`` when None.
    test_mask : (n,) bool, the samples that are test samples, or None to split at
        ``train_ratio``; a fixed mask keeps every sample on its side when samples are added
        (the points a user clicks).

    Raises
    ------
    ValueError with a message fit for the window when the data cannot be used.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y).reshape(len(y), -1)[:, 0] if np.ndim(y) == 2 else np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"need X of shape (n, d) and n targets; got X {X.shape}, y {y.shape}")
    if len(X) < 4:
        raise ValueError(f"need at least 4 samples, got {len(X)}")
    if not np.all(np.isfinite(X)):
        raise ValueError("inputs contain NaN or infinite values")
    inferred, values = infer_task(y)
    task = task or inferred
    image_shape = (28, 28) if X.shape[1] == 784 else None
    if image_shape and X.max() > 1.0:
        X = X / np.float32(255.0)
    elif not image_shape and np.abs(X).max() > 10:
        X = preprocessing.standardize(X)[0]
    y_scale = (0.0, 1.0)
    if task == "regression":
        y = y.astype(np.float32)
        if abs(y.mean()) > 10 or y.std() > 10:
            y, mean, std = preprocessing.standardize(y)
            y_scale = (float(mean), float(std))
        n_classes = 0
    else:
        y, classes = preprocessing.encode_labels(y)
        n_classes = max(2, len(classes))
    X = np.ascontiguousarray(X, dtype=np.float32)
    if test_mask is not None:
        test = np.asarray(test_mask, dtype=bool)
        if test.shape != (len(X),) or test.all() or not test.any():
            raise ValueError(f"test_mask must mark some but not all of the {len(X)} samples, "
                             f"got {int(test.sum())} of {test.size}")
        X_train, X_test, y_train, y_test = X[~test], X[test], y[~test], y[test]
    else:
        n_train = int(round(np.clip(train_ratio, 0.05, 0.95) * len(X)))
        n_train = min(max(n_train, 2), len(X) - 1)
        X_train, X_test, y_train, y_test = preprocessing.train_test_split(
            X, y, test_size=len(X) - n_train, seed=seed)
    return Problem(name=name, task=task, X_train=X_train, y_train=y_train, X_test=X_test,
                   y_test=y_test, n_classes=n_classes, features=feats.default(X.shape[1]),
                   image_shape=image_shape, y_scale=y_scale, extent=_extent(X))
