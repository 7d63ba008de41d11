"""The ONNX graph of a fastnn network, written through a small emitter so the same code serves
:func:`fastnn.onnx.export` (a standalone model) and the skl2onnx converter (nodes added to
skl2onnx's container).

Every Dense layer is ``MatMul`` + ``Add`` followed by its activation's rule from :data:`RULES`
(one entry per name of :data:`fastnn.activations.REGISTRY`); Dropout does nothing at inference.
The rules use operators onnxruntime runs in float32 and float64 alike (``Where``/``Greater``
rather than ``LeakyRelu``/``Elu``/``PRelu``/``Softplus``, which it has for float32 only); the
exact GELU's ``Erf`` has no float64 kernel there, so a float64 graph computes it in float32.
"""
from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from .. import _spec as S

ONNX_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}


class Emitter:
    """Where nodes and constants go.  Subclasses give ``_add_node(op, inputs, outputs, attrs)``,
    ``_add_const(name, array)`` and ``_unique(hint)``; ``dtype`` is the graph's float type."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def _unique(self, hint) -> str:
        raise NotImplementedError

    def _add_node(self, op_type, inputs, outputs, attrs):
        raise NotImplementedError

    def _add_const(self, name, array):
        raise NotImplementedError

    def const(self, value, hint="c", dtype=None):
        """A constant tensor (the graph's float type unless ``dtype``); returns its name."""
        name = self._unique(hint)
        self._add_const(name, np.asarray(value, dtype=self.dtype if dtype is None else dtype))
        return name

    def op(self, op_type, inputs, hint=None, output=None, **attrs):
        """Add one node; returns its output's name (``output`` when given)."""
        output = output or self._unique(hint or op_type.lower())
        self._add_node(op_type, list(inputs), [output], attrs)
        return output


class StandaloneEmitter(Emitter):
    """Collects nodes and initializers for :func:`onnx.helper.make_graph`."""

    def __init__(self, dtype):
        super().__init__(dtype)
        self.nodes, self.initializers, self._count = [], [], 0

    def _unique(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def _add_node(self, op_type, inputs, outputs, attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, **attrs))

    def _add_const(self, name, array):
        self.initializers.append(numpy_helper.from_array(array, name))


# --- activations: one rule per registry name ----------------------------------------------------


def _positive(g, z):
    return g.op("Greater", [z, g.const(0.0)], "positive")


def _where_positive(g, z, negative):
    """``z`` where ``z > 0``, else ``negative``."""
    return g.op("Where", [_positive(g, z), z, negative], "where")


def _erf(g, x):
    if g.dtype == np.float32:
        return g.op("Erf", [x])
    single = g.op("Cast", [x], "to_float", to=TensorProto.FLOAT)
    return g.op("Cast", [g.op("Erf", [single])], "erf", to=ONNX_TYPES[g.dtype])


def _half_z_times(g, z, factor):
    """``0.5 z (1 + factor)``."""
    one_plus = g.op("Add", [g.const(1.0), factor])
    return g.op("Mul", [g.op("Mul", [z, g.const(0.5)]), one_plus])


def _gelu(g, z, alpha, slopes):
    return _half_z_times(g, z, _erf(g, g.op("Mul", [z, g.const(1 / math.sqrt(2))])))


def _gelu_tanh(g, z, alpha, slopes):
    cube = g.op("Mul", [g.op("Mul", [z, z]), z])
    inner = g.op("Add", [z, g.op("Mul", [cube, g.const(0.044715)])])
    return _half_z_times(g, z, g.op("Tanh", [g.op("Mul", [inner, g.const(math.sqrt(2 / math.pi))])]))


def _elu(g, z, alpha, slopes):
    below = g.op("Sub", [g.op("Exp", [g.op("Min", [z, g.const(0.0)])]), g.const(1.0)])
    return _where_positive(g, z, g.op("Mul", [below, g.const(alpha)]))


def _softplus(g, z, alpha, slopes):
    """``max(z, 0) + log(1 + exp(-|z|))``: exp never overflows."""
    tail = g.op("Log", [g.op("Add", [g.const(1.0), g.op("Exp", [g.op("Neg", [g.op("Abs", [z])])])])])
    return g.op("Add", [g.op("Relu", [z]), tail])


RULES = {
    "identity": lambda g, z, alpha, slopes: z,
    "sigmoid": lambda g, z, alpha, slopes: g.op("Sigmoid", [z]),
    "tanh": lambda g, z, alpha, slopes: g.op("Tanh", [z]),
    "relu": lambda g, z, alpha, slopes: g.op("Relu", [z]),
    "leaky_relu": lambda g, z, alpha, slopes: _where_positive(g, z, g.op("Mul", [z, g.const(alpha)])),
    "elu": _elu,
    "prelu": lambda g, z, alpha, slopes: _where_positive(g, z, g.op("Mul", [z, g.const(slopes)])),
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "silu": lambda g, z, alpha, slopes: g.op("Mul", [z, g.op("Sigmoid", [z])]),
    "softplus": _softplus,
}
"""Activation name -> ``rule(emitter, z, alpha, slopes) -> output name``."""


def network(g, spec, params, x, activation_names):
    """The network's raw outputs (the last layer's activation) on the input named ``x``."""
    a = x
    for layer in range(spec.n_layers):
        W, b, slopes = S.layer_views(spec, params, layer)
        z = g.op("Add", [g.op("MatMul", [a, g.const(W, "W")]), g.const(b, "b")], "z")
        name = activation_names[layer]
        if name not in RULES:
            raise NotImplementedError(f"activation {name!r} has no ONNX rule yet; add one to "
                                      f"fastnn.onnx._graph.RULES")
        a = RULES[name](g, z, float(spec.act_alpha[layer]), slopes)
    return a


def link(g, loss_code, z, output=None):
    """What ``Sequential.predict`` applies to the raw outputs: softmax, sigmoid or nothing."""
    if loss_code == S.SOFTMAX_CE:
        return g.op("Softmax", [z], "softmax", output, axis=1)
    if loss_code == S.BCE:
        return g.op("Sigmoid", [z], "sigmoid", output)
    return g.op("Identity", [z], "output", output)
