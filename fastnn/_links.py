"""Link functions: what turns a network's raw outputs into the probabilities its loss models."""
from __future__ import annotations

import numpy as np

from . import _spec as S


def sigmoid(Z):
    """The logistic function, stable for any ``Z`` (exp of a non-positive number never overflows)."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E)).astype(Z.dtype)


def softmax(Z):
    """Row-wise softmax; the row max is subtracted so exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def apply(loss_code, out):
    """Probabilities for the cross-entropy losses (softmax or sigmoid of the logits ``out``);
    the raw outputs for ``mse`` and ``hinge``."""
    if loss_code == S.SOFTMAX_CE:
        return softmax(out)
    if loss_code == S.BCE:
        return sigmoid(out)
    return out
