"""Device functions of the ``cuda`` back end: the maths of one element, row or parameter.

The kernels (:mod:`fastnn.backends._cuda_kernels`) are built from these.  Twin of the compiled core
of :mod:`fastnn.backends.numba_cpu`: the same splitmix64 dropout hash, the same optimizer rules,
and the activation rules of :mod:`fastnn.activations` themselves (compiled by
:mod:`._cuda_rules`).  Everything a batch needs lives in device memory: the flat parameter
buffer, the optimizer state, the training set, the epoch's permutation ``order``, and one flat
work buffer carved per layer by the integer table ``lay``:

``lay[l]`` (int64): fan_in, fan_out, activation, w_off, b_off, p_off, and the work offsets of
    AIN (the layer input after dropout, (rows, fan_in)), Z ((rows, fan_out)), DZ (dL/dZ) and
    DA (dL/dA, kept only for layers with learned slopes, whose gradient needs it).
``layf[l]`` (float64): activation alpha, l1, l2, dropout rate of the layer input, 1 if the bias
    is trained (0: its gradient is 0).
``hyper`` (float64): the optimizer vector (``fastnn._spec.OPT_*`` slots), then the epoch's loss sum,
    number correct and a non-finite-weights flag, so one small copy each way per epoch suffices;
    then three switches: the samples carry weights (the device array ``W``, one per row of the
    training set), ``X`` holds only the batch's rows (a sparse input densified per batch on the
    host: X row ``row`` is batch row ``row``, not sample ``order[start + row]``), and the penalty
    is divided by each batch's weight sum (``NetSpec.penalty_per_weight``).

A batch's gradient is scaled by ``scale`` = 1 / (its row count, or its weight sum with weights),
passed to the per-batch kernels by the host, which knows the weights and the order.

Dropout masks are never stored: ``keep_scale`` recomputes the counter hash wherever a mask is
needed (forward and backward), which costs a few integer operations and no memory traffic.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from .. import _spec as S
from ._cuda_rules import forward_rule, grad_rule

# Columns of ``lay`` and ``layf``.
FAN_IN, FAN_OUT, ACT, W_OFF, B_OFF, P_OFF, AIN, Z, DZ, DA = range(10)
LAY_COLS = 10
ALPHA, L1, L2, DROP, BIAS = range(5)
# Slots of ``hyper`` after the optimizer vector.
LOSS_SUM, CORRECT, NONFINITE, WEIGHTED, X_LOCAL, PER_WEIGHT = range(S.OPT_SIZE, S.OPT_SIZE + 6)
HYPER_SIZE = S.OPT_SIZE + 6
# Kernel modes: training (dropout, loss, backward), gradient without dropout, inference only
# (the last layer stores f(Z) where Z would go, and nothing else runs).
TRAIN, GRAD, PREDICT = range(3)
# Flags of the parameter update: weight gradients already in ``grad`` (a product kernel wrote
# them), write the gradient to ``grad`` instead of stepping, flag non-finite new weights.
GW_READY, GRAD_ONLY, CHECK_FINITE = 1, 2, 4

# --- the dropout hash: the same splitmix64 counter hash as numpy_ref.dropout_uniform -------------
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(k) for k in (11, 27, 30, 31, 32))


@cuda.jit(device=True)
def _mix(x):
    x = x + _GOLDEN
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


@cuda.jit(device=True)
def keep_scale(seed, t, sample, layer, unit, rate):
    """Inverted-dropout factor of (sample, unit) in the input of ``layer`` at step ``t``: 1/keep or 0."""
    keep = 1.0 - rate
    batch_key = _mix(seed ^ _mix(np.uint64(t)))
    row_key = _mix(batch_key ^ np.uint64(sample))
    u = _mix(row_key ^ ((np.uint64(layer) << _S32) | np.uint64(unit)))
    return 1.0 / keep if (u >> _S11) * 2.0 ** -53 < keep else 0.0


# --- activations: fastnn.activations' rules, with the parameter of each unit ----------------------


@cuda.jit(device=True)
def _alpha(lay, layf, params, layer, unit):
    """The activation parameter of ``unit``: its learned slope when the layer has them (PReLU),
    else the layer's ``alpha``."""
    p0 = lay[layer, P_OFF]
    return params[p0 + unit] if p0 >= 0 else layf[layer, ALPHA]


@cuda.jit(device=True)
def activate(lay, layf, params, layer, unit, z):
    """f(z) of ``unit`` of ``layer``."""
    return forward_rule(lay[layer, ACT], z, _alpha(lay, layf, params, layer, unit))


@cuda.jit(device=True)
def _store_dz(lay, layf, params, work, layer, row, unit, da):
    """dL/dZ of (row, unit) of ``layer`` from dL/dA: stored in DZ (and dA in DA for layers with
    learned slopes, whose gradient needs it); returns dZ.  A = f(Z) is recomputed from Z."""
    at = row * lay[layer, FAN_OUT] + unit
    if lay[layer, P_OFF] >= 0:
        work[lay[layer, DA] + at] = da
    code, alpha = lay[layer, ACT], _alpha(lay, layf, params, layer, unit)
    z = work[lay[layer, Z] + at]
    dz = da * grad_rule(code, z, forward_rule(code, z, alpha), alpha)
    work[lay[layer, DZ] + at] = dz
    return dz


# --- loss of one row, fused with the last layer's activation and its derivative ------------------


@cuda.jit(device=True)
def row_loss(loss, lay, layf, params, work, Y, row, sample, scale):
    """Loss of batch row ``row`` (data row ``sample``) on the last layer's Z; writes
    ``scale * dL/dZ`` into its DZ and returns ``(loss, fraction correct)``."""
    last = lay.shape[0] - 1
    n_out = lay[last, FAN_OUT]
    z0 = lay[last, Z] + row * n_out
    total = 0.0
    hits = 0.0
    if loss == S.SOFTMAX_CE:
        m = activate(lay, layf, params, last, 0, work[z0])
        best = 0
        ybest = 0
        for j in range(1, n_out):
            a = activate(lay, layf, params, last, j, work[z0 + j])
            if a > m:
                m = a
                best = j
            if Y[sample, j] > Y[sample, ybest]:
                ybest = j
        s = 0.0
        ysum = 0.0
        yz = 0.0
        for j in range(n_out):
            a = activate(lay, layf, params, last, j, work[z0 + j])
            s += math.exp(a - m)          # the row max is subtracted: exp never overflows
            ysum += Y[sample, j]
            yz += Y[sample, j] * a
        lse = m + math.log(s)
        for j in range(n_out):
            a = activate(lay, layf, params, last, j, work[z0 + j])
            _store_dz(lay, layf, params, work, last, row, j,
                      scale * (math.exp(a - lse) * ysum - Y[sample, j]))
        return lse * ysum - yz, 1.0 if best == ybest else 0.0
    for j in range(n_out):
        a = activate(lay, layf, params, last, j, work[z0 + j])
        y = Y[sample, j]
        if loss == S.MSE:
            total += 0.5 * (a - y) * (a - y)
            da = scale * (a - y)
        elif loss == S.BCE:
            e = math.exp(-abs(a))
            total += max(a, 0.0) - a * y + math.log1p(e)
            da = scale * ((1 / (1 + e) if a >= 0 else e / (1 + e)) - y)
            hits += 1.0 if (a > 0) == (y > 0.5) else 0.0
        else:  # hinge
            margin = 1 - y * a
            total += margin if margin > 0 else 0.0
            da = -scale * y if margin > 0 else 0.0
            hits += 1.0 if (a > 0) == (y > 0) else 0.0
        _store_dz(lay, layf, params, work, last, row, j, da)
    return total, hits / n_out


@cuda.jit(device=True)
def sample_factors(hyper, W, sample, rows, scale):
    """``(loss factor, gradient scale)`` of one sample of a batch of ``rows`` rows whose gradient
    is scaled by ``scale``: ``(1, scale)`` without weights, ``(w rows scale, w scale)`` with
    weight ``w`` (so the epoch's loss sum gets ``rows`` times the batch's weighted mean)."""
    if hyper[WEIGHTED] != 0:
        w = W[sample]
        return w * rows * scale, w * scale
    return 1.0, scale


@cuda.jit(device=True)
def batch_scale(hyper, W, order, start, rows):
    """``(scale, penalty scale)`` of the batch ``order[start:start+rows]``: 1 / its row count or
    weight sum (0 for a zero sum), and that or 1 for the penalty (see ``PER_WEIGHT``)."""
    scale = 1.0 / rows
    if hyper[WEIGHTED] != 0:
        total = 0.0
        for i in range(rows):
            total += W[order[start + i]]
        scale = 1.0 / total if total > 0 else 0.0
    return scale, (scale if hyper[PER_WEIGHT] != 0 else 1.0)


# --- layer input and the epilogues of the products (fused, tiled and GEMM paths alike) ----------


@cuda.jit(device=True)
def layer0_input(layf, X, hyper, row, sample, unit, t, seed, mode):
    """Input of the first layer at (batch row ``row``, data row ``sample``, unit): ``X[sample,
    unit]`` (``X[row, unit]`` when X holds only the batch) times its dropout mask."""
    x = X[row if hyper[X_LOCAL] != 0 else sample, unit]
    if mode == TRAIN and layf[0, DROP] > 0:
        x *= keep_scale(seed, t, sample, 0, unit, layf[0, DROP])
    return x


@cuda.jit(device=True)
def finish_forward(lay, layf, params, work, layer, row, unit, acc, sample, t, seed, mode):
    """Epilogue of Z = AIN @ W for (row, unit): add the bias, store Z, store the next layer's
    input f(Z) * mask; returns that input (for the last layer: f(Z), stored in place of Z when
    only predicting)."""
    fan_out = lay[layer, FAN_OUT]
    z = acc + params[lay[layer, B_OFF] + unit]
    a = activate(lay, layf, params, layer, unit, z)
    at = lay[layer, Z] + row * fan_out + unit
    if layer == lay.shape[0] - 1:
        work[at] = a if mode == PREDICT else z
        return a
    work[at] = z
    rate = layf[layer + 1, DROP]
    if mode == TRAIN and rate > 0:
        a *= keep_scale(seed, t, sample, layer + 1, unit, rate)
    work[lay[layer + 1, AIN] + row * fan_out + unit] = a   # the tiled and GEMM paths read it back
    return a


@cuda.jit(device=True)
def finish_backward(lay, layf, params, work, layer, row, unit, acc, sample, t, seed, mode):
    """Epilogue of dA_{l-1} = DZ_l @ W_l.T for (row, unit), ``layer`` = l: the dropout mask of
    layer l's input, then layer l-1's activation derivative; stores DZ (and DA) of layer l-1 and
    returns that dZ."""
    da = acc
    rate = layf[layer, DROP]
    if mode == TRAIN and rate > 0:
        da *= keep_scale(seed, t, sample, layer, unit, rate)
    return _store_dz(lay, layf, params, work, layer - 1, row, unit, da)


# --- gradient of one parameter and the optimizer rules (PyTorch's) ----------------------------------


@cuda.jit(device=True)
def param_grad(lay, layf, params, grad, work, rows, k, gw_ready, pscale):
    """Gradient of flat parameter ``k`` and its penalty value (times ``pscale``): weights sum
    AIN.T @ DZ over the batch rows (or read it from ``grad`` when a product kernel computed it),
    biases sum DZ (0 for a bias that is not trained), learned slopes sum DA * Z over the rows
    where Z <= 0."""
    layer = 0
    while layer < lay.shape[0] - 1 and k >= lay[layer + 1, W_OFF]:
        layer += 1
    fan_in, fan_out, b0 = lay[layer, FAN_IN], lay[layer, FAN_OUT], lay[layer, B_OFF]
    g = 0.0
    penalty = 0.0
    if k < b0:
        p = (k - lay[layer, W_OFF]) // fan_out
        j = (k - lay[layer, W_OFF]) % fan_out
        if gw_ready:
            g = grad[k]
        else:
            for i in range(rows):
                g += work[lay[layer, AIN] + i * fan_in + p] * work[lay[layer, DZ] + i * fan_out + j]
        l1, l2, w = layf[layer, L1] * pscale, layf[layer, L2] * pscale, params[k]
        if l1 != 0 or l2 != 0:
            penalty = l1 * abs(w) + l2 * w * w
            g += l1 * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0)) + 2 * l2 * w
    elif k < b0 + fan_out:
        if layf[layer, BIAS] != 0:
            for i in range(rows):
                g += work[lay[layer, DZ] + i * fan_out + k - b0]
    else:
        j = k - lay[layer, P_OFF]
        for i in range(rows):
            z = work[lay[layer, Z] + i * fan_out + j]
            if z <= 0:
                g += work[lay[layer, DA] + i * fan_out + j] * z
    return g, penalty


@cuda.jit(device=True)
def apply_step(hyper, params, state, k, g, t):
    """One optimizer step of parameter ``k`` with loss gradient ``g`` (rules as numba_cpu's)."""
    code = int(hyper[S.OPT_CODE])
    lr, eps, mu = hyper[S.OPT_LR], hyper[S.OPT_EPS], hyper[S.OPT_MOMENTUM]
    g = g + hyper[S.OPT_WEIGHT_DECAY] * params[k]
    if code == S.SGD:
        if mu != 0:
            state[0, k] = mu * state[0, k] + g
            g = g + mu * state[0, k] if hyper[S.OPT_NESTEROV] != 0 else state[0, k]
        params[k] -= lr * g
    elif code == S.ADAGRAD:
        state[0, k] += g * g
        params[k] -= lr / (1 + (t - 1) * hyper[S.OPT_LR_DECAY]) * g / (math.sqrt(state[0, k]) + eps)
    elif code == S.RMSPROP:
        alpha = hyper[S.OPT_ALPHA]
        state[0, k] = alpha * state[0, k] + (1 - alpha) * g * g
        s = g / (math.sqrt(state[0, k]) + eps)
        if mu != 0:
            state[1, k] = mu * state[1, k] + s
            s = state[1, k]
        params[k] -= lr * s
    else:  # Adam
        b1, b2 = hyper[S.OPT_BETA1], hyper[S.OPT_BETA2]
        state[0, k] = b1 * state[0, k] + (1 - b1) * g
        state[1, k] = b2 * state[1, k] + (1 - b2) * g * g
        params[k] -= (lr / (1 - b1 ** t) * state[0, k]
                      / (math.sqrt(state[1, k]) / math.sqrt(1 - b2 ** t) + eps))


@cuda.jit(device=True)
def step_param(lay, layf, params, grad, state, work, hyper, rows, k, t, flags, pscale):
    """Gradient, penalty (times ``pscale``) and (unless GRAD_ONLY) optimizer step of parameter
    ``k``; returns the penalty value.  ``flags`` as the update kernel's (GW_READY, GRAD_ONLY,
    CHECK_FINITE)."""
    g, penalty = param_grad(lay, layf, params, grad, work, rows, k, flags & GW_READY, pscale)
    if flags & GRAD_ONLY:
        grad[k] = g
    else:
        apply_step(hyper, params, state, k, g, t)
        if flags & CHECK_FINITE and (math.isnan(params[k]) or math.isinf(params[k])):
            hyper[NONFINITE] = 1.0
    return penalty
