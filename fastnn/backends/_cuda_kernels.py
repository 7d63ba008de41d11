"""CUDA kernels of the ``cuda`` back end (host side: :mod:`fastnn.backends.numba_cuda`).

Twin of the compiled core of :mod:`fastnn.backends.numba_cpu`: the same maths, the same splitmix64
dropout hash, the same optimizer rules, written for ``numba.cuda``.  Everything a batch needs lives
in device memory: the flat parameter buffer, the optimizer state, the training set, the epoch's
permutation ``order``, and one flat work buffer carved per layer by the integer table ``lay``:

``lay[l]`` (int64): fan_in, fan_out, activation, w_off, b_off, p_off, and the work offsets of
    AIN (the layer input after dropout, (rows, fan_in)), Z ((rows, fan_out)), DZ (dL/dZ) and
    DA (dL/dA, kept only for PReLU layers, whose slope gradient needs it).
``layf[l]`` (float64): activation alpha, l1, l2, dropout rate of the layer input.
``hyper`` (float64): the optimizer vector (``fastnn._spec.OPT_*`` slots), then the epoch's loss sum,
    number correct and a non-finite-weights flag, so one small copy each way per epoch suffices.

Dropout masks are never stored: ``_keep_scale`` recomputes the counter hash wherever a mask is
needed (forward and backward), which costs a few integer operations and no memory traffic.

Kernels with shared arrays need compile-time shapes and dtypes, so :func:`build` makes them per
(dtype, tile sizes) and caches them; the launch configurations are chosen on the host.
"""
from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np
from numba import cuda

from .. import _spec as S

# Columns of ``lay`` and ``layf``.
FAN_IN, FAN_OUT, ACT, W_OFF, B_OFF, P_OFF, AIN, Z, DZ, DA = range(10)
LAY_COLS = 10
ALPHA, L1, L2, DROP = range(4)
# Slots of ``hyper`` after the optimizer vector.
LOSS_SUM, CORRECT, NONFINITE = S.OPT_SIZE, S.OPT_SIZE + 1, S.OPT_SIZE + 2
HYPER_SIZE = S.OPT_SIZE + 3
# Kernel modes: training (dropout, loss, backward), gradient without dropout, inference only
# (the last layer stores f(Z) where Z would go, and nothing else runs).
TRAIN, GRAD, PREDICT = range(3)
# Modes of the tiled product: Z = AIN @ W, dA = DZ @ W.T, gW = AIN.T @ DZ.
FWD, BWD, WGRAD = range(3)
# Flags of the update kernel.
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
def _keep_scale(seed, t, sample, layer, unit, rate):
    """Inverted-dropout factor of (sample, unit) in the input of ``layer`` at step ``t``: 1/keep or 0."""
    keep = 1.0 - rate
    batch_key = _mix(seed ^ _mix(np.uint64(t)))
    row_key = _mix(batch_key ^ np.uint64(sample))
    u = _mix(row_key ^ ((np.uint64(layer) << _S32) | np.uint64(unit)))
    return 1.0 / keep if (u >> _S11) * 2.0 ** -53 < keep else 0.0


# --- activations: forward and derivative side by side (derivatives recompute A from Z) ----------


@cuda.jit(device=True)
def _act(code, alpha, slope, z):
    if code == S.SIGMOID:
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    if code == S.TANH:
        return math.tanh(z)
    if code == S.RELU:
        return z if z > 0 else 0.0
    if code == S.LEAKY_RELU:
        return z if z > 0 else alpha * z
    if code == S.ELU:
        return z if z > 0 else alpha * math.expm1(z)
    if code == S.PRELU:
        return z if z > 0 else slope * z
    return z


@cuda.jit(device=True)
def _act_grad(code, alpha, slope, z, da):
    """dL/dZ from dL/dA at pre-activation ``z``."""
    if code == S.SIGMOID or code == S.TANH:
        a = _act(code, alpha, slope, z)
        return da * a * (1 - a) if code == S.SIGMOID else da * (1 - a * a)
    if z > 0:
        return da
    if code == S.RELU:
        return 0.0
    if code == S.LEAKY_RELU:
        return da * alpha
    if code == S.ELU:
        return da * (alpha * math.expm1(z) + alpha)
    if code == S.PRELU:
        return da * slope
    return da


@cuda.jit(device=True)
def _slope(lay, params, layer, unit):
    """The PReLU slope of ``unit`` (0 when the layer has none)."""
    return params[lay[layer, P_OFF] + unit] if lay[layer, P_OFF] >= 0 else 0.0


@cuda.jit(device=True)
def _store_dz(lay, layf, params, work, layer, row, unit, da):
    """dL/dZ of (row, unit) of ``layer`` from dL/dA: stored in DZ (and dA in DA for PReLU, whose
    slope gradient needs it); returns dZ."""
    at = row * lay[layer, FAN_OUT] + unit
    if lay[layer, P_OFF] >= 0:
        work[lay[layer, DA] + at] = da
    dz = _act_grad(lay[layer, ACT], layf[layer, ALPHA], _slope(lay, params, layer, unit),
                   work[lay[layer, Z] + at], da)
    work[lay[layer, DZ] + at] = dz
    return dz


# --- loss of one row, fused with the last layer's activation and its derivative ------------------


@cuda.jit(device=True)
def _row_loss(loss, lay, layf, params, work, Y, row, sample, scale):
    """Loss of batch row ``row`` (data row ``sample``) on the last layer's Z; writes
    ``scale * dL/dZ`` into its DZ and returns ``(loss, fraction correct)``."""
    last = lay.shape[0] - 1
    n_out, code, alpha = lay[last, FAN_OUT], lay[last, ACT], layf[last, ALPHA]
    z0 = lay[last, Z] + row * n_out
    total = 0.0
    hits = 0.0
    if loss == S.SOFTMAX_CE:
        m = _act(code, alpha, _slope(lay, params, last, 0), work[z0])
        best = 0
        ybest = 0
        for j in range(1, n_out):
            a = _act(code, alpha, _slope(lay, params, last, j), work[z0 + j])
            if a > m:
                m = a
                best = j
            if Y[sample, j] > Y[sample, ybest]:
                ybest = j
        s = 0.0
        ysum = 0.0
        yz = 0.0
        for j in range(n_out):
            a = _act(code, alpha, _slope(lay, params, last, j), work[z0 + j])
            s += math.exp(a - m)          # the row max is subtracted: exp never overflows
            ysum += Y[sample, j]
            yz += Y[sample, j] * a
        lse = m + math.log(s)
        for j in range(n_out):
            a = _act(code, alpha, _slope(lay, params, last, j), work[z0 + j])
            da = scale * (math.exp(a - lse) * ysum - Y[sample, j])
            _store_dz(lay, layf, params, work, last, row, j, da)
        return lse * ysum - yz, 1.0 if best == ybest else 0.0
    for j in range(n_out):
        a = _act(code, alpha, _slope(lay, params, last, j), work[z0 + j])
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



# --- epilogues shared by the fused and the tiled kernels -------------------------------------------


@cuda.jit(device=True)
def _finish_forward(lay, layf, params, work, layer, row, unit, acc, sample, t, seed, mode):
    """Epilogue of Z = AIN @ W for (row, unit): add the bias, store Z, store the next layer's
    input f(Z) * mask; returns that input (for the last layer: f(Z), stored in place of Z when
    only predicting)."""
    fan_out = lay[layer, FAN_OUT]
    z = acc + params[lay[layer, B_OFF] + unit]
    a = _act(lay[layer, ACT], layf[layer, ALPHA], _slope(lay, params, layer, unit), z)
    at = lay[layer, Z] + row * fan_out + unit
    if layer == lay.shape[0] - 1:
        work[at] = a if mode == PREDICT else z
        return a
    work[at] = z
    rate = layf[layer + 1, DROP]
    if mode == TRAIN and rate > 0:
        a *= _keep_scale(seed, t, sample, layer + 1, unit, rate)
    work[lay[layer + 1, AIN] + row * fan_out + unit] = a   # the tiled path reads it back
    return a


@cuda.jit(device=True)
def _finish_backward(lay, layf, params, work, layer, row, unit, acc, sample, t, seed, mode):
    """Epilogue of dA_{l-1} = DZ_l @ W_l.T for (row, unit), ``layer`` = l: the dropout mask of
    layer l's input, then layer l-1's activation derivative; stores DZ (and DA for PReLU) of layer
    l-1 and returns that dZ."""
    prev = layer - 1
    da = acc
    rate = layf[layer, DROP]
    if mode == TRAIN and rate > 0:
        da *= _keep_scale(seed, t, sample, layer, unit, rate)
    return _store_dz(lay, layf, params, work, prev, row, unit, da)


@cuda.jit(device=True)
def _load_x(lay, layf, work, X, sample, row, unit, t, seed, mode, store):
    """Input of the first layer at (row, unit): ``X[sample, unit]`` times its dropout mask; kept
    in AIN (for the weight gradient) when ``store``."""
    x = X[sample, unit]
    if mode == TRAIN and layf[0, DROP] > 0:
        x *= _keep_scale(seed, t, sample, 0, unit, layf[0, DROP])
    if store and mode != PREDICT:
        work[lay[0, AIN] + row * lay[0, FAN_IN] + unit] = x
    return x


# --- gradient of one parameter and the optimizer rules (PyTorch's) ----------------------------------


@cuda.jit(device=True)
def _param_grad(lay, layf, params, grad, work, rows, k, gw_ready):
    """Gradient of flat parameter ``k`` and its penalty value: weights sum AIN.T @ DZ over the
    batch rows (or read it from ``grad`` when a tiled kernel computed it), biases sum DZ, PReLU
    slopes sum DA * Z over the rows where Z <= 0."""
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
        l1, l2, w = layf[layer, L1], layf[layer, L2], params[k]
        if l1 != 0 or l2 != 0:
            penalty = l1 * abs(w) + l2 * w * w
            g += l1 * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0)) + 2 * l2 * w
    elif k < b0 + fan_out:
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
def _apply(hyper, params, state, k, g, t):
    """One optimizer step of parameter ``k`` with loss gradient ``g`` (rules as numba_cpu._update)."""
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


@cuda.jit
def loss_rows(lay, layf, params, work, Y, order, hyper, start, rows, loss):
    """Loss and last-layer dL/dZ of every batch row, for the tiled path.  Launch: one thread per
    row (1-D grid); the loss sum and the number correct go to ``hyper`` by atomics."""
    row = cuda.grid(1)
    if row < rows:
        value, hits = _row_loss(loss, lay, layf, params, work, Y, row, order[start + row], 1.0 / rows)
        cuda.atomic.add(hyper, LOSS_SUM, value)
        cuda.atomic.add(hyper, CORRECT, hits)


# --- kernels with compile-time shared shapes ---------------------------------------------------------


@functools.lru_cache(maxsize=None)
def build(dtype_name, tile, fused_rows, fused_width, update_threads):
    """The kernels for one dtype and one set of tile sizes, as a namespace (see each docstring)."""
    dtype = np.dtype(dtype_name).type
    T, FR, FW, UT = tile, fused_rows, fused_width, update_threads

    @cuda.jit
    def fused(lay, layf, params, work, X, Y, order, hyper, start, rows, t, seed, mode, loss):
        """Forward, loss and backward of a row tile through a whole narrow network (widths <= FW),
        tiny-cuda-nn style.  Launch: one block per FR rows, block (threads_x, FR); thread (tx, r)
        does units tx, tx + threads_x, ... of row r.  The tile's activations, then its gradients,
        stay in two shared (FR, FW) buffers from layer to layer; AIN, Z and DZ also go to global
        memory for the weight-gradient sums of the update kernel."""
        ping = cuda.shared.array((FR, FW), dtype)
        pong = cuda.shared.array((FR, FW), dtype)
        tx, r, nx = cuda.threadIdx.x, cuda.threadIdx.y, cuda.blockDim.x
        row = cuda.blockIdx.x * FR + r
        valid = row < rows
        sample = order[start + row] if valid else 0
        last = lay.shape[0] - 1
        if valid:
            for p in range(tx, lay[0, FAN_IN], nx):
                ping[r, p] = _load_x(lay, layf, work, X, sample, row, p, t, seed, mode, True)
        cuda.syncthreads()
        for layer in range(last + 1):
            src, dst = (ping, pong) if layer % 2 == 0 else (pong, ping)
            fan_in, fan_out, w0 = lay[layer, FAN_IN], lay[layer, FAN_OUT], lay[layer, W_OFF]
            if valid:
                for j in range(tx, fan_out, nx):
                    acc = dtype(0)
                    for p in range(fan_in):
                        acc += src[r, p] * params[w0 + p * fan_out + j]
                    dst[r, j] = _finish_forward(lay, layf, params, work, layer, row, j, acc,
                                                sample, t, seed, mode)
            cuda.syncthreads()
        if mode == PREDICT:
            return
        if valid and tx == 0:
            value, hits = _row_loss(loss, lay, layf, params, work, Y, row, sample, 1.0 / rows)
            cuda.atomic.add(hyper, LOSS_SUM, value)
            cuda.atomic.add(hyper, CORRECT, hits)
        cuda.syncthreads()
        if valid:
            for j in range(tx, lay[last, FAN_OUT], nx):
                ping[r, j] = work[lay[last, DZ] + row * lay[last, FAN_OUT] + j]
        cuda.syncthreads()
        for layer in range(last, 0, -1):
            src, dst = (ping, pong) if (last - layer) % 2 == 0 else (pong, ping)
            fan_in, fan_out, w0 = lay[layer, FAN_IN], lay[layer, FAN_OUT], lay[layer, W_OFF]
            if valid:
                for p in range(tx, fan_in, nx):
                    acc = dtype(0)
                    for j in range(fan_out):
                        acc += src[r, j] * params[w0 + p * fan_out + j]
                    dst[r, p] = _finish_backward(lay, layf, params, work, layer, row, p, acc,
                                                 sample, t, seed, mode)
            cuda.syncthreads()

    @cuda.jit
    def dense(lay, layf, params, grad, work, X, order, start, rows, t, seed, mode, kind, layer):
        """One layer's product on T x T shared-memory tiles, for networks wider than FW.

        ``kind`` FWD: Z = AIN @ W (+ bias, activation, next layer's dropped input; layer 0 gathers
        X[order] itself); BWD: dA = DZ_l @ W_l.T (+ mask and layer l-1's derivative); WGRAD:
        gW = AIN.T @ DZ into ``grad``.  Launch: grid (ceil(M/T), ceil(N/T)) for C (M, N), block
        (T, T); thread (tx, ty) owns C[bx*T + ty, by*T + tx].  Operands stored transposed
        (W in BWD, AIN in WGRAD) are loaded with tx along memory, so every load is coalesced."""
        As = cuda.shared.array((T, T), dtype)
        Bs = cuda.shared.array((T, T), dtype)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        i0, j0 = cuda.blockIdx.x * T, cuda.blockIdx.y * T
        fan_in, fan_out, w0 = lay[layer, FAN_IN], lay[layer, FAN_OUT], lay[layer, W_OFF]
        ain, dz = lay[layer, AIN], lay[layer, DZ]
        if kind == FWD:
            M, N, K = rows, fan_out, fan_in
        elif kind == BWD:
            M, N, K = rows, fan_in, fan_out
        else:
            M, N, K = fan_in, fan_out, rows
        acc = dtype(0)
        for k0 in range(0, K, T):
            if kind == WGRAD:         # A[p, i] = AIN[i, p]
                As[tx, ty] = work[ain + (k0 + ty) * fan_in + i0 + tx] \
                    if i0 + tx < M and k0 + ty < K else dtype(0)
                Bs[ty, tx] = work[dz + (k0 + ty) * fan_out + j0 + tx] \
                    if k0 + ty < K and j0 + tx < N else dtype(0)
            elif kind == BWD:         # A = DZ, B[k, p] = W[p, k]
                As[ty, tx] = work[dz + (i0 + ty) * fan_out + k0 + tx] \
                    if i0 + ty < M and k0 + tx < K else dtype(0)
                Bs[tx, ty] = params[w0 + (j0 + ty) * fan_out + k0 + tx] \
                    if k0 + tx < K and j0 + ty < N else dtype(0)
            else:                     # A = AIN (gathered from X for layer 0), B = W
                a = dtype(0)
                if i0 + ty < M and k0 + tx < K:
                    if layer == 0:
                        a = _load_x(lay, layf, work, X, order[start + i0 + ty], i0 + ty, k0 + tx,
                                    t, seed, mode, cuda.blockIdx.y == 0)
                    else:
                        a = work[ain + (i0 + ty) * fan_in + k0 + tx]
                As[ty, tx] = a
                Bs[ty, tx] = params[w0 + (k0 + ty) * fan_out + j0 + tx] \
                    if k0 + ty < K and j0 + tx < N else dtype(0)
            cuda.syncthreads()
            for k in range(T):
                acc += As[ty, k] * Bs[k, tx]
            cuda.syncthreads()
        i, j = i0 + ty, j0 + tx
        if i < M and j < N:
            if kind == WGRAD:
                grad[w0 + i * fan_out + j] = acc
            elif kind == FWD:
                _finish_forward(lay, layf, params, work, layer, i, j, acc, order[start + i], t,
                                seed, mode)
            else:
                _finish_backward(lay, layf, params, work, layer, i, j, acc, order[start + i], t,
                                 seed, mode)

    @cuda.jit
    def update(lay, layf, params, grad, state, work, hyper, rows, t, flags):
        """Gradient, penalty and optimizer step of every parameter of the flat buffer in one launch.

        Launch: ceil(n_params / UT) blocks of UT threads, one thread per parameter.  ``flags``:
        GW_READY (weight gradients already in ``grad``), GRAD_ONLY (write the gradient to ``grad``
        instead of stepping), CHECK_FINITE (flag non-finite new weights in ``hyper``).  Each block
        sums its penalty values in shared memory and adds ``rows * sum`` to the loss with one
        atomic, so the epoch loss carries the penalty once per batch like the CPU back ends."""
        part = cuda.shared.array(UT, np.float64)
        k = cuda.grid(1)
        penalty = 0.0
        if k < params.shape[0]:
            g, penalty = _param_grad(lay, layf, params, grad, work, rows, k, flags & GW_READY)
            if flags & GRAD_ONLY:
                grad[k] = g
            else:
                _apply(hyper, params, state, k, g, t)
                if flags & CHECK_FINITE and (math.isnan(params[k]) or math.isinf(params[k])):
                    hyper[NONFINITE] = 1.0
        part[cuda.threadIdx.x] = penalty
        cuda.syncthreads()
        if cuda.threadIdx.x == 0:
            total = 0.0
            for q in range(cuda.blockDim.x):
                total += part[q]
            if total != 0:
                cuda.atomic.add(hyper, LOSS_SUM, total * rows)

    return SimpleNamespace(fused=fused, dense=dense, update=update, loss_rows=loss_rows)
