"""Layers of a :class:`fastnn.Sequential` network: ``Dense`` and ``Dropout``."""
from __future__ import annotations

import math
from numbers import Integral

import numpy as np

from . import _spec as S
from . import activations
from ._validation import check_number


def _glorot_limit(fan_in, fan_out):
    return math.sqrt(6.0 / (fan_in + fan_out))


# name -> function(fan_in, fan_out, rng) -> W of shape (fan_in, fan_out), float64
INITIALIZERS = {
    "zeros": lambda fi, fo, rng: np.zeros((fi, fo)),
    "normal": lambda fi, fo, rng: 0.01 * rng.standard_normal((fi, fo)),    # the seeds' a * randn
    "glorot_uniform": lambda fi, fo, rng: rng.uniform(-1, 1, (fi, fo)) * _glorot_limit(fi, fo),
    "glorot_normal": lambda fi, fo, rng: rng.standard_normal((fi, fo)) * math.sqrt(2.0 / (fi + fo)),
    "he_uniform": lambda fi, fo, rng: rng.uniform(-1, 1, (fi, fo)) * math.sqrt(6.0 / fi),
    "he_normal": lambda fi, fo, rng: rng.standard_normal((fi, fo)) * math.sqrt(2.0 / fi),
}
INITIALIZER_NAMES = sorted(INITIALIZERS) + ["auto"]


class Dense:
    """A fully connected layer ``A = f(X @ W + b)`` with ``W`` of shape (fan_in, units).

    Parameters
    ----------
    units : int
        Number of output units (neurons).
    activation : str
        A name from :data:`fastnn.activations.REGISTRY`: identity (linear), sigmoid (logistic), tanh,
        relu, leaky_relu, elu, prelu, gelu, gelu_tanh, silu (swish), softplus.  The last layer of a
        cross-entropy or hinge network must stay ``identity``: the loss applies the link.
    l1, l2 : float
        Weight penalty ``l1 * sum|W| + l2 * sum(W**2)`` added to the loss (biases are not penalised).
    kernel_initializer : str
        zeros, normal (``0.01 * randn``), glorot_uniform, glorot_normal, he_uniform, he_normal, or
        auto (He normal for the ReLU family, Glorot uniform otherwise).  Biases start at zero.
    alpha : float, optional
        Leaky-ReLU slope (default 0.01), ELU alpha (1.0) or initial PReLU slope (0.25, then learned
        per unit).
    input_dim : int, optional
        Input width, when this is the first layer and ``Sequential(input_dim=...)`` is not given.
    """

    def __init__(self, units, activation="identity", l1=0.0, l2=0.0, kernel_initializer="auto",
                 alpha=None, input_dim=None):
        if not isinstance(units, Integral) or isinstance(units, bool) or units < 1:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activation
        self.l1 = l1
        self.l2 = l2
        if kernel_initializer not in INITIALIZER_NAMES:
            raise ValueError(f"unknown kernel_initializer {kernel_initializer!r}; "
                             f"expected one of {INITIALIZER_NAMES}")
        self.kernel_initializer = kernel_initializer
        self.alpha = None if alpha is None else float(check_number(alpha, "alpha"))
        if input_dim is not None and (not isinstance(input_dim, Integral) or input_dim < 1):
            raise ValueError(f"input_dim must be a positive integer, got {input_dim!r}")
        self.input_dim = None if input_dim is None else int(input_dim)

    # Validated on assignment, so a GUI or user changing them between fits gets an error at once.
    @property
    def activation(self) -> str:
        return self._activation

    @activation.setter
    def activation(self, name):
        self.activation_code = S.lookup(S.ACTIVATIONS, name, "activation")
        self._activation = name.lower()

    @property
    def l1(self) -> float:
        return self._l1

    @l1.setter
    def l1(self, value):
        self._l1 = float(check_number(value, "l1", low=0.0))

    @property
    def l2(self) -> float:
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = float(check_number(value, "l2", low=0.0))

    @property
    def alpha_value(self) -> float:
        """The activation's scalar parameter actually used (its default when ``alpha`` is None)."""
        if self.alpha is not None:
            return self.alpha
        return S.ACTIVATION_DEFAULT_ALPHA.get(self.activation_code, 0.0)

    def initial_weights(self, fan_in, rng):
        """Fresh ``(W, b)`` in float64, drawn with ``rng`` (a ``numpy.random.Generator``)."""
        name = self.kernel_initializer
        if name == "auto":
            relu_like = activations.BY_CODE[self.activation_code].relu_family
            name = "he_normal" if relu_like else "glorot_uniform"
        return INITIALIZERS[name](fan_in, self.units, rng), np.zeros(self.units)

    def get_config(self) -> dict:
        return {"type": "Dense", "units": self.units, "activation": self.activation, "l1": self.l1,
                "l2": self.l2, "kernel_initializer": self.kernel_initializer, "alpha": self.alpha}

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)}" for k in ("l1", "l2") if getattr(self, k))
        return f"Dense({self.units}, activation={self.activation!r}{extra})"


class Dropout:
    """Inverted dropout on the input of the next Dense layer, active in ``fit`` only.

    During training each input unit is kept with probability ``1 - rate`` and scaled by
    ``1 / (1 - rate)``, so nothing changes at prediction time.
    """

    def __init__(self, rate):
        self.rate = rate

    @property
    def rate(self) -> float:
        return self._rate

    @rate.setter
    def rate(self, value):
        self._rate = float(check_number(value, "Dropout rate", 0.0, 1.0, high_open=True))

    def get_config(self) -> dict:
        return {"type": "Dropout", "rate": self.rate}

    def __repr__(self):
        return f"Dropout({self.rate})"


def from_config(config: dict):
    """Rebuild a layer from :meth:`get_config` output."""
    config = dict(config)
    kind = config.pop("type", None)
    if kind == "Dense":
        return Dense(**config)
    if kind == "Dropout":
        return Dropout(**config)
    raise ValueError(f"unknown layer type {kind!r}; expected 'Dense' or 'Dropout'")
