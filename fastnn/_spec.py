"""The network spec: what every back end needs to know about a model, as plain arrays.

The model layer (:mod:`fastnn.model`) turns a list of layers into a :class:`NetSpec` and one flat
parameter buffer.  Kernels receive only these arrays and integer codes, never Python objects, so
the same spec drives the NumPy reference, the Numba kernels, the Cython twin and the CUDA kernels.

Parameter layout in the flat buffer, layer after layer::

    W_l  (fan_in * fan_out values, row-major (fan_in, fan_out))  at w_off[l]
    b_l  (fan_out values)                                        at b_off[l]
    a_l  (fan_out PReLU slopes, only for activation "prelu")     at p_off[l]  (-1 when absent)

Forward pass of layer ``l`` on a batch: ``Z = D_l(A_{l-1}) @ W_l + b_l`` and ``A_l = f_l(Z)``, where
``D_l`` is inverted dropout with rate ``drop[l]`` (training only).  The last layer's ``Z`` are the
network outputs; the loss applies softmax/sigmoid itself.

The loss of a batch ``B`` with sample weights ``w`` (all 1 when none are given) is the weighted mean
``sum_B w_i l_i / sum_B w_i`` plus the penalty ``P(W) = sum_l l1_l |W_l|_1 + l2_l ||W_l||^2``, or,
with ``penalty_per_weight`` (scikit-learn's MLP rule), plus ``P(W) / sum_B w_i``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations as _activations
from . import losses as _losses

# Activation codes: the registry in fastnn.activations is their single source.
IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, PRELU = (
    _activations.IDENTITY, _activations.SIGMOID, _activations.TANH, _activations.RELU,
    _activations.LEAKY_RELU, _activations.ELU, _activations.PRELU)
ACTIVATIONS = {name: activation.code for name, activation in _activations.NAMES.items()}
# Default of the activation's scalar parameter: leaky-ReLU slope, ELU alpha, PReLU initial slope.
ACTIVATION_DEFAULT_ALPHA = {a.code: a.alpha for a in _activations.BY_CODE if a.alpha is not None}

# Loss codes: the registry in fastnn.losses is their single source.
MSE, BCE, SOFTMAX_CE, HINGE = _losses.MSE, _losses.BCE, _losses.SOFTMAX_CE, _losses.HINGE
LOSSES = {name: loss.code for name, loss in _losses.NAMES.items()}
CLASSIFICATION_LOSSES = tuple(loss.code for loss in _losses.BY_CODE if loss.classification)

# Optimizer codes and the slots of the float64 hyper-parameter vector ``opt`` the kernels read.
SGD, ADAGRAD, RMSPROP, ADAM = range(4)
(OPT_CODE, OPT_LR, OPT_MOMENTUM, OPT_NESTEROV, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_ALPHA,
 OPT_WEIGHT_DECAY, OPT_LR_DECAY) = range(10)
OPT_SIZE = 10


def lookup(registry: dict, name, what: str) -> int:
    """Return ``registry[name]`` or raise a ValueError that lists the valid names."""
    key = name.lower() if isinstance(name, str) else name
    if key not in registry:
        valid = sorted(k for k in registry if isinstance(k, str))
        raise ValueError(f"unknown {what} {name!r}; expected one of {valid}")
    return registry[key]


@dataclass(frozen=True)
class NetSpec:
    """Array description of a dense network (see the module docstring for the layout).

    Attributes
    ----------
    sizes : int64 array (L+1,)
        Input width followed by the width of each Dense layer.
    act : int64 array (L,)
        Activation code of each layer.
    act_alpha : float64 array (L,)
        Scalar parameter of each activation (leaky slope, ELU alpha); unused otherwise.
    w_off, b_off, p_off : int64 arrays (L,)
        Offsets of W, b and the PReLU slopes in the flat buffer (``p_off = -1``: no PReLU).
    l1, l2 : float64 arrays (L,)
        Penalty ``l1 * sum|W| + l2 * sum(W**2)`` added to the loss (weights only, not biases).
    drop : float64 array (L,)
        Dropout rate applied to the *input* of each layer during training.
    loss : int
        Loss code.
    n_params : int
        Length of the flat parameter buffer.
    train_bias : float64 array (L,)
        1 where the layer's bias is trained, 0 where its loss gradient is zero, so it keeps its
        value unless weight decay shrinks it (``fit_intercept=False`` keeps a zero bias).
    penalty_per_weight : bool
        Divide the L1/L2 penalty by each batch's weight sum (its row count without sample
        weights), as scikit-learn's MLPs do, instead of adding it as it is.
    """

    sizes: np.ndarray
    act: np.ndarray
    act_alpha: np.ndarray
    w_off: np.ndarray
    b_off: np.ndarray
    p_off: np.ndarray
    l1: np.ndarray
    l2: np.ndarray
    drop: np.ndarray
    loss: int
    n_params: int
    train_bias: Any = None          # float64 (L,); None: every bias trained
    penalty_per_weight: bool = False

    def __post_init__(self):
        if self.train_bias is None:
            object.__setattr__(self, "train_bias", np.ones(len(self.act), np.float64))

    @property
    def n_layers(self) -> int:
        return len(self.act)

    @property
    def n_in(self) -> int:
        return int(self.sizes[0])

    @property
    def n_out(self) -> int:
        return int(self.sizes[-1])

    def truncated(self, n_layers: int) -> NetSpec:
        """The network cut after its first ``n_layers`` layers, on the same flat buffer (same
        offsets and ``n_params``): its outputs are the activations of layer ``n_layers - 1``."""
        return NetSpec(self.sizes[:n_layers + 1], self.act[:n_layers], self.act_alpha[:n_layers],
                       self.w_off[:n_layers], self.b_off[:n_layers], self.p_off[:n_layers],
                       self.l1[:n_layers], self.l2[:n_layers], self.drop[:n_layers], self.loss,
                       self.n_params, self.train_bias[:n_layers], self.penalty_per_weight)

    def arrays(self) -> tuple:
        """The spec as the positional argument tuple the compiled kernels take."""
        return (self.sizes, self.act, self.act_alpha, self.w_off, self.b_off, self.p_off,
                self.l1, self.l2, self.drop, self.loss)


def make_spec(sizes, act, act_alpha=None, l1=None, l2=None, drop=None, loss=MSE) -> NetSpec:
    """Build a :class:`NetSpec` from per-layer lists, computing the parameter offsets."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n_layers = len(sizes) - 1
    act = np.asarray(act, dtype=np.int64)

    def per_layer(values, default):
        if values is None:
            return np.full(n_layers, default, dtype=np.float64)
        return np.asarray(values, dtype=np.float64).reshape(n_layers)

    w_off = np.empty(n_layers, np.int64)
    b_off = np.empty(n_layers, np.int64)
    p_off = np.full(n_layers, -1, np.int64)
    offset = 0
    for layer in range(n_layers):
        fan_in, fan_out = int(sizes[layer]), int(sizes[layer + 1])
        w_off[layer] = offset
        offset += fan_in * fan_out
        b_off[layer] = offset
        offset += fan_out
        if act[layer] == PRELU:
            p_off[layer] = offset
            offset += fan_out
    return NetSpec(sizes, act, per_layer(act_alpha, 0.0), w_off, b_off, p_off,
                   per_layer(l1, 0.0), per_layer(l2, 0.0), per_layer(drop, 0.0), int(loss), offset)


def layer_views(spec: NetSpec, params: np.ndarray, layer: int):
    """Views ``(W, b, prelu_alpha_or_None)`` of one layer inside the flat buffer ``params``."""
    fan_in, fan_out = int(spec.sizes[layer]), int(spec.sizes[layer + 1])
    w0, b0, p0 = int(spec.w_off[layer]), int(spec.b_off[layer]), int(spec.p_off[layer])
    W = params[w0:w0 + fan_in * fan_out].reshape(fan_in, fan_out)
    b = params[b0:b0 + fan_out]
    alpha = params[p0:p0 + fan_out] if p0 >= 0 else None
    return W, b, alpha
