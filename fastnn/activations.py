"""The activation functions: one registry of names, defaults and descriptions, and the scalar rules
the compiled kernels are built from.

Each activation has a *forward rule* ``f(z, alpha) -> a`` and a *derivative rule*
``df(z, a, alpha) -> da/dz`` (``a = f(z)`` is passed in because most derivatives are cheapest in
terms of it).  The rules are plain Python on scalars: :mod:`fastnn.backends.numba_cpu` compiles
them with ``numba.njit`` and :mod:`fastnn.backends.numba_cuda` with ``numba.cuda.jit(device=True)``,
so both back ends run the same source.  ``alpha`` is the activation's scalar parameter (the
leaky-ReLU slope, ELU's alpha) or, for PReLU, the learned slope of the unit.

:mod:`fastnn.backends.numpy_ref` keeps its own vectorised formulas on purpose: it is the
independent oracle these rules are tested against.  The Cython twin writes them out in C.

>>> sorted(a.name for a in REGISTRY.values())[:3]
['elu', 'gelu', 'gelu_tanh']
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# --- the scalar rules -------------------------------------------------------------------------

_SQRT_HALF = 0.7071067811865476           # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327        # 1 / sqrt(2 pi)
_GELU_C = 0.7978845608028654              # sqrt(2 / pi)
_GELU_K = 0.044715


def _sigmoid(z):
    """The logistic function, split on the sign of ``z`` so exp never overflows."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def identity(z, alpha):
    return z


def identity_grad(z, a, alpha):
    return 1.0


def sigmoid(z, alpha):
    return _sigmoid(z)


def sigmoid_grad(z, a, alpha):
    return a * (1.0 - a)


def tanh(z, alpha):
    return math.tanh(z)


def tanh_grad(z, a, alpha):
    return 1.0 - a * a


def relu(z, alpha):
    return z if z > 0 else 0.0


def relu_grad(z, a, alpha):
    return 1.0 if z > 0 else 0.0


def leaky_relu(z, alpha):
    return z if z > 0 else alpha * z


def leaky_relu_grad(z, a, alpha):
    return 1.0 if z > 0 else alpha


def elu(z, alpha):
    return z if z > 0 else alpha * math.expm1(z)


def elu_grad(z, a, alpha):
    return 1.0 if z > 0 else a + alpha


def gelu(z, alpha):
    return 0.5 * z * (1.0 + math.erf(z * _SQRT_HALF))


def gelu_grad(z, a, alpha):
    cdf = 0.5 * (1.0 + math.erf(z * _SQRT_HALF))
    return cdf + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


def gelu_tanh(z, alpha):
    return 0.5 * z * (1.0 + math.tanh(_GELU_C * (z + _GELU_K * z * z * z)))


def gelu_tanh_grad(z, a, alpha):
    t = math.tanh(_GELU_C * (z + _GELU_K * z * z * z))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_C * (1.0 + 3.0 * _GELU_K * z * z)


def silu(z, alpha):
    return z * _sigmoid(z)


def silu_grad(z, a, alpha):
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def softplus(z, alpha):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def softplus_grad(z, a, alpha):
    return _sigmoid(z)


def forward_rule(code, z, alpha):
    """``f(z, alpha)`` of the activation with ``code`` (the kernels call it with a constant code,
    so the compiler keeps one branch)."""
    if code == SIGMOID:
        return sigmoid(z, alpha)
    if code == TANH:
        return tanh(z, alpha)
    if code == RELU:
        return relu(z, alpha)
    if code == LEAKY_RELU or code == PRELU:
        return leaky_relu(z, alpha)
    if code == ELU:
        return elu(z, alpha)
    if code == GELU:
        return gelu(z, alpha)
    if code == GELU_TANH:
        return gelu_tanh(z, alpha)
    if code == SILU:
        return silu(z, alpha)
    if code == SOFTPLUS:
        return softplus(z, alpha)
    return identity(z, alpha)


def grad_rule(code, z, a, alpha):
    """``df(z, a, alpha)``: da/dz of the activation with ``code`` at ``z`` (``a = f(z)``)."""
    if code == SIGMOID:
        return sigmoid_grad(z, a, alpha)
    if code == TANH:
        return tanh_grad(z, a, alpha)
    if code == RELU:
        return relu_grad(z, a, alpha)
    if code == LEAKY_RELU or code == PRELU:
        return leaky_relu_grad(z, a, alpha)
    if code == ELU:
        return elu_grad(z, a, alpha)
    if code == GELU:
        return gelu_grad(z, a, alpha)
    if code == GELU_TANH:
        return gelu_tanh_grad(z, a, alpha)
    if code == SILU:
        return silu_grad(z, a, alpha)
    if code == SOFTPLUS:
        return softplus_grad(z, a, alpha)
    return identity_grad(z, a, alpha)


# The codes, in the order of _DEFINITIONS below (tests check that the two agree).
IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, PRELU, GELU, GELU_TANH, SILU, SOFTPLUS = range(11)

# --- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name : str
        Canonical name (what ``Dense(activation=...)`` and the estimators accept, with ``aliases``).
    code : int
        The integer the kernels dispatch on (its place in :data:`REGISTRY`; the constants
        ``IDENTITY``, ``TANH``, ... of this module).
    formula, derivative : str
        The maths, as the app and the docs show it.
    description : str
        One line on what it is and when it is used.
    forward, grad : function
        The scalar rules ``f(z, alpha)`` and ``df(z, a, alpha)`` (see the module docstring).
    alpha : float or None
        Default of the scalar parameter (None when the activation has none).
    alpha_meaning : str
        What ``alpha`` is ('' when there is none).
    learns_alpha : bool
        Whether ``alpha`` is a trained parameter per unit (PReLU).
    relu_family : bool
        Whether He initialisation suits it (``kernel_initializer="auto"``).
    aliases : tuple of str
    """

    name: str
    code: int
    formula: str
    derivative: str
    description: str
    forward: object
    grad: object
    alpha: float | None = None
    alpha_meaning: str = ""
    learns_alpha: bool = False
    relu_family: bool = False
    aliases: tuple = ()


_DEFINITIONS = (
    dict(name="identity", formula="a = z", derivative="1", forward=identity, grad=identity_grad,
         description="no non-linearity: the output layer of regression and of the losses on logits",
         aliases=("linear",)),
    dict(name="sigmoid", formula="a = 1 / (1 + exp(-z))", derivative="a (1 - a)",
         forward=sigmoid, grad=sigmoid_grad, aliases=("logistic",),
         description="squashes to (0, 1); saturates, so deep sigmoid nets learn slowly"),
    dict(name="tanh", formula="a = tanh z", derivative="1 - a^2", forward=tanh, grad=tanh_grad,
         description="squashes to (-1, 1), zero-centred; the Playground's default"),
    dict(name="relu", formula="a = max(z, 0)", derivative="1 if z > 0 else 0", forward=relu,
         grad=relu_grad, relu_family=True,
         description="rectified linear unit: cheap and does not saturate for z > 0"),
    dict(name="leaky_relu", formula="a = z if z > 0 else alpha z",
         derivative="1 if z > 0 else alpha", forward=leaky_relu, grad=leaky_relu_grad,
         alpha=0.01, alpha_meaning="slope for z <= 0", relu_family=True,
         description="ReLU with a small slope for negative inputs, so no unit dies"),
    dict(name="elu", formula="a = z if z > 0 else alpha (exp(z) - 1)",
         derivative="1 if z > 0 else a + alpha", forward=elu, grad=elu_grad, alpha=1.0,
         alpha_meaning="value approached as z -> -inf is -alpha", relu_family=True,
         description="exponential linear unit: smooth for z < 0, mean activations near zero"),
    dict(name="prelu", formula="a = z if z > 0 else alpha_j z",
         derivative="1 if z > 0 else alpha_j", forward=leaky_relu, grad=leaky_relu_grad,
         alpha=0.25, alpha_meaning="initial slope for z <= 0, then learned per unit",
         learns_alpha=True, relu_family=True,
         description="parametric ReLU: the negative slope of each unit is trained"),
    dict(name="gelu", formula="a = z Phi(z) = z (1 + erf(z / sqrt 2)) / 2",
         derivative="Phi(z) + z phi(z)", forward=gelu, grad=gelu_grad, relu_family=True,
         description="Gaussian error linear unit, exact (erf) form as in PyTorch's nn.GELU()"),
    dict(name="gelu_tanh", formula="a = z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) / 2",
         derivative="(1 + t) / 2 + z (1 - t^2) sqrt(2/pi) (1 + 0.134145 z^2) / 2",
         forward=gelu_tanh, grad=gelu_tanh_grad, relu_family=True,
         description="GELU's tanh approximation, PyTorch's nn.GELU(approximate='tanh')"),
    dict(name="silu", formula="a = z sigmoid(z)", derivative="s (1 + z (1 - s)), s = sigmoid(z)",
         forward=silu, grad=silu_grad, aliases=("swish",), relu_family=True,
         description="sigmoid-weighted linear unit (swish): smooth, non-monotonic ReLU"),
    dict(name="softplus", formula="a = log(1 + exp(z))", derivative="sigmoid(z)",
         forward=softplus, grad=softplus_grad, relu_family=True,
         description="a smooth ReLU; always positive"),
)

REGISTRY = {d["name"]: Activation(code=code, **d) for code, d in enumerate(_DEFINITIONS)}
"""Canonical name -> :class:`Activation`, in code order."""

BY_CODE = tuple(REGISTRY.values())
"""The activations indexed by their code."""

NAMES = {alias: a for a in BY_CODE for alias in (a.name,) + a.aliases}
"""Every accepted name (canonical names and aliases) -> :class:`Activation`."""

def get(name) -> Activation:
    """The activation called ``name`` (any case, aliases too); a ValueError lists the valid names."""
    key = name.lower() if isinstance(name, str) else name
    if key not in NAMES:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(NAMES)}")
    return NAMES[key]
