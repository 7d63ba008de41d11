"""The compiled kernel of the Numba CPU back end: one function per network specialisation.

:func:`kernel` returns a jitted function for one combination of *constants*: the network's
distinct activations (up to :data:`SLOTS`), its loss, and whether it has dropout or an L1/L2
penalty.  They are free variables of the closure, so Numba prunes the branches of everything
else before type inference: a kernel compiles only what its network runs, every inner loop is
branch-free, and closures over plain values cache on disk like module-level functions.

The same function serves every use of the network (``mode``): a training epoch, outputs,
loss without gradient, and loss with gradient.  A first ``fit`` therefore compiles once, and its
``evaluate``/``predict`` compile nothing more.  Everything is one compiled function except the
BLAS call, the optimizer update and the activation rules (each separately compiled library
costs its own wrappers, optimisation and code generation, which dominate the cold start).

Every matrix product goes to BLAS, even Playground-sized ones: OpenBLAS's small-matrix kernels,
called directly (:mod:`._numba_blas`), beat plain loops compiled like the kernel's own at all but
one of the headline networks' shapes, from 10x8x2 (26 ns against 52 ns) to 32x64x64 (2.3 us
against 22 us); the exception, a 2x8x10 weight gradient, is 0.04 us slower.  See
``benchmarks/small_products.py`` and its results.

Buffers are flat and addressed by offsets (no array views: a view costs a reshape check per use,
and Numba compiles the reshape's error message into every function that makes one).  The
per-element rules of the activations come from :mod:`fastnn.activations` (shared with the CUDA
kernels); the formulas of the losses and optimizers are in :mod:`fastnn.backends.numpy_ref`.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from numba import types
from numba.extending import overload

from .. import _spec as S
from .. import activations as acts
from . import _numba_blas as blas
from . import _vecmath as vm
from ._jit import FASTMATH, jitable, njit

SLOTS = 4      # distinct activations a kernel is specialised for; more take a generic path

# Modes of a kernel call; slots of its ``ints`` argument; columns of its layer tables.
TRAIN, OUTPUTS, LOSS, GRADIENT = range(4)
MODE, BATCH, STEP, Y_OFF, D_OFF, D_LEN, PER_WEIGHT = range(7)
FAN_IN, FAN_OUT, ACT, W_OFF, B_OFF, P_OFF, IN, MASK, Z, A = range(10)
ALPHA, L1, L2, DROP, BIAS = range(5)
# The last SCALARS values of ``work`` hold a step's hyper-parameters rounded to the parameter
# dtype (a buffer allocated in the kernel would cost np.empty's overloads in every compile).
SCALARS = 16
ONE = SCALARS - 1    # the slot of 1 (a float32 1 keeps float32 products in float32)

# Update loops (optimizer_variant); momentum 0 and > 0 are different loops.
SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, RMSPROP_MOMENTUM, ADAM = range(7)


def optimizer_variant(opt) -> int:
    """The update loop the optimizer vector ``opt`` needs."""
    code, momentum = int(opt[S.OPT_CODE]), opt[S.OPT_MOMENTUM]
    if code == S.SGD:
        if momentum == 0:
            return SGD
        return NESTEROV if opt[S.OPT_NESTEROV] else MOMENTUM
    if code == S.RMSPROP:
        return RMSPROP_MOMENTUM if momentum != 0 else RMSPROP
    return ADAGRAD if code == S.ADAGRAD else ADAM


# --- the activation rules, compiled per constant code -------------------------------------------

_TANH_CLAMP = np.float32(7.90531110763549805)
_TANH_P = tuple(np.float32(c) for c in (
    -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-08,
    1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03))
_TANH_Q = tuple(np.float32(c) for c in (
    1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03))


@overload(acts.tanh)
def _tanh_rule(z, alpha):
    """tanh in float32 arithmetic as a rational function of z (Eigen's minimax fit, clamped where
    tanh rounds to +-1): max error 3.5e-7, and unlike libm's tanhf it vectorises.  float64 uses
    :func:`fastnn.backends._vecmath.tanh` (within 4 ulp of the C library's, and vectorised)."""
    if z != types.float32:
        return lambda z, alpha: vm.tanh(z)

    def tanh32(z, alpha):
        # conditional expressions, not min/max: each builtin is one more function to compile
        x = -_TANH_CLAMP if z < -_TANH_CLAMP else (_TANH_CLAMP if z > _TANH_CLAMP else z)
        x2 = x * x
        p = _TANH_P[0]
        for c in _TANH_P[1:]:
            p = p * x2 + c
        q = _TANH_Q[0]
        for c in _TANH_Q[1:]:
            q = q * x2 + c
        return x * p / q
    return tanh32


for _rule in {f for a in acts.BY_CODE for f in (a.forward, a.grad)} - {acts.tanh}:
    jitable(_rule)


@overload(acts._sigmoid)
def _sigmoid_rule(z):
    """activations._sigmoid with the vectorising exp (both branches are straight-line code, so
    LLVM selects between them instead of branching)."""
    def sigmoid(z):
        if z >= 0:
            return 1.0 / (1.0 + vm.exp(-z))
        e = vm.exp(z)
        return e / (1.0 + e)
    return sigmoid


def _literal(value):
    if not isinstance(value, types.Literal):
        raise TypeError(f"fastnn kernels call activation rules with constant codes, got {value}")
    return value.literal_value


def forward_rule(code, z, alpha):
    """``f(z, alpha)`` of activation ``code`` (a compile-time constant in the kernel)."""


@overload(forward_rule, prefer_literal=True)
def _forward_rule(code, z, alpha):
    rule = acts.BY_CODE[_literal(code)].forward
    return lambda code, z, alpha: rule(z, alpha)


def grad_rule(code, z, a, alpha):
    """``df(z, a, alpha)`` of activation ``code`` (a compile-time constant in the kernel)."""


@overload(grad_rule, prefer_literal=True)
def _grad_rule(code, z, a, alpha):
    rule = acts.BY_CODE[_literal(code)].grad
    return lambda code, z, a, alpha: rule(z, a, alpha)


# --- the kernel ------------------------------------------------------------------------------------


def specialisation(spec):
    """The :func:`kernel` key of a network: its activation slots, loss and flags."""
    codes = sorted({int(code) for code in spec.act} - {acts.IDENTITY, acts.PRELU})
    generic = len(codes) > SLOTS
    slots = tuple(([] if generic else codes) + [-1] * SLOTS)[:SLOTS]
    return slots + (generic, bool((spec.p_off >= 0).any()), int(spec.loss),
                    bool(spec.drop.any()), bool(spec.l1.any() or spec.l2.any()))


_built = {}    # specialisation -> (update loop, sparse, weighted) of the first kernel built for it


def kernel_for(key, variant=None, sparse=False, weighted=False):
    """The kernel of specialisation ``key`` with update loop ``variant``, (``sparse``) the
    sparse first-layer path and (``weighted``) sample weights; ``variant`` None (inference and
    gradients, which run no update) reuses whichever kernel this process already built for
    ``key``, with the sparse path or weights added when the call needs them (a kernel with
    either handles calls without it too)."""
    if variant is None:
        variant, built_sparse, built_weighted = _built.get(key, (SGD, False, False))
        sparse, weighted = sparse or built_sparse, weighted or built_weighted
    _built.setdefault(key, (variant, sparse, weighted))
    return kernel(*key, variant, sparse, weighted)


@functools.cache
def kernel(c0, c1, c2, c3, generic, prelu, loss, dropout, penalised, variant, sparse, weighted):
    """The compiled kernel of one specialisation (see the module docstring and
    :func:`specialisation`); ``c0..c3`` are activation codes or -1, then flags, the loss code,
    the optimizer update loop (:func:`optimizer_variant`), whether inputs may come as sparse
    rows and whether samples may carry weights (without them, none of their code is compiled)."""
    parametric = acts.PRELU           # a free variable: the rules see it as a constant
    # Plain SGD without a penalty is applied inside the weight-gradient product (BLAS computes
    # W = (1 - lr wd) W - lr A.T dZ with alpha = -lr, beta = 1 - lr wd): the gradient of W is
    # never written, read back and added in a separate pass over the parameters.
    fused = variant == SGD and not penalised and not prelu
    # Branches on free variables are pruned before typing, those on module attributes
    # (``loss == S.MSE``) are not: the kernel tests these booleans, so only its loss is compiled.
    softmax_ce, mse, bce = loss == S.SOFTMAX_CE, loss == S.MSE, loss == S.BCE

    @njit
    def run(ints, net, netf, params, state, X, Y, order, opt, seed, work, grad, out, args, rows_of_x,
            weights, history, older, per_row):
        """Passes over the rows ``order[e]`` of ``X`` in batches of ``ints[BATCH]`` rows, one per
        row ``e`` of ``order`` (E, n) with the hyper-parameters ``opt[e]`` (E, OPT_SIZE); ``net`` and
        ``netf`` are the layer tables of ``numba_cpu.layer_tables`` (sizes, activation codes and
        offsets into ``params``, ``grad`` and ``work``; alphas, penalties and dropout rates),
        ``args`` the BLAS argument buffers; ``work`` ends in SCALARS scratch values.
        ``ints[MODE]`` is one of

        * TRAIN: forward (dropout), loss, backward, penalty and optimizer step per batch; each
          row of ``order`` is one epoch, its batches steps ``ints[STEP] + e * batches + b + 1``.
          Epoch ``e`` writes ``history[e] = (its return value)`` and a non-finite loss ends the
          call after it; before the last of several epochs, ``params`` and ``state`` are copied
          into ``older`` (n_params * 3,), the snapshot of the epoch before the last;
        * OUTPUTS: the network outputs into ``out`` (rows in ``order``'s order);
        * LOSS: the loss against ``Y`` without a gradient;
        * GRADIENT: one batch (all of ``order``): loss and gradient into ``grad``.

        ``rows_of_x`` is ``X`` as compressed sparse rows ``(indptr, indices, values)`` (empty
        arrays when not given): the first layer's products then visit only its non-zeros (or,
        with dropout on the input, each batch's rows are scattered into a dense block).
        ``weights`` (float64, one per row of ``X``; empty when none) turn each batch's mean
        loss into ``sum w_i l_i / sum w_i``; ``ints[PER_WEIGHT]`` divides the penalty by that
        weight sum (the row count without weights).  ``per_row`` (float64, max(4, n_out) per row
        of a batch) is the scratch of the softmax and binary cross-entropies.
        Returns ``(sum over batches of rows * mean loss (with penalty), number correct)`` of the
        last pass, the loss summed with the weights in LOSS mode.
        """
        mode, batch_size, step = ints[MODE], ints[BATCH], ints[STEP]
        x_ptr, x_idx, x_val = rows_of_x
        # Every test of the sparse path starts with the free variable ``sparse``: Numba prunes
        # such branches before typing, so a dense kernel compiles none of that code.
        given_rows = sparse and x_ptr.shape[0] > 0
        by_rows = given_rows and not (dropout and mode == TRAIN and netf[0, DROP] > 0)
        has_w = weighted and weights.shape[0] > 0
        y_off, d_off, d_len = ints[Y_OFF], ints[D_OFF], ints[D_LEN]
        n_epochs, n = order.shape
        n_batches = (n + batch_size - 1) // batch_size
        n_layers = net.shape[0]
        n_in, n_out = net[0, FAN_IN], net[n_layers - 1, FAN_OUT]
        h = work[work.shape[0] - SCALARS:]
        total = 0.0
        correct = 0.0
        training = mode == TRAIN
        n_params = params.shape[0]
        for epoch in range(n_epochs):
            epoch_rows = order[epoch]
            o = opt[epoch]
            if training and n_epochs > 1 and epoch == n_epochs - 1:
                for q in range(n_params):
                    older[q] = params[q]
                    older[n_params + q] = state[0, q]
                    older[2 * n_params + q] = state[1, q]
            total = 0.0
            correct = 0.0
            for batch in range(n_batches):
                start = batch * batch_size
                rows = batch_size if n - start > batch_size else n - start
                ids = epoch_rows[start:start + rows]
                t = step + epoch * n_batches + batch + 1
                # Blocks are 1-D slices indexed from 0: LLVM can then prove every index non-negative,
                # drop Numba's wrap-around check and vectorise (flat offsets ran 10x slower).
                Xb = work[net[0, IN]:net[0, IN] + rows * n_in]
                Yb = work[y_off:y_off + rows * n_out]
                for i in range(rows):
                    if not sparse or not given_rows:
                        for j in range(n_in):
                            Xb[i * n_in + j] = X[ids[i], j]
                    elif not by_rows:               # sparse rows under input dropout: a dense block
                        x_row = Xb[i * n_in:(i + 1) * n_in]
                        for j in range(n_in):
                            x_row[j] = 0
                        for q in range(x_ptr[ids[i]], x_ptr[ids[i] + 1]):
                            x_row[x_idx[q]] = x_val[q]
                    if mode != OUTPUTS:
                        for j in range(n_out):
                            Yb[i * n_out + j] = Y[ids[i], j]
                # -- forward: Z = D(A_prev) @ W + b, A = f(Z)
                for layer in range(n_layers):
                    k, m = net[layer, FAN_IN], net[layer, FAN_OUT]
                    Ain = work[net[layer, IN]:net[layer, IN] + rows * k]
                    Zl = work[net[layer, Z]:net[layer, Z] + rows * m]
                    Al = work[net[layer, A]:net[layer, A] + rows * m]
                    b = params[net[layer, B_OFF]:net[layer, B_OFF] + m]
                    if dropout and training and netf[layer, DROP] > 0:
                        keep = 1.0 - netf[layer, DROP]
                        source = net[0, IN] if layer == 0 else net[layer - 1, A]
                        Src = work[source:source + rows * k]
                        Mask = work[net[layer, MASK]:net[layer, MASK] + rows * k]
                        batch_key = _mix(np.uint64(seed) ^ _mix(np.uint64(t)))
                        for i in range(rows):
                            row_key = _mix(batch_key ^ np.uint64(ids[i]))
                            for j in range(k):
                                u = _mix(row_key ^ ((np.uint64(layer) << _S32) | np.uint64(j)))
                                q = i * k + j
                                Mask[q] = 1.0 / keep if (u >> _S11) * 2.0 ** -53 < keep else 0.0
                                Ain[q] = Src[q] * Mask[q]
                    for i in range(rows):
                        for j in range(m):
                            Zl[i * m + j] = b[j]
                    if sparse and by_rows and layer == 0:   # Z row i += x * W row p for each non-zero (p, x)
                        W = params[net[0, W_OFF]:net[0, W_OFF] + k * m]
                        for i in range(rows):
                            z_row = Zl[i * m:(i + 1) * m]
                            for q in range(x_ptr[ids[i]], x_ptr[ids[i] + 1]):
                                x, w_row = x_val[q], W[x_idx[q] * m:(x_idx[q] + 1) * m]
                                for j in range(m):
                                    z_row[j] += x * w_row[j]
                    else:
                        blas.gemm(0, 0, rows, m, k, 1.0, work, net[layer, IN], params,
                                  net[layer, W_OFF], 1.0, work, net[layer, Z], args)
                    code = net[layer, ACT]
                    alpha = params.dtype.type(netf[layer, ALPHA])
                    if c0 >= 0 and code == c0:
                        for q in range(rows * m):
                            Al[q] = forward_rule(c0, Zl[q], alpha)
                    elif c1 >= 0 and code == c1:
                        for q in range(rows * m):
                            Al[q] = forward_rule(c1, Zl[q], alpha)
                    elif c2 >= 0 and code == c2:
                        for q in range(rows * m):
                            Al[q] = forward_rule(c2, Zl[q], alpha)
                    elif c3 >= 0 and code == c3:
                        for q in range(rows * m):
                            Al[q] = forward_rule(c3, Zl[q], alpha)
                    elif prelu and code == acts.PRELU:    # one learned slope per unit
                        slopes = params[net[layer, P_OFF]:net[layer, P_OFF] + m]
                        for i in range(rows):
                            for j in range(m):
                                Al[i * m + j] = forward_rule(parametric, Zl[i * m + j], slopes[j])
                    elif generic and code != acts.IDENTITY:
                        for q in range(rows * m):
                            Al[q] = _any_forward(code, Zl[q], alpha)
                # -- the outputs, or the loss and dL/dZ of the last layer
                result = net[n_layers - 1, A]
                Out = work[result:result + rows * n_out]
                if mode == OUTPUTS:
                    for i in range(rows):
                        for j in range(n_out):
                            out[ids[i], j] = Out[i * n_out + j]
                    continue
                with_grad = mode != LOSS
                scale = 1.0 / rows
                if weighted and has_w:
                    w_sum = 0.0
                    for i in range(rows):
                        w_sum += weights[ids[i]]
                    scale = 1.0 / w_sum if w_sum > 0 else 0.0
                Dl = work[d_off:d_off + rows * n_out]
                part = 0.0
                if softmax_ce:
                    # log-sum-exp row by row in passes over the whole batch, so that the exp and
                    # log loops run over contiguous values and vectorise (inside a row's loop
                    # they were one scalar call per value): the row's max and hit, Out - max
                    # into Dl, exp of all of Dl, the sums (float64, in row order), their logs
                    e_sums, lse = per_row[:rows], per_row[rows:2 * rows]
                    ysum, yzs = per_row[2 * rows:3 * rows], per_row[3 * rows:4 * rows]
                    for i in range(rows):
                        r0 = i * n_out
                        big = Out[r0]
                        best = 0
                        ybest = 0
                        for j in range(1, n_out):
                            if Out[r0 + j] > big:
                                big = Out[r0 + j]
                                best = j
                            if Yb[r0 + j] > Yb[r0 + ybest]:
                                ybest = j
                        y_sum = 0.0
                        yz = 0.0
                        for j in range(n_out):
                            Dl[r0 + j] = Out[r0 + j] - big      # <= 0: every exp <= 1
                            y_sum += Yb[r0 + j]
                            yz += Yb[r0 + j] * Out[r0 + j]
                        lse[i], ysum[i], yzs[i] = big, y_sum, yz
                        if best == ybest:
                            correct += 1
                    for q in range(rows * n_out):
                        Dl[q] = vm.exp(Dl[q])
                    for i in range(rows):
                        e_sum = 0.0
                        for j in range(n_out):
                            e_sum += Dl[i * n_out + j]
                        e_sums[i] = e_sum
                    for i in range(rows):
                        lse[i] += vm.log(e_sums[i])
                elif bce:                           # exp(-|z|) into Dl, log1p of it (float64)
                    softplus = per_row[:rows * n_out]
                    for q in range(rows * n_out):
                        Dl[q] = vm.exp(-abs(Out[q]))
                        softplus[q] = vm.log1p(Dl[q])
                for i in range(rows):
                    r0 = i * n_out
                    wi = 1.0                        # the row's weight; its share of the gradient:
                    rs = scale
                    if weighted and has_w:
                        wi = weights[ids[i]]
                        rs = scale * wi
                    if softmax_ce:                  # its exp and logs: the passes above
                        part += wi * (lse[i] * ysum[i] - yzs[i])
                        if with_grad:
                            e_sum, y_sum = e_sums[i], ysum[i]
                            for j in range(n_out):
                                Dl[r0 + j] = rs * (Dl[r0 + j] / e_sum * y_sum - Yb[r0 + j])
                    else:
                        hits = 0.0
                        for j in range(n_out):
                            z = Out[r0 + j]
                            y = Yb[r0 + j]
                            if mse:
                                d = z - y
                                part += wi * (0.5 * d * d)
                                if with_grad:
                                    Dl[r0 + j] = rs * d
                            elif bce:
                                e = Dl[r0 + j]
                                part += wi * ((z if z > 0.0 else 0.0) - z * y + softplus[r0 + j])
                                if with_grad:
                                    sig = 1 / (1 + e) if z >= 0 else e / (1 + e)
                                    Dl[r0 + j] = rs * (sig - y)
                                hits += (z > 0) == (y > 0.5)
                            else:  # hinge
                                margin = 1 - y * z
                                if margin > 0:
                                    part += wi * margin
                                if with_grad:
                                    Dl[r0 + j] = -rs * y if margin > 0 else 0.0
                                hits += (z > 0) == (y > 0)
                        correct += hits / n_out
                value = part / rows
                if weighted and has_w:
                    value = part * scale
                if mode == LOSS:
                    total += part
                    continue
                # the penalty's factor: 1, or 1 / (the batch's weight sum) under PER_WEIGHT
                penalty_scale = (scale if ints[PER_WEIGHT] else 1.0) if penalised else 1.0
                # -- backward: dL/dZ through every layer, gradients into grad
                ping = 0
                for layer in range(n_layers - 1, -1, -1):
                    k, m = net[layer, FAN_IN], net[layer, FAN_OUT]
                    d0 = d_off + ping * d_len
                    Ain = work[net[layer, IN]:net[layer, IN] + rows * k]
                    Zl = work[net[layer, Z]:net[layer, Z] + rows * m]
                    Al = work[net[layer, A]:net[layer, A] + rows * m]
                    Dl = work[d0:d0 + rows * m]
                    W = params[net[layer, W_OFF]:net[layer, W_OFF] + k * m]
                    gW = grad[net[layer, W_OFF]:net[layer, W_OFF] + k * m]
                    gb = grad[net[layer, B_OFF]:net[layer, B_OFF] + m]
                    code = net[layer, ACT]
                    alpha = params.dtype.type(netf[layer, ALPHA])
                    if c0 >= 0 and code == c0:
                        for q in range(rows * m):
                            Dl[q] *= grad_rule(c0, Zl[q], Al[q], alpha)
                    elif c1 >= 0 and code == c1:
                        for q in range(rows * m):
                            Dl[q] *= grad_rule(c1, Zl[q], Al[q], alpha)
                    elif c2 >= 0 and code == c2:
                        for q in range(rows * m):
                            Dl[q] *= grad_rule(c2, Zl[q], Al[q], alpha)
                    elif c3 >= 0 and code == c3:
                        for q in range(rows * m):
                            Dl[q] *= grad_rule(c3, Zl[q], Al[q], alpha)
                    elif prelu and code == acts.PRELU:   # slope gradient: sum of dA * z where z <= 0
                        slopes = params[net[layer, P_OFF]:net[layer, P_OFF] + m]
                        g_slopes = grad[net[layer, P_OFF]:net[layer, P_OFF] + m]
                        for j in range(m):
                            g_slopes[j] = 0
                        for i in range(rows):
                            for j in range(m):
                                q = i * m + j
                                z = Zl[q]
                                if z <= 0:
                                    g_slopes[j] += Dl[q] * z
                                Dl[q] *= grad_rule(parametric, z, Al[q], slopes[j])
                    elif generic and code != acts.IDENTITY:
                        for q in range(rows * m):
                            Dl[q] *= _any_grad(code, Zl[q], Al[q], alpha)
                    # input gradient dA_prev = dZ @ W.T (W before this batch's update), then the
                    # dropout mask of this layer's input
                    e0 = d_off + (1 - ping) * d_len
                    if layer > 0:
                        blas.gemm(0, 1, rows, k, m, 1.0, work, d0, params, net[layer, W_OFF], 0.0,
                                  work, e0, args)
                        if dropout and training and netf[layer, DROP] > 0:
                            E = work[e0:e0 + rows * k]
                            Mask = work[net[layer, MASK]:net[layer, MASK] + rows * k]
                            for q in range(rows * k):
                                E[q] *= Mask[q]
                    # bias gradient gb = sum of dZ over rows, weight gradient gW = A_in.T @ dZ
                    for j in range(m):
                        gb[j] = 0
                    if netf[layer, BIAS] != 0:      # else the bias is not trained: gradient 0
                        for i in range(rows):
                            for j in range(m):
                                gb[j] += Dl[i * m + j]
                    if fused and training:          # plain SGD inside the product (see kernel())
                        h[0], h[1] = o[S.OPT_LR], 1 - o[S.OPT_LR] * o[S.OPT_WEIGHT_DECAY]
                        lr, decay = h[0], h[1]
                        b = params[net[layer, B_OFF]:net[layer, B_OFF] + m]
                        for j in range(m):
                            b[j] = decay * b[j] - lr * gb[j]
                        if sparse and by_rows and layer == 0:   # W row p -= lr * x * dZ row i per non-zero
                            if decay != 1:
                                for q in range(k * m):
                                    W[q] *= decay
                            _add_sparse_outer(W, -lr, x_ptr, x_idx, x_val, ids, rows, Dl, m)
                        else:
                            # float64 so that gemm has one signature (alpha, beta float64) to compile
                            blas.gemm(1, 0, k, m, rows, np.float64(-lr), work, net[layer, IN], work, d0,
                                      np.float64(decay), params, net[layer, W_OFF], args)
                    elif sparse and by_rows and layer == 0:   # gW row p += x * dZ row i for each non-zero
                        for q in range(k * m):
                            gW[q] = 0
                        h[ONE] = 1                  # in the parameter dtype, like -lr above
                        _add_sparse_outer(gW, h[ONE], x_ptr, x_idx, x_val, ids, rows, Dl, m)
                    else:
                        blas.gemm(1, 0, k, m, rows, 1.0, work, net[layer, IN], work, d0, 0.0, grad,
                                  net[layer, W_OFF], args)
                    if penalised and (netf[layer, L1] != 0 or netf[layer, L2] != 0):
                        l1 = netf[layer, L1] * penalty_scale
                        l2 = netf[layer, L2] * penalty_scale
                        for q in range(k * m):
                            w = W[q]
                            value += l1 * abs(w) + l2 * w * w
                            gW[q] += l1 * ((w > 0) - (w < 0)) + 2 * l2 * w
                    ping = 1 - ping
                total += value * rows
                if training and not fused:
                    _update(variant, o, params, grad, state, t, h)
            if training:
                history[epoch, 0] = total
                history[epoch, 1] = correct
                if not math.isfinite(total):
                    break
        return total, correct

    return run


# --- pieces the kernel calls ------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(k) for k in (11, 27, 30, 31, 32))


@jitable
def _add_sparse_outer(T, scale, x_ptr, x_idx, x_val, ids, rows, D, m):
    """``T (k, m) += scale * X[ids].T @ D`` for sparse rows ``X`` (CSR ``x_ptr, x_idx, x_val``)
    and a dense ``D (rows, m)``: row ``p`` of ``T`` gains ``scale * x * D[i]`` for every non-zero
    ``x`` at column ``p`` of row ``ids[i]`` (the first layer's weight gradient or SGD step)."""
    for i in range(rows):
        d_row = D[i * m:(i + 1) * m]
        for q in range(x_ptr[ids[i]], x_ptr[ids[i] + 1]):
            x, t_row = scale * x_val[q], T[x_idx[q] * m:(x_idx[q] + 1) * m]
            for j in range(m):
                t_row[j] += x * d_row[j]


@jitable
def _mix(x):
    """The splitmix64 finaliser of numpy_ref.dropout_uniform's counter hash."""
    x = x + _GOLDEN
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


_any_forward = jitable(acts.forward_rule)
_any_grad = jitable(acts.grad_rule)


def _update(variant, opt, params, grad, state, t, h):
    """One optimizer step ``t`` (1-based) over the flat buffer with the constant update loop
    ``variant`` (numpy_ref.optimizer_update's rules)."""


@overload(_update, prefer_literal=True, jit_options={"fastmath": set(FASTMATH)})
def _update_impl(variant, opt, params, grad, state, t, h):
    kind = _literal(variant)

    def update(variant, opt, params, grad, state, t, h):
        # The step's scalars are first stored in ``h`` (of the parameter dtype), so float32
        # updates run in float32 like the reference and each loop vectorises.
        lr, b1, b2 = opt[S.OPT_LR], opt[S.OPT_BETA1], opt[S.OPT_BETA2]
        h[0], h[1], h[2], h[3] = lr, opt[S.OPT_WEIGHT_DECAY], opt[S.OPT_EPS], opt[S.OPT_MOMENTUM]
        h[4], h[5], h[6], h[7] = b1, 1 - b1, b2, 1 - b2
        h[8], h[9] = lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)
        h[10] = lr / (1 + (t - 1) * opt[S.OPT_LR_DECAY])
        h[11], h[12] = opt[S.OPT_ALPHA], 1 - opt[S.OPT_ALPHA]
        lr, wd, eps, mu = h[0], h[1], h[2], h[3]
        m = state[0]
        v = state[1]
        n = params.shape[0]
        if kind == SGD:
            for i in range(n):
                params[i] -= lr * (grad[i] + wd * params[i])
        elif kind == NESTEROV:
            for i in range(n):
                g = grad[i] + wd * params[i]
                m[i] = mu * m[i] + g
                params[i] -= lr * (g + mu * m[i])
        elif kind == MOMENTUM:
            for i in range(n):
                m[i] = mu * m[i] + grad[i] + wd * params[i]
                params[i] -= lr * m[i]
        elif kind == ADAGRAD:
            clr = h[10]
            for i in range(n):
                g = grad[i] + wd * params[i]
                m[i] += g * g
                params[i] -= clr * g / (np.sqrt(m[i]) + eps)
        elif kind == RMSPROP:
            alpha, one_minus_alpha = h[11], h[12]
            for i in range(n):
                g = grad[i] + wd * params[i]
                m[i] = alpha * m[i] + one_minus_alpha * g * g
                params[i] -= lr * g / (np.sqrt(m[i]) + eps)
        elif kind == RMSPROP_MOMENTUM:
            alpha, one_minus_alpha = h[11], h[12]
            for i in range(n):
                g = grad[i] + wd * params[i]
                m[i] = alpha * m[i] + one_minus_alpha * g * g
                v[i] = mu * v[i] + g / (np.sqrt(m[i]) + eps)
                params[i] -= lr * v[i]
        else:  # Adam
            b1, one_minus_b1 = h[4], h[5]
            b2, one_minus_b2, step_size, sqrt_bc2 = h[6], h[7], h[8], h[9]
            for i in range(n):
                g = grad[i] + wd * params[i]
                m[i] = b1 * m[i] + one_minus_b1 * g
                v[i] = b2 * v[i] + one_minus_b2 * g * g
                params[i] -= step_size * m[i] / (np.sqrt(v[i]) / sqrt_bc2 + eps)
    return update
