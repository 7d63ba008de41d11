"""One training sample through the network, forward and backward, with the course's formulas.

For the step-through view: the values of the notes' derivation (``shared/seeds/003``, the two-layer
networks: ``Z1 = X·W1 + B1``, ``A1 = f(Z1)``, ..., ``dZ2 = A2 − Y`` (eq. 13), ``dW2 = A1ᵀ·dZ2``
(14), ``dB2 = dZ2`` (15), ``dZ1 = dZ2·W2ᵀ ⊙ f'(Z1)`` (18), ``dW1 = Xᵀ·dZ1`` (19), ``dB1 = dZ1``
(20)), computed here in NumPy from the network's weights and the activation registry's rules, and
the update the last mini-batch applied to each layer (the weights before and after
``Session.step``).  No Qt: the worker computes a :class:`Trace` and sends it in a snapshot.
The tests check the gradients against the back end's own (``net.gradients``).
"""
from dataclasses import dataclass, field

import numpy as np

from fastnn import activations

#: Output link, loss and output error of each loss, as the notes write them (``{k}`` is the
#: output layer's number).
LOSS_TEXT = {
    "binary_cross_entropy": (
        "A{k} = Logistic(Z{k}) = 1 / (1 + e^(−Z{k}))",
        "loss = −[Y ln A{k} + (1 − Y) ln(1 − A{k})]",
        "dZ{k} = A{k} − Y   (∂loss/∂A · ∂A/∂Z = (A − Y)/(A(1 − A)) · A(1 − A))"),
    "softmax_cross_entropy": (
        "A{k} = Softmax(Z{k}):  aᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)",
        "loss = −Σᵢ yᵢ ln aᵢ   (cross-entropy)",
        "dZ{k} = A{k} − Y"),
    "mse": ("A{k} = Z{k}   (no link: regression)", "loss = ½ (Z{k} − Y)²", "dZ{k} = Z{k} − Y"),
    "hinge": ("A{k} = Z{k}   (a margin: class 1 when Z > 0)",
              "loss = max(0, 1 − y·Z{k}),  y = ±1",
              "dZ{k} = −y if y·Z{k} < 1, else 0"),
}


@dataclass
class LayerTrace:
    """One Dense layer for one sample (row vectors, as in the notes).

    ``A_in`` (fan_in,) its input, ``W`` (fan_in, fan_out) and ``b`` (fan_out,) its weights now,
    ``Z = A_in·W + b``, ``A = f(Z)``, ``fprime = f'(Z)``, ``dA`` the error arriving from above
    (None for the output layer), ``dZ``, ``dW = A_inᵀ·dZ (+ penalty)``, ``db = dZ``;
    ``update_W``, ``update_b`` the change the last training step made (None before one).
    """

    index: int
    activation: str
    formula: str
    derivative: str
    A_in: np.ndarray
    W: np.ndarray
    b: np.ndarray
    Z: np.ndarray
    A: np.ndarray
    fprime: np.ndarray
    dZ: np.ndarray = None
    dA: np.ndarray = None
    dW: np.ndarray = None
    db: np.ndarray = None
    penalty: tuple = (0.0, 0.0)
    update_W: np.ndarray = None
    update_b: np.ndarray = None


@dataclass
class Trace:
    """A sample's forward values, loss and gradients in every layer (see the module docstring).

    ``index`` of the sample in the training set, ``x`` its network input, ``target`` the row the
    loss compares with, ``label`` its class (or value), ``output`` what the network predicts
    (after the loss's link), ``loss`` this sample's loss; ``link``, ``loss_formula``,
    ``error_formula`` from :data:`LOSS_TEXT` (numbered for the output layer); ``update``
    "batch" or "epochs" for the last step.
    """

    index: int
    x: np.ndarray
    target: np.ndarray
    label: float
    loss_name: str
    output: np.ndarray
    loss: float
    layers: list = field(default_factory=list)
    link: str = ""
    loss_formula: str = ""
    error_formula: str = ""
    update: str = None


def _rule(fn, *args):
    """Apply a scalar activation rule elementwise (float64)."""
    return np.array([fn(*a) for a in zip(*args)], dtype=np.float64)


def output_and_error(loss, z, t):
    """``(output, loss value, dZ)`` of one sample's output ``z`` against target row ``t``."""
    if loss == "binary_cross_entropy":
        a = 1.0 / (1.0 + np.exp(-z))
        value = np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
        return a, float(value), a - t
    if loss == "softmax_cross_entropy":
        e = np.exp(z - z.max())          # subtract the max so exp never overflows
        a = e / e.sum()
        return a, float(-np.sum(t * np.log(np.maximum(a, 1e-300)))), a - t
    if loss == "hinge":
        y = np.where(t > 0, 1.0, -1.0)   # 0/1 labels are -1/+1 to the hinge
        margin = y * z
        return z, float(np.sum(np.maximum(0.0, 1.0 - margin))), np.where(margin < 1, -y, 0.0)
    return z, float(0.5 * np.sum((z - t) ** 2)), z - t


def target_row(loss, T, n_out):
    """The target as a row of ``n_out`` values (labels one-hot for a softmax)."""
    t = np.asarray(T, dtype=np.float64).reshape(-1)
    if loss == "softmax_cross_entropy" and t.size == 1 and n_out > 1:
        return np.eye(n_out)[int(t[0])]
    return t


def trace(net, loss, x, T, index=0, label=None, last_update=None):
    """The :class:`Trace` of sample ``x`` (network input, 1-D) with target ``T`` (as the loss
    takes it) through ``net`` at its current weights; ``last_update`` is a training run's
    ``(weights before, weights after, what)``.  Dropout is off (as in ``net.gradients``)."""
    weights = net.get_weights()
    dense = list(net.dense_layers)
    a_in = np.asarray(x, dtype=np.float64).reshape(-1)
    layers = []
    for i, (w, layer) in enumerate(zip(weights, dense)):
        act = activations.get(layer.activation)
        W, b = np.asarray(w[0], np.float64), np.asarray(w[1], np.float64)
        alphas = np.asarray(w[2], np.float64) if len(w) > 2 else \
            np.full(b.shape, act.alpha if act.alpha is not None else 0.0)
        z = a_in @ W + b
        a = _rule(act.forward, z, alphas)
        fprime = _rule(act.grad, z, a, alphas)
        layers.append(LayerTrace(i, act.name, act.formula, act.derivative, a_in, W, b, z, a,
                                 fprime, penalty=(float(layer.l1), float(layer.l2))))
        a_in = a
    t = target_row(loss, T, layers[-1].Z.size)
    output, value, dZ = output_and_error(loss, layers[-1].Z, t)
    for layer in reversed(layers):
        if layer is not layers[-1]:
            dZ = layer.dA * layer.fprime
        layer.dZ = dZ
        l1, l2 = layer.penalty
        layer.dW = np.outer(layer.A_in, dZ) + l1 * np.sign(layer.W) + 2.0 * l2 * layer.W
        layer.db = dZ.copy()
        below = layer.index - 1
        if below >= 0:
            layers[below].dA = dZ @ layer.W.T
    texts = (text.format(k=len(layers)) for text in LOSS_TEXT.get(loss, LOSS_TEXT["mse"]))
    result = Trace(index, np.asarray(x, np.float64).reshape(-1), t,
                   float(label) if label is not None else float("nan"), loss, output, value,
                   layers, *texts)
    if last_update is not None:
        before, after, result.update = last_update
        for layer, w0, w1 in zip(layers, before, after):
            layer.update_W = np.asarray(w1[0], np.float64) - np.asarray(w0[0], np.float64)
            layer.update_b = np.asarray(w1[1], np.float64) - np.asarray(w0[1], np.float64)
    return result
