"""What MLPClassifier and MLPRegressor add to the shared fit machinery: hidden layers from
``hidden_layer_sizes`` and ``activation``, and sklearn's ``coefs_``/``intercepts_``."""
from __future__ import annotations

from numbers import Integral
from typing import Any

from .. import activations
from .._validation import check_choice, check_number
from ..layers import Dense

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


class MLPLayers:
    """Mixin: hidden Dense layers, and the fitted ``coefs_``, ``intercepts_``, ``n_layers_``,
    ``n_outputs_`` and ``out_activation_``."""

    hidden_layer_sizes: Any     # parameters and fitted model of the estimator it is mixed into
    activation: Any
    model_: Any

    def _hidden_layers(self, l1, l2):
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        activation = check_choice(self.activation, "activation", sorted(activations.NAMES))
        return [Dense(size, activation=activation, l1=l1, l2=l2) for size in sizes]

    def _store_weights(self):
        weights = self.model_.get_weights()
        self.coefs_ = [w[0] for w in weights]
        self.intercepts_ = [w[1] for w in weights]
        self.n_layers_ = len(weights) + 1
        self.n_outputs_ = int(self.coefs_[-1].shape[1])
        self.out_activation_ = OUT_ACTIVATIONS[self.model_.loss]
