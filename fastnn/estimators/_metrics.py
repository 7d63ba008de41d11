"""The two scores the estimators need without scikit-learn: accuracy and R²."""
from __future__ import annotations

import numpy as np


def r2_score(y_true, y_pred, sample_weight=None):
    """R² = 1 - SS_res / SS_tot per output, averaged uniformly over outputs (sklearn's default).

    A constant target scores 1.0 when predicted exactly and 0.0 otherwise.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    n = y_true.shape[0]
    Y = y_true.reshape(n, -1)
    Yp = np.asarray(y_pred, dtype=np.float64).reshape(n, -1)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    mean = np.average(Y, axis=0, weights=w)
    ss_res = (w[:, None] * (Y - Yp) ** 2).sum(axis=0)
    ss_tot = (w[:, None] * (Y - mean) ** 2).sum(axis=0)
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / safe, np.where(ss_res > 0, 0.0, 1.0))
    return float(r2.mean())


def accuracy(y_true, y_pred, sample_weight=None):
    """Share of equal labels (optionally weighted); for 2-D (multilabel) rows, the share of rows
    with every label right (scikit-learn's subset accuracy)."""
    equal = np.asarray(y_true) == np.asarray(y_pred)
    if equal.ndim == 2:
        equal = equal.all(axis=1)
    return float(np.average(equal, weights=sample_weight))
