"""The Numba CPU back end: a whole training epoch in one compiled call.

Twin of :mod:`fastnn.backends.numpy_ref` (same contract, same maths; see that module for the
formulas).  Design, from the measurements in ``shared/notes``:

* the Python interpreter is off the per-batch path: gather, forward, loss, backward, penalty and
  optimizer update of every mini-batch run inside ``_train_epoch``;
* matrix products are plain loops when small (Playground-sized layers, where a BLAS call costs
  more than the arithmetic) and BLAS (``np.dot`` with an output array) when large;
* all work memory is one flat buffer allocated once per ``fit`` and carved into per-layer views;
  nothing is allocated inside the batch loop.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _spec as S
from . import _host_engine
from ._host_engine import HostEngine
from ._jit import njit

NAME = "numba"
BLAS_MIN_WORK = 512   # multiply-adds of one product from which BLAS beats the plain loops
THIN = 16              # outputs below which loop products work on a transposed copy (see _mm)

# Columns of the per-layer workspace plan: offsets of the layer input (after dropout), the
# dropout scale mask, Z, A; then the gathered targets and two gradient ping-pong buffers.
_IN, _MASK, _Z, _A = range(4)

# --- dropout hash: the same splitmix64 counter hash as numpy_ref.dropout_uniform --------------------
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(k) for k in (11, 27, 30, 31, 32))


@njit
def _mix(x):
    x = x + _GOLDEN
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


# --- workspace -----------------------------------------------------------------------------------


@njit
def _plan(sizes, act, drop, rows):
    """Offsets of every per-layer buffer in the flat workspace, and the workspace length.

    Layers with a dropout rate get their own input and mask buffers; inference passes all-zero
    rates (and no flags: literal arguments would compile every caller twice)."""
    n_layers = act.shape[0]
    plan = np.full((n_layers, 4), -1, np.int64)
    offset = 0
    widest = 0
    for layer in range(n_layers):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        widest = max(widest, fan_in, fan_out)
        if layer == 0 or drop[layer] > 0:
            plan[layer, _IN] = offset
            offset += rows * fan_in
        else:
            plan[layer, _IN] = plan[layer - 1, _A]
        if drop[layer] > 0:
            plan[layer, _MASK] = offset
            offset += rows * fan_in
        plan[layer, _Z] = offset
        offset += rows * fan_out
        if act[layer] == S.IDENTITY:
            plan[layer, _A] = plan[layer, _Z]
        else:
            plan[layer, _A] = offset
            offset += rows * fan_out
    y_off = offset
    offset += rows * sizes[n_layers]
    d_off = offset
    offset += 2 * rows * widest
    t_off = offset                          # scratch for the transposed copies of thin products
    for layer in range(n_layers):
        offset = max(offset, t_off + sizes[layer] * sizes[layer + 1])
    return plan, y_off, d_off, rows * widest, t_off, offset


@njit
def _view(buf, offset, rows, cols):
    return buf[offset:offset + rows * cols].reshape((rows, cols))


# --- matrix products: loops when small, BLAS when large ---------------------------------------------


@njit
def _transposed(B, T):
    """B.T as a C-contiguous view of the scratch buffer ``T``."""
    k, n = B.shape
    Bt = T[:n * k].reshape((n, k))
    for p in range(k):
        for j in range(n):
            Bt[j, p] = B[p, j]
    return Bt


@njit
def _mm(A, B, C, T):
    """C = A @ B.  ``T`` is scratch for B.T when the output is thin (a classifier's last layer):
    then every inner loop runs over contiguous memory instead of 2 or 3 strided columns."""
    m, k = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN_WORK:
        np.dot(A, B, C)
    elif n < THIN:
        Bt = _transposed(B, T)
        for i in range(m):
            for j in range(n):
                s = 0.0
                for p in range(k):
                    s += A[i, p] * Bt[j, p]
                C[i, j] = s
    else:
        for i in range(m):
            for j in range(n):
                C[i, j] = 0
            for p in range(k):
                a = A[i, p]
                for j in range(n):
                    C[i, j] += a * B[p, j]


@njit
def _mm_tn(A, B, C, T):
    """C = A.T @ B (a weight gradient); thin ``B`` accumulates C.T in ``T``, then transposes."""
    m, k = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN_WORK:
        np.dot(A.T, B, C)
        return
    if n >= THIN:
        C[:, :] = 0
        for i in range(m):
            for p in range(k):
                a = A[i, p]
                for j in range(n):
                    C[p, j] += a * B[i, j]
        return
    Ct = T[:n * k].reshape((n, k))
    Ct[:, :] = 0
    for i in range(m):
        for j in range(n):
            b = B[i, j]
            for p in range(k):
                Ct[j, p] += b * A[i, p]
    for p in range(k):
        for j in range(n):
            C[p, j] = Ct[j, p]


@njit
def _mm_nt(A, B, C, T):
    """C = A @ B.T (the gradient flowing back through W = B); thin ``A`` uses B.T from ``T``."""
    m, n = A.shape
    k = B.shape[0]
    if m * k * n >= BLAS_MIN_WORK:
        np.dot(A, B.T, C)
    elif n < THIN:
        Bt = _transposed(B, T)
        for i in range(m):
            for p in range(k):
                C[i, p] = 0
            for j in range(n):
                a = A[i, j]
                for p in range(k):
                    C[i, p] += a * Bt[j, p]
    else:
        for i in range(m):
            for p in range(k):
                s = 0.0
                for j in range(n):
                    s += A[i, j] * B[p, j]
                C[i, p] = s


# --- activations: forward and derivative side by side -------------------------------------------


_TANH_CLAMP = np.float32(7.90531110763549805)
_TANH_P = tuple(np.float32(c) for c in (
    -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-08,
    1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03))
_TANH_Q = tuple(np.float32(c) for c in (
    1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03))


@njit
def _tanh32(z):
    """tanh in float32 arithmetic as a rational function of z (Eigen's minimax fit, clamped where
    tanh rounds to +-1): max error 3.5e-7, and unlike libm's tanh it vectorises.  float64 keeps
    the exact math.tanh, so float64 results match the NumPy reference to rounding."""
    x = min(max(z, -_TANH_CLAMP), _TANH_CLAMP)
    x2 = x * x
    p = _TANH_P[0]
    for c in _TANH_P[1:]:
        p = p * x2 + c
    q = _TANH_Q[0]
    for c in _TANH_Q[1:]:
        q = q * x2 + c
    return x * p / q


@njit
def _bias_activate(code, alpha, prelu, b, Z, A):
    """``Z += b`` then ``A = f(Z)``; one branch per layer so each inner loop can vectorise."""
    rows, cols = Z.shape
    for i in range(rows):
        for j in range(cols):
            Z[i, j] += b[j]
    if code == S.IDENTITY:
        return
    for i in range(rows):
        if code == S.RELU:
            for j in range(cols):
                A[i, j] = max(Z[i, j], 0)
        elif code == S.TANH:
            if A.itemsize == 4:
                for j in range(cols):
                    A[i, j] = _tanh32(Z[i, j])
            else:
                for j in range(cols):
                    A[i, j] = math.tanh(Z[i, j])
        elif code == S.SIGMOID:
            for j in range(cols):
                z = Z[i, j]
                e = math.exp(-abs(z))           # exp of a non-positive number never overflows
                A[i, j] = 1 / (1 + e) if z >= 0 else e / (1 + e)
        elif code == S.LEAKY_RELU:
            for j in range(cols):
                z = Z[i, j]
                A[i, j] = z if z > 0 else alpha * z
        elif code == S.ELU:
            for j in range(cols):
                z = Z[i, j]
                A[i, j] = z if z > 0 else alpha * math.expm1(z)
        else:  # PReLU
            for j in range(cols):
                z = Z[i, j]
                A[i, j] = z if z > 0 else prelu[j] * z


@njit
def _activation_backward(code, alpha, prelu, g_prelu, Z, A, D):
    """Turn dA (in ``D``) into dZ in place; accumulate PReLU slope gradients into ``g_prelu``."""
    rows, cols = Z.shape
    if code == S.PRELU:
        g_prelu[:] = 0
    for i in range(rows):
        if code == S.RELU:
            for j in range(cols):
                D[i, j] = D[i, j] if Z[i, j] > 0 else 0
        elif code == S.TANH:
            for j in range(cols):
                D[i, j] *= 1 - A[i, j] * A[i, j]
        elif code == S.SIGMOID:
            for j in range(cols):
                D[i, j] *= A[i, j] * (1 - A[i, j])
        elif code == S.LEAKY_RELU:
            for j in range(cols):
                D[i, j] = D[i, j] if Z[i, j] > 0 else alpha * D[i, j]
        elif code == S.ELU:
            for j in range(cols):
                D[i, j] = D[i, j] if Z[i, j] > 0 else D[i, j] * (A[i, j] + alpha)
        elif code == S.PRELU:
            for j in range(cols):
                if Z[i, j] <= 0:
                    g_prelu[j] += D[i, j] * Z[i, j]
                    D[i, j] *= prelu[j]


# --- losses --------------------------------------------------------------------------------------


@njit
def _loss(code, A, Y, D, scale):
    """Sum of per-sample losses and the number correct; ``D = scale * dL/dA`` per sample."""
    rows, cols = A.shape
    total = 0.0
    correct = 0.0
    for i in range(rows):
        if code == S.SOFTMAX_CE:
            m = A[i, 0]
            best = 0
            ybest = 0
            for j in range(1, cols):
                if A[i, j] > m:
                    m = A[i, j]
                    best = j
                if Y[i, j] > Y[i, ybest]:
                    ybest = j
            s = 0.0
            ysum = 0.0
            yz = 0.0
            for j in range(cols):
                s += math.exp(A[i, j] - m)      # the row max is subtracted: exp never overflows
                ysum += Y[i, j]
                yz += Y[i, j] * A[i, j]
            lse = m + math.log(s)
            total += lse * ysum - yz
            for j in range(cols):
                D[i, j] = scale * (math.exp(A[i, j] - lse) * ysum - Y[i, j])
            if best == ybest:
                correct += 1
            continue
        hits = 0.0
        for j in range(cols):
            z = A[i, j]
            y = Y[i, j]
            if code == S.MSE:
                d = z - y
                total += 0.5 * d * d
                D[i, j] = scale * d
            elif code == S.BCE:
                e = math.exp(-abs(z))
                total += max(z, 0.0) - z * y + math.log1p(e)
                sig = 1 / (1 + e) if z >= 0 else e / (1 + e)
                D[i, j] = scale * (sig - y)
                hits += (z > 0) == (y > 0.5)
            else:  # hinge
                margin = 1 - y * z
                if margin > 0:
                    total += margin
                    D[i, j] = -scale * y
                else:
                    D[i, j] = 0
                hits += (z > 0) == (y > 0)
        correct += hits / cols
    return total, correct


# --- forward and backward through the whole network on the rows staged in the workspace ----------


@njit
def _forward(sizes, act, act_alpha, w_off, b_off, p_off, drop, params, work, plan, t_off, rows,
             seed, t, sample_ids):
    n_layers = act.shape[0]
    for layer in range(n_layers):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        A_in = _view(work, plan[layer, _IN], rows, fan_in)
        if drop[layer] > 0:
            keep = 1.0 - drop[layer]
            mask = _view(work, plan[layer, _MASK], rows, fan_in)
            source = A_in if layer == 0 else _view(work, plan[layer - 1, _A], rows, fan_in)
            batch_key = _mix(np.uint64(seed) ^ _mix(np.uint64(t)))
            for i in range(rows):
                row_key = _mix(batch_key ^ np.uint64(sample_ids[i]))
                for j in range(fan_in):
                    u = _mix(row_key ^ ((np.uint64(layer) << _S32) | np.uint64(j)))
                    mask[i, j] = 1.0 / keep if (u >> _S11) * 2.0 ** -53 < keep else 0.0
                    A_in[i, j] = source[i, j] * mask[i, j]
        W = params[w_off[layer]:w_off[layer] + fan_in * fan_out].reshape((fan_in, fan_out))
        b = params[b_off[layer]:b_off[layer] + fan_out]
        Z = _view(work, plan[layer, _Z], rows, fan_out)
        _mm(A_in, W, Z, work[t_off:])
        prelu = params[p_off[layer]:p_off[layer] + fan_out] if p_off[layer] >= 0 else b
        _bias_activate(act[layer], act_alpha[layer], prelu, b, Z,
                       _view(work, plan[layer, _A], rows, fan_out))


@njit
def _backward(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss, params, grad, work,
              plan, y_off, d_off, d_len, t_off, rows):
    """Loss of the staged batch and its gradient into ``grad``; returns (mean loss, correct)."""
    n_layers = act.shape[0]
    n_out = sizes[n_layers]
    D = _view(work, d_off, rows, n_out)
    A_out = _view(work, plan[n_layers - 1, _A], rows, n_out)
    total, correct = _loss(loss, A_out, _view(work, y_off, rows, n_out), D, 1.0 / rows)
    value = total / rows
    ping = 0
    for layer in range(n_layers - 1, -1, -1):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        D = _view(work, d_off + ping * d_len, rows, fan_out)
        W = params[w_off[layer]:w_off[layer] + fan_in * fan_out].reshape((fan_in, fan_out))
        gW = grad[w_off[layer]:w_off[layer] + fan_in * fan_out].reshape((fan_in, fan_out))
        gb = grad[b_off[layer]:b_off[layer] + fan_out]
        if act[layer] != S.IDENTITY:
            has_prelu = p_off[layer] >= 0
            prelu = params[p_off[layer]:p_off[layer] + fan_out] if has_prelu else gb
            g_prelu = grad[p_off[layer]:p_off[layer] + fan_out] if has_prelu else gb
            _activation_backward(act[layer], act_alpha[layer], prelu, g_prelu,
                                 _view(work, plan[layer, _Z], rows, fan_out),
                                 _view(work, plan[layer, _A], rows, fan_out), D)
        _mm_tn(_view(work, plan[layer, _IN], rows, fan_in), D, gW, work[t_off:])
        gb[:] = 0
        for i in range(rows):
            for j in range(fan_out):
                gb[j] += D[i, j]
        if l1[layer] != 0 or l2[layer] != 0:
            value += _penalty(W, gW, l1[layer], l2[layer])
        if layer > 0:
            ping = 1 - ping
            D_prev = _view(work, d_off + ping * d_len, rows, fan_in)
            _mm_nt(D, W, D_prev, work[t_off:])
            if drop[layer] > 0:
                mask = _view(work, plan[layer, _MASK], rows, fan_in)
                for i in range(rows):
                    for j in range(fan_in):
                        D_prev[i, j] *= mask[i, j]
    return value, correct


@njit
def _penalty(W, gW, l1, l2):
    value = 0.0
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            w = W[i, j]
            value += l1 * abs(w) + l2 * w * w
            gW[i, j] += l1 * np.sign(w) + 2 * l2 * w
    return value


# --- optimizer: one loop over the flat parameter buffer ---------------------------------------------


@njit
def _update(opt, params, grad, state, t, h):
    """One optimizer step over the flat buffer (numpy_ref.optimizer_update's rules).

    The step's scalars are first stored in ``h`` (an array of the parameter dtype), so float32
    updates run in float32 like the reference and each branch-free loop vectorises."""
    lr, b1, b2 = opt[S.OPT_LR], opt[S.OPT_BETA1], opt[S.OPT_BETA2]
    h[0], h[1], h[2] = lr, opt[S.OPT_WEIGHT_DECAY], opt[S.OPT_EPS]
    h[3], h[4], h[5] = opt[S.OPT_MOMENTUM], b1, 1 - b1
    h[6], h[7], h[8] = b2, 1 - b2, lr / (1 - b1 ** t)
    h[9], h[10] = math.sqrt(1 - b2 ** t), lr / (1 + (t - 1) * opt[S.OPT_LR_DECAY])
    h[11], h[12] = opt[S.OPT_ALPHA], 1 - opt[S.OPT_ALPHA]
    lr, wd, eps, mu = h[0], h[1], h[2], h[3]
    code = int(opt[S.OPT_CODE])
    m = state[0]
    v = state[1]
    n = params.shape[0]
    if code == S.SGD and mu == 0:
        for i in range(n):
            params[i] -= lr * (grad[i] + wd * params[i])
    elif code == S.SGD and opt[S.OPT_NESTEROV] != 0:
        for i in range(n):
            g = grad[i] + wd * params[i]
            m[i] = mu * m[i] + g
            params[i] -= lr * (g + mu * m[i])
    elif code == S.SGD:
        for i in range(n):
            m[i] = mu * m[i] + grad[i] + wd * params[i]
            params[i] -= lr * m[i]
    elif code == S.ADAGRAD:
        clr = h[10]
        for i in range(n):
            g = grad[i] + wd * params[i]
            m[i] += g * g
            params[i] -= clr * g / (np.sqrt(m[i]) + eps)
    elif code == S.RMSPROP:
        alpha, one_minus_alpha = h[11], h[12]
        for i in range(n):
            g = grad[i] + wd * params[i]
            m[i] = alpha * m[i] + one_minus_alpha * g * g
            if mu != 0:
                v[i] = mu * v[i] + g / (np.sqrt(m[i]) + eps)
                params[i] -= lr * v[i]
            else:
                params[i] -= lr * g / (np.sqrt(m[i]) + eps)
    else:  # Adam
        b1, one_minus_b1, b2, one_minus_b2, step_size, sqrt_bc2 = h[4], h[5], h[6], h[7], h[8], h[9]
        for i in range(n):
            g = grad[i] + wd * params[i]
            m[i] = b1 * m[i] + one_minus_b1 * g
            v[i] = b2 * v[i] + one_minus_b2 * g * g
            params[i] -= step_size * m[i] / (np.sqrt(v[i]) / sqrt_bc2 + eps)


# --- compiled entry points -------------------------------------------------------------------------


@njit
def _train_epoch(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                 params, state, X, Y, order, batch_size, opt, step, seed, work, grad):
    n = order.shape[0]
    n_in, n_out = sizes[0], sizes[act.shape[0]]
    plan, y_off, d_off, d_len, t_off, _ = _plan(sizes, act, drop, batch_size)
    total = 0.0
    correct = 0.0
    h = np.empty(16, params.dtype)
    n_batches = (n + batch_size - 1) // batch_size
    for batch in range(n_batches):
        start = batch * batch_size
        rows = min(batch_size, n - start)
        ids = order[start:start + rows]
        Xb = _view(work, plan[0, _IN], rows, n_in)
        Yb = _view(work, y_off, rows, n_out)
        for i in range(rows):
            Xb[i, :] = X[ids[i], :]
            Yb[i, :] = Y[ids[i], :]
        t = step + batch + 1
        _forward(sizes, act, act_alpha, w_off, b_off, p_off, drop, params, work, plan, t_off,
                 rows, seed, t, ids)
        value, hits = _backward(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                                params, grad, work, plan, y_off, d_off, d_len, t_off, rows)
        total += value * rows
        correct += hits
        _update(opt, params, grad, state, t, h)
    return total / n, correct / n


@njit
def _loss_and_grad(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                   params, X, Y, grad):
    rows, n_in = X.shape
    no_drop = np.zeros_like(drop)
    plan, y_off, d_off, d_len, t_off, length = _plan(sizes, act, no_drop, rows)
    work = np.empty(length, params.dtype)
    _view(work, plan[0, _IN], rows, n_in)[:, :] = X
    _view(work, y_off, rows, Y.shape[1])[:, :] = Y
    grad[:] = 0
    _forward(sizes, act, act_alpha, w_off, b_off, p_off, no_drop, params, work, plan, t_off,
             rows, np.uint64(0), np.int64(0), np.empty(0, np.int64))
    value, _ = _backward(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, no_drop, loss,
                         params, grad, work, plan, y_off, d_off, d_len, t_off, rows)
    return value


@njit
def _predict(sizes, act, act_alpha, w_off, b_off, p_off, drop, params, X, out, chunk):
    n, n_in = X.shape
    n_layers = act.shape[0]
    no_drop = np.zeros_like(drop)
    plan, _, _, _, t_off, length = _plan(sizes, act, no_drop, chunk)
    work = np.empty(length, params.dtype)
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        _view(work, plan[0, _IN], rows, n_in)[:, :] = X[start:start + rows]
        _forward(sizes, act, act_alpha, w_off, b_off, p_off, no_drop, params, work, plan, t_off,
                 rows, np.uint64(0), np.int64(0), np.empty(0, np.int64))
        out[start:start + rows] = _view(work, plan[n_layers - 1, _A], rows, out.shape[1])


@njit
def _evaluate(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss, params, X, Y, chunk):
    n, n_in = X.shape
    n_layers = act.shape[0]
    n_out = sizes[n_layers]
    no_drop = np.zeros_like(drop)
    plan, _, d_off, _, t_off, length = _plan(sizes, act, no_drop, chunk)
    work = np.empty(length, params.dtype)
    total = 0.0
    correct = 0.0
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        _view(work, plan[0, _IN], rows, n_in)[:, :] = X[start:start + rows]
        _forward(sizes, act, act_alpha, w_off, b_off, p_off, no_drop, params, work, plan, t_off,
                 rows, np.uint64(0), np.int64(0), np.empty(0, np.int64))
        part, hits = _loss(loss, _view(work, plan[n_layers - 1, _A], rows, n_out),
                           Y[start:start + rows], _view(work, d_off, rows, n_out), 1.0)
        total += part
        correct += hits
    value = total / n
    for layer in range(n_layers):
        if l1[layer] != 0 or l2[layer] != 0:
            W = params[w_off[layer]:w_off[layer] + sizes[layer] * sizes[layer + 1]]
            for w in W:
                value += l1[layer] * abs(w) + l2[layer] * w * w
    return value, correct / n


# --- the back-end contract ---------------------------------------------------------------------------


def forward(spec, params, X, out):
    """Network outputs for ``X`` into ``out`` (see :mod:`fastnn.backends`)."""
    s = spec
    _predict(s.sizes, s.act, s.act_alpha, s.w_off, s.b_off, s.p_off, s.drop, params, X, out,
             min(max(X.shape[0], 1), 4096))
    return out


def evaluate(spec, params, X, Y):
    """Mean loss plus penalty and accuracy, without a gradient (see :mod:`fastnn.backends`)."""
    return _evaluate(*spec.arrays(), params, X, Y, min(max(X.shape[0], 1), 4096))


def layer_outputs(spec, params, X):
    """Every layer's activations (see :mod:`fastnn.backends`)."""
    return _host_engine.layer_outputs(forward, spec, params, X)


def loss_and_grad(spec, params, X, Y, grad):
    """Mean loss plus penalty, gradient into ``grad`` (see :mod:`fastnn.backends`)."""
    return _loss_and_grad(*spec.arrays(), params, X, Y, grad)


def workspace(spec, batch_size, dtype):
    """The flat work buffer and gradient buffer ``_train_epoch`` needs for this batch size."""
    length = _plan(spec.sizes, spec.act, spec.drop, batch_size)[-1]
    return np.empty(length, dtype), np.empty(spec.n_params, dtype)


def train_epoch(spec, params, state, X, Y, order, batch_size, opt, step, seed, buffers=None):
    """One epoch in one compiled call (see :mod:`fastnn.backends`); ``buffers`` from :func:`workspace`."""
    work, grad = buffers if buffers is not None else workspace(spec, batch_size, params.dtype)
    return _train_epoch(*spec.arrays(), params, state, X, Y, order, batch_size, opt,
                        step, np.uint64(seed), work, grad)


def Engine(spec, params, state, X, Y, batch_size):
    """A :class:`~fastnn.backends._host_engine.HostEngine` whose work buffers live as long as it does."""
    return HostEngine(train_epoch, workspace, spec, params, state, X, Y, batch_size)
