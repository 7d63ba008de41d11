"""The NumPy reference back end: readable, vectorised per layer, and the oracle for every other one.

Every back end implements the contract described in :mod:`fastnn.backends`; this one favours
clarity over speed.  The maths (``Z = X @ W + b``, ``A = f(Z)``; losses on the last ``Z``):

* ``mse``:  ``L = mean_i 1/2 sum_j (z_ij - y_ij)^2``,  ``dL/dZ = (Z - Y) / n``
* ``binary_cross_entropy`` on logits: ``L = mean_i sum_j max(z,0) - z*y + log(1 + exp(-|z|))``,
  ``dL/dZ = (sigmoid(Z) - Y) / n``
* ``softmax_cross_entropy`` on logits: ``L = mean_i logsumexp(z_i) * sum(y_i) - y_i . z_i``,
  ``dL/dZ = (softmax(Z) * sum(Y, 1) - Y) / n``  (the familiar ``A - Y`` for one-hot rows)
* ``hinge`` with ``y = +-1``: ``L = mean_i sum_j max(0, 1 - y z)``, ``dL/dZ = -y [y z < 1] / n``

With sample weights ``w`` every ``mean_i`` is the weighted mean ``sum_i w_i (.) / sum_i w_i`` and
every ``/ n`` becomes ``* w_i / sum_i w_i``; a batch whose weights sum to 0 contributes nothing.
``X`` may be a ``scipy.sparse`` CSR matrix: SciPy computes its products.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf as _erf

from .. import _spec as S
from .. import activations as acts
from ._host_engine import HostEngine

NAME = "numpy"

# --- activations: forward and derivative side by side ------------------------------------------


def activate(code, Z, alpha, prelu):
    """``A = f(Z)`` for activation ``code`` (``alpha``: leaky slope / ELU alpha; ``prelu``: slopes)."""
    if code == S.IDENTITY:
        return Z.copy()
    if code == S.SIGMOID:
        return _sigmoid(Z)
    if code == S.TANH:
        return np.tanh(Z)
    if code == S.RELU:
        return np.maximum(Z, 0)
    if code == S.LEAKY_RELU:
        return np.where(Z > 0, Z, alpha * Z).astype(Z.dtype)
    if code == S.ELU:
        return np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0))).astype(Z.dtype)
    if code == S.PRELU:
        return np.where(Z > 0, Z, prelu * Z)
    if code == acts.GELU:                            # z Phi(z), Phi the standard normal CDF
        return (0.5 * Z * (1 + _erf(Z / np.sqrt(2)))).astype(Z.dtype)
    if code == acts.GELU_TANH:
        return (0.5 * Z * (1 + np.tanh(np.sqrt(2 / np.pi) * (Z + 0.044715 * Z ** 3)))).astype(Z.dtype)
    if code == acts.SILU:
        return Z * _sigmoid(Z)
    if code == acts.SOFTPLUS:                        # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|)
        return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))
    raise ValueError(f"unknown activation code {code}")


def activation_backward(code, Z, A, dA, alpha, prelu):
    """Return ``(dZ, d_prelu)``: the gradient through ``A = f(Z)`` (``d_prelu`` only for PReLU)."""
    if code == S.IDENTITY:
        return dA, None
    if code == S.SIGMOID:
        return dA * A * (1 - A), None
    if code == S.TANH:
        return dA * (1 - A * A), None
    if code == S.RELU:
        return dA * (Z > 0), None
    if code == S.LEAKY_RELU:
        return np.where(Z > 0, dA, alpha * dA).astype(dA.dtype), None
    if code == S.ELU:
        return np.where(Z > 0, dA, dA * (A + alpha)).astype(dA.dtype), None
    if code == S.PRELU:
        negative = Z <= 0
        return np.where(negative, prelu * dA, dA), (dA * Z * negative).sum(axis=0)
    if code == acts.GELU:                            # Phi(z) + z phi(z)
        pdf = np.exp(-0.5 * Z * Z) / np.sqrt(2 * np.pi)
        return (dA * (0.5 * (1 + _erf(Z / np.sqrt(2))) + Z * pdf)).astype(dA.dtype), None
    if code == acts.GELU_TANH:
        c = np.sqrt(2 / np.pi)
        t = np.tanh(c * (Z + 0.044715 * Z ** 3))
        slope = 0.5 * (1 + t) + 0.5 * Z * (1 - t * t) * c * (1 + 3 * 0.044715 * Z * Z)
        return (dA * slope).astype(dA.dtype), None
    if code == acts.SILU:                            # s + z s (1 - s), s = sigmoid(z)
        sig = _sigmoid(Z)
        return dA * sig * (1 + Z * (1 - sig)), None
    if code == acts.SOFTPLUS:
        return dA * _sigmoid(Z), None
    raise ValueError(f"unknown activation code {code}")


def _sigmoid(Z):
    # exp of a non-positive number never overflows: split on the sign of z.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E)).astype(Z.dtype)


# --- losses ---------------------------------------------------------------------------------------


def _total(L, weights):
    """``sum L`` over every entry, each row weighted by ``weights`` when given."""
    return float(np.sum(L)) if weights is None else float(np.sum(L * weights[:, None]))


def loss_forward_backward(code, Z, Y, weights=None):
    """Return ``(sum of per-sample losses, dL/dZ per sample (not divided by n), n correct)``.

    ``weights`` (n,) float64, when given, weights each sample's loss in the sum (the returned
    ``dL/dZ`` stays per sample).  "Correct" counts, per row, the fraction of output units
    classified right (argmax for softmax), so ``correct / n`` is the accuracy (never weighted);
    it is 0 for ``mse``.
    """
    if code == S.MSE:
        D = Z - Y
        return 0.5 * _total(D.astype(np.float64) ** 2, weights), D, 0.0
    if code == S.BCE:
        Zd = Z.astype(np.float64)
        loss = _total(np.maximum(Zd, 0) - Zd * Y + np.log1p(np.exp(-np.abs(Zd))), weights)
        correct = np.mean((Z > 0) == (Y > 0.5), axis=1).sum()
        return loss, _sigmoid(Z) - Y, float(correct)
    if code == S.SOFTMAX_CE:
        Zd = Z.astype(np.float64)
        m = Zd.max(axis=1, keepdims=True)          # subtract the row max so exp never overflows
        lse = m + np.log(np.exp(Zd - m).sum(axis=1, keepdims=True))
        ysum = Y.sum(axis=1, keepdims=True)
        loss = _total(lse * ysum, weights) - _total(Y * Zd, weights)
        dZ = (np.exp(Zd - lse) * ysum - Y).astype(Z.dtype)
        correct = np.sum(Z.argmax(axis=1) == Y.argmax(axis=1))
        return loss, dZ, float(correct)
    if code == S.HINGE:
        margin = 1 - Y * Z
        active = margin > 0
        correct = np.mean((Z > 0) == (Y > 0), axis=1).sum()
        if weights is None:
            loss = float(np.sum(margin[active], dtype=np.float64))
        else:
            loss = _total(np.where(active, margin, 0).astype(np.float64), weights)
        return loss, (-Y * active).astype(Z.dtype), float(correct)
    raise ValueError(f"unknown loss code {code}")


# --- dropout masks from a counter-based hash (identical in every back end) ------------------------

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x):
    """The splitmix64 finaliser on uint64 (arrays wrap modulo 2**64)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def dropout_uniform(seed, step, rows, layer, n_units):
    """Uniform [0, 1) numbers of shape ``(len(rows), n_units)`` for dropout at optimizer ``step``.

    ``u = mix(mix(mix(seed ^ mix(step)) ^ row) ^ (layer << 32 | unit)) >> 11 * 2**-53``: a pure
    function of (seed, step, sample index, layer, unit), so every back end draws the same masks.
    """
    with np.errstate(over="ignore"):
        batch_key = _mix(np.uint64(seed) ^ _mix(np.uint64(step)))
        row_key = _mix(batch_key ^ np.asarray(rows, dtype=np.uint64))[:, None]
        unit = (np.uint64(layer) << np.uint64(32)) | np.arange(n_units, dtype=np.uint64)
        u = _mix(row_key ^ unit[None, :])
    return (u >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# --- forward / backward on one batch -------------------------------------------------------------


def _forward_cache(spec, params, X, masks=None):
    """Forward pass keeping what backward needs: per layer ``(input after dropout, Z, A)``
    (the first input stays sparse when ``X`` is)."""
    cache = []
    A = X
    for layer in range(spec.n_layers):
        W, b, prelu = S.layer_views(spec, params, layer)
        if masks is not None and masks[layer] is not None:
            A = A.multiply(masks[layer]).tocsr() if _sparse(A) else A * masks[layer]
        Z = np.asarray(A @ W) + b
        out = activate(spec.act[layer], Z, spec.act_alpha[layer], prelu)
        cache.append((A, Z, out))
        A = out
    return cache


def _sparse(X):
    """Whether ``X`` is a ``scipy.sparse`` matrix (dense arrays have no ``tocsr``)."""
    return hasattr(X, "tocsr")


def penalty(spec, params, grad=None, scale=1.0):
    """The L1/L2 weight penalty's value times ``scale``; its gradient is added into ``grad`` when
    given."""
    total = 0.0
    for layer in range(spec.n_layers):
        l1, l2 = spec.l1[layer] * scale, spec.l2[layer] * scale
        if l1 == 0 and l2 == 0:
            continue
        W, _, _ = S.layer_views(spec, params, layer)
        total += l1 * float(np.abs(W).sum(dtype=np.float64)) + l2 * float(np.sum(W.astype(np.float64) ** 2))
        if grad is not None:
            gW, _, _ = S.layer_views(spec, grad, layer)
            gW += l1 * np.sign(W) + 2 * l2 * W
    return total


def _weight_scale(n, weights):
    """``1 / sum(weights)`` (``1 / n`` without weights; 0 when the weights sum to 0)."""
    total = n if weights is None else float(np.sum(weights))
    return 1.0 / total if total > 0 else 0.0


def _batch_loss_and_grad(spec, params, X, Y, grad, masks=None, weights=None):
    """Mean loss (+ penalty) of one batch, its gradient into ``grad``; returns ``(loss, correct)``.

    ``weights`` (n,) float64 makes the mean a weighted one (see the module docstring)."""
    cache = _forward_cache(spec, params, X, masks)
    n = X.shape[0]
    loss_sum, dA, correct = loss_forward_backward(spec.loss, cache[-1][2], Y, weights)
    scale = _weight_scale(n, weights)
    dA = dA / n if weights is None else (dA * (weights * scale)[:, None]).astype(dA.dtype)
    for layer in reversed(range(spec.n_layers)):
        A_in, Z, A = cache[layer]
        W, _, prelu = S.layer_views(spec, params, layer)
        gW, gb, gprelu = S.layer_views(spec, grad, layer)
        dZ, d_prelu = activation_backward(spec.act[layer], Z, A, dA, spec.act_alpha[layer], prelu)
        if d_prelu is not None:
            gprelu[...] = d_prelu
        gW[...] = A_in.T @ dZ
        gb[...] = dZ.sum(axis=0) if spec.train_bias[layer] else 0
        if layer > 0:
            dA = dZ @ W.T
            if masks is not None and masks[layer] is not None:
                dA = dA * masks[layer]
    data = loss_sum / n if weights is None else loss_sum * scale
    return data + penalty(spec, params, grad, _penalty_scale(spec, n, weights)), correct


def _penalty_scale(spec, n, weights):
    """What the penalty is multiplied by: ``1 / sum(weights)`` with ``penalty_per_weight``."""
    return _weight_scale(n, weights) if spec.penalty_per_weight else 1.0


def _dropout_masks(spec, seed, step, rows, dtype):
    masks = []
    for layer in range(spec.n_layers):
        rate = spec.drop[layer]
        if rate == 0:
            masks.append(None)
            continue
        keep = 1.0 - rate
        u = dropout_uniform(seed, step, rows, layer, int(spec.sizes[layer]))
        masks.append(((u < keep) / keep).astype(dtype))
    return masks


# --- optimizers (PyTorch's update rules) ----------------------------------------------------------


def optimizer_update(opt, params, grad, state, t):
    """Apply one update at step ``t`` (1-based) to ``params`` in place; ``state`` is (2, n_params)."""
    code, lr, wd = int(opt[S.OPT_CODE]), opt[S.OPT_LR], opt[S.OPT_WEIGHT_DECAY]
    g = grad + wd * params if wd != 0 else grad
    if code == S.SGD:
        mu = opt[S.OPT_MOMENTUM]
        if mu != 0:
            buf = state[0]
            buf *= mu
            buf += g                                   # buf_t = mu * buf_{t-1} + g  (buf_0 = 0)
            g = g + mu * buf if opt[S.OPT_NESTEROV] else buf
        params -= lr * g
    elif code == S.ADAGRAD:
        clr = lr / (1 + (t - 1) * opt[S.OPT_LR_DECAY])
        state[0] += g * g
        params -= clr * g / (np.sqrt(state[0]) + opt[S.OPT_EPS])
    elif code == S.RMSPROP:
        alpha, mu = opt[S.OPT_ALPHA], opt[S.OPT_MOMENTUM]
        state[0] *= alpha
        state[0] += (1 - alpha) * g * g
        step = g / (np.sqrt(state[0]) + opt[S.OPT_EPS])
        if mu != 0:
            state[1] *= mu
            state[1] += step
            step = state[1]
        params -= lr * step
    elif code == S.ADAM:
        b1, b2 = opt[S.OPT_BETA1], opt[S.OPT_BETA2]
        m, v = state[0], state[1]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        step_size = lr / (1 - b1 ** t)
        denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + opt[S.OPT_EPS]
        params -= step_size * m / denom
    else:
        raise ValueError(f"unknown optimizer code {code}")


# --- the back-end contract ------------------------------------------------------------------------


def forward(spec, params, X, out):
    """Network outputs (last layer's activation; raw logits for the CE losses) for ``X``
    (n, n_in) into ``out`` (n, n_out)."""
    out[...] = _forward_cache(spec, params, X)[-1][2]
    return out


def layer_outputs(spec, params, X):
    """Activations ``A`` of every layer, as a list of (n, width) arrays; the last is the output."""
    return [A for _, _, A in _forward_cache(spec, params, X)]


def evaluate(spec, params, X, Y, sample_weight=None):
    """``(mean loss + penalty, accuracy)`` on ``(X, Y)``, without dropout and without a gradient
    (the mean weighted by ``sample_weight`` when given; the accuracy never is)."""
    out = forward(spec, params, X, np.empty_like(Y))
    total, _, correct = loss_forward_backward(spec.loss, out, Y, sample_weight)
    n = X.shape[0]
    data = total / n if sample_weight is None else total * _weight_scale(n, sample_weight)
    return data + penalty(spec, params, scale=_penalty_scale(spec, n, sample_weight)), correct / n


def loss_and_grad(spec, params, X, Y, grad, sample_weight=None):
    """Mean loss plus penalty on ``(X, Y)`` without dropout (weighted by ``sample_weight`` when
    given); the gradient goes into ``grad``."""
    grad[...] = 0
    loss, _ = _batch_loss_and_grad(spec, params, X, Y, grad, weights=sample_weight)
    return loss


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, sample_weight=None):
    """One epoch of mini-batch training over ``X[order]``; returns ``(mean loss, accuracy)``.

    Batches are ``order[k:k+batch_size]``; batch ``b`` is optimizer step ``t = step + b + 1``.
    The loss is each batch's mean loss (with penalty) weighted by its size; ``sample_weight``
    (n,) float64 weights the samples within each batch.
    """
    n = len(order)
    grad = np.zeros_like(params)
    total, correct = 0.0, 0.0
    with np.errstate(over="ignore", invalid="ignore"):   # divergence is reported by the caller
        for b, start in enumerate(range(0, n, batch_size)):
            rows = order[start:start + batch_size]
            t = step + b + 1
            masks = _dropout_masks(spec, seed, t, rows, params.dtype) if spec.drop.any() else None
            weights = None if sample_weight is None else sample_weight[rows]
            loss, corr = _batch_loss_and_grad(spec, params, X[rows], Y[rows], grad, masks, weights)
            total += loss * len(rows)
            correct += corr
            optimizer_update(opt, params, grad, state, t)
    return total / n, correct / n


def Engine(spec, params, state, X, Y, batch_size, sample_weight=None):
    """A :class:`~fastnn.backends._host_engine.HostEngine` over this module's ``train_epoch``."""
    return HostEngine(train_epoch, None, spec, params, state, X, Y, batch_size, sample_weight)
