"""What MLPClassifier and MLPRegressor add to the shared fit machinery: hidden layers from
``hidden_layer_sizes`` and ``activation``, sklearn's penalty rule, and ``coefs_``/``intercepts_``
as views of the network's weights."""
from __future__ import annotations

from numbers import Integral
from typing import Any

from .. import _spec as S
from .. import activations
from .._validation import check_choice, check_number
from ..layers import Dense
from ._network import PublishedWeights, checked

OUT_ACTIVATIONS = {"mse": "identity", "binary_cross_entropy": "logistic",
                   "softmax_cross_entropy": "softmax"}


def check_hidden_layer_sizes(value):
    """``hidden_layer_sizes`` as a tuple of positive ints (an int means one hidden layer)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        sizes = tuple(value)
    except TypeError:
        raise ValueError(f"hidden_layer_sizes must be an int or a sequence of ints, got "
                         f"{value!r}") from None
    for size in sizes:
        check_number(size, "every entry of hidden_layer_sizes", low=1, integer=True)
    return tuple(int(s) for s in sizes)


class MLPLayers(PublishedWeights):
    """Mixin: hidden Dense layers, sklearn's ``alpha`` penalty, and the fitted ``coefs_``,
    ``intercepts_`` (views of the network's weights), ``n_layers_``, ``n_outputs_`` and
    ``out_activation_``."""

    hidden_layer_sizes: Any     # parameters and fitted model of the estimator it is mixed into
    activation: Any
    alpha: Any
    model_: Any
    coefs_: Any
    intercepts_: Any

    def _hidden_layers(self, l1, l2):
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        activation = check_choice(self.activation, "activation", sorted(activations.NAMES))
        return [Dense(size, activation=activation, l1=l1, l2=l2) for size in sizes]

    def _penalty(self, weight_sum):
        """sklearn's MLP penalty ``alpha/2 * ||W||²`` divided by each batch's weight sum:
        ``(l1, l2, per_weight)``."""
        check_number(self.alpha, "alpha", low=0)
        return 0.0, self.alpha / 2.0, True

    def _weight_views(self):
        spec, params = self.model_._spec(), self.model_.params
        views = [S.layer_views(spec, params, i) for i in range(spec.n_layers)]
        self.n_layers_ = spec.n_layers + 1
        self.n_outputs_ = spec.n_out
        self.out_activation_ = OUT_ACTIVATIONS[self.model_.loss]
        return {"coefs_": [W for W, _, _ in views], "intercepts_": [b for _, b, _ in views]}

    def _write_weights(self):
        spec, params = self.model_._spec(), self.model_.params
        for name in ("coefs_", "intercepts_"):
            if len(getattr(self, name)) != spec.n_layers:
                raise ValueError(f"{name} has {len(getattr(self, name))} arrays, expected "
                                 f"{spec.n_layers} (one per layer)")
        for i in range(spec.n_layers):
            W, b, _ = S.layer_views(spec, params, i)
            W[...] = checked(self.coefs_[i], f"coefs_[{i}]", W.shape, W.dtype)
            b[...] = checked(self.intercepts_[i], f"intercepts_[{i}]", b.shape, b.dtype)
