"""The network behind an estimator, and its weights published as scikit-learn's attributes.

:class:`EstimatorNetwork` is a :class:`fastnn.Sequential` with the two rules of scikit-learn's
estimators that a plain network leaves out (both are fields of its
:class:`~fastnn._spec.NetSpec`): the MLP penalty ``alpha/2 ||W||²`` divided by each batch's weight
sum, and ``fit_intercept=False`` (biases kept at zero).  A copy saved with :func:`fastnn.save`
loads as a plain ``Sequential``, which adds its penalty as it is and trains its biases.

:class:`PublishedWeights` makes ``coefs_``/``intercepts_`` (or ``coef_``/``intercept_``) views of
the network's flat parameter buffer: writing into them (``clf.coefs_[0][:] = 0``) changes the
network at once, and assigning new arrays (``clf.coef_ = W``) is written into it before the next
prediction, with the shape checked.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..model import Sequential
from ._compat import check_is_fitted


class EstimatorNetwork(Sequential):
    """A ``Sequential`` whose spec carries ``penalty_per_weight`` and untrained zero biases.

    Parameters
    ----------
    layers, input_dim
        As for :class:`fastnn.Sequential`.
    penalty_per_weight : bool
        Divide the L1/L2 penalty by each batch's weight sum (scikit-learn's MLP rule).
    fit_intercept : bool
        False: every bias starts at zero and is never trained.
    """

    def __init__(self, layers, input_dim, penalty_per_weight=False, fit_intercept=True):
        super().__init__(layers, input_dim=input_dim)
        self.penalty_per_weight = bool(penalty_per_weight)
        self.fit_intercept = bool(fit_intercept)

    def _spec(self):
        spec = super()._spec()
        train_bias = np.full(spec.n_layers, 1.0 if self.fit_intercept else 0.0)
        return dataclasses.replace(spec, train_bias=train_bias,
                                   penalty_per_weight=self.penalty_per_weight)


class PublishedWeights:
    """Mixin: fitted weight attributes that are views of ``model_``'s parameter buffer.

    Subclasses give ``_weight_views()`` (attribute name -> array or list of arrays, views of the
    buffer, or a float) and ``_write_weights()`` (write the attributes' values into ``model_``).
    """

    model_: Any

    def _weight_views(self) -> dict:
        """Attribute name -> its view(s) of the buffer (or a float)."""
        raise NotImplementedError

    def _write_weights(self):
        """Write the weight attributes' current values into the buffer."""
        raise NotImplementedError

    def _publish_weights(self):
        """Set the weight attributes to views of the current buffer (after every fit)."""
        views = self._weight_views()
        for name, value in views.items():
            setattr(self, name, value)
        self._published = {name: (value, list(value) if isinstance(value, list) else None)
                           for name, value in views.items()}

    def _network(self):
        """The fitted network, with any weight attribute assigned since the last fit written
        into it first (the attributes are then views again)."""
        check_is_fitted(self)
        buffer = self.model_.params
        if not all(self._unchanged(name, buffer) for name in self._published):
            if not buffer.flags.writeable:      # e.g. unpickled from a read-only memory map
                self.model_.params = buffer.copy()
            self._write_weights()
            self._publish_weights()
        return self.model_

    def _unchanged(self, name, buffer):
        value, items = self._published[name]
        current = getattr(self, name, None)
        if current is not value:
            return False
        arrays = items if items is not None else [value]
        if items is not None and (len(current) != len(items)
                                  or any(a is not b for a, b in zip(current, items))):
            return False
        return all(not isinstance(a, np.ndarray) or a.base is buffer for a in arrays)


def checked(value, name, shape, dtype):
    """``value`` as an array of ``shape`` and ``dtype`` (a weight attribute being written back),
    or a ValueError naming the attribute."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} has shape {arr.shape}, expected {tuple(shape)}; the network's "
                         f"shapes are fixed by fit")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype(dtype)
