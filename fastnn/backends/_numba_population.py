"""The compiled kernel of the numba population engine: many same-shaped networks, one per SIMD lane.

Every array is *member-minor*: value ``q`` of the flat layout of :mod:`fastnn._spec` (a weight,
a bias, an activation of row ``i``) of member ``m`` sits at ``q * M + m``, ``M`` members.  A
matrix product of a layer is then, for each row slot ``i``, input ``p`` and output ``j``, one
element-wise multiply-add over the ``M`` lanes, ``Z[i, j, :] += A[i, p, :] * W[p, j, :]``: no
BLAS (tiny products gain nothing from it), no reduction across lanes, and each member its own
weights, its own batch rows (its own shuffle and sample mask), its own hyper-parameters (arrays
over the lanes) and its own dropout masks.  Row slot ``i`` of a batch holds a different sample
for every member; a member with fewer rows in a batch (a smaller fold) has zero weight in its
unused slots, and a member with no row left in the batch (or not training) skips its update.

As in :mod:`fastnn.backends._numba_kernels` (whose recipe this follows), :func:`kernel` is a
factory over constants (activation slots, loss, flags, optimizer kind): closures over plain
values, cached on disk, with the branches of everything else pruned before typing; the
activation rules are its ``forward_rule``/``grad_rule`` overloads with literal codes; buffers are
1-D slices indexed from 0.  The formulas are :mod:`fastnn.backends.numpy_ref`'s.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import _spec as S
from .. import activations as acts
from . import _vecmath as vm
from ._jit import njit
from ._numba_kernels import SLOTS, _mix, forward_rule, grad_rule

TRAIN, OUTPUTS, LOSS = range(3)
# slots of ``ints``; columns of ``net`` (as numba_cpu's, offsets in lane units: times M)
MODE, BATCH, SHARED, Y_OFF, D_OFF, D_LEN, N_LANES = range(7)
FAN_IN, FAN_OUT, ACT, W_OFF, B_OFF, P_OFF, IN, MASK, Z, A = range(10)
# rows of ``lane_f`` (per layer and lane) and of the scratch ``h`` (per lane)
L1, L2, DROP = range(3)
(H_LR, H_WD, H_EPS, H_MU, H_B1, H_1B1, H_B2, H_1B2, H_STEP, H_BC2, H_CLR, H_ALPHA, H_1ALPHA,
 H_NESTEROV, H_ON, H_BIG) = range(16)
H_ROWS = 16
# rows of the float64 scratch ``acc`` (per lane)
(C_TOTAL, C_CORRECT, C_PART, C_HITS, C_ESUM, C_YSUM, C_YZ, C_BEST, C_YBEST, C_YBIG, C_ROWS,
 C_SCALE, C_VALUE, C_KEEP, C_L1, C_L2) = range(16)
ACC_ROWS = 16


def specialisation(spec, dropout, penalised, kind):
    """The :func:`kernel` key of a population: the activation slots of its shared spec, PReLU,
    loss, whether any member has dropout or a penalty, the optimizer kind (its code) and
    whether the penalty is divided by each batch's row count (``spec.penalty_per_weight``)."""
    codes = sorted({int(code) for code in spec.act} - {acts.IDENTITY, acts.PRELU})
    slots = tuple((codes + [-1] * SLOTS)[:SLOTS])
    return slots + (bool((spec.p_off >= 0).any()), int(spec.loss), bool(dropout),
                    bool(penalised), int(kind), bool(spec.penalty_per_weight))


def supported(spec) -> bool:
    """Whether one kernel covers the network (at most SLOTS distinct activations)."""
    return len({int(code) for code in spec.act} - {acts.IDENTITY, acts.PRELU}) <= SLOTS


@functools.cache
def kernel(c0, c1, c2, c3, prelu, loss, dropout, penalised, kind, per_weight):
    """The compiled population kernel of one specialisation (see :func:`specialisation`)."""
    parametric = acts.PRELU
    # Plain booleans of the closure: Numba prunes ``if flag:`` on them before typing, so each
    # kernel compiles one loss and one update loop (the per-kind work is most of its size).
    softmax, mse, bce = loss == S.SOFTMAX_CE, loss == S.MSE, loss == S.BCE
    sgd, adagrad, rmsprop, adam = (kind == S.SGD, kind == S.ADAGRAD, kind == S.RMSPROP,
                                   kind == S.ADAM)

    @njit
    def run(ints, net, netf, lane_f, params, state, grad, X, Y, orders, lane_i, opts, seeds,
            work, h, keys, picked, acc, out, history):
        """Passes over every member's rows in batches of ``ints[BATCH]`` row slots: one per
        row ``e`` of ``opts`` (E, M, OPT_SIZE), epoch ``e`` of every member with its
        hyper-parameters ``opts[e]``.

        ``orders`` (E_o, 2, n_max, M): each member's order of its own rows in epoch ``e`` (row
        ``min(e, E_o - 1)``: one row serves every epoch of members that do not shuffle; what
        ``fit`` passes its engine, the dropout hash uses it) and the rows of ``X`` they are;
        ``lane_i`` (1 + E, M): rows per member in every pass, then each epoch's optimizer step
        of the member before it; ``seeds`` (M,) per member; ``lane_f`` (3, n_layers, M): l1,
        l2, dropout rate; ``picked`` (M,) int64 scratch.
        ``ints[SHARED]`` makes every member use member 0's order (outputs and losses on one
        data set).  ``netf`` (n_layers, 2): the activation's alpha and 1 where the layer's bias
        is trained (0: its gradient is zero, ``fit_intercept=False``).  Modes: TRAIN, OUTPUTS
        (into ``out`` (M, n, n_out)), LOSS.  Sums of the batch losses (times rows) and hits per
        member go into ``acc[C_TOTAL]``, ``acc[C_CORRECT]`` (the last pass's) and
        ``history[e, 0]``, ``history[e, 1]`` ((E, 2, M) float64).  In TRAIN mode a loss not
        finite of any member with rows ends the call after that epoch (the later rows of
        ``history`` are left as they were).
        """
        mode, B, shared = ints[MODE], ints[BATCH], ints[SHARED]
        y_off, d_off, d_len, M = ints[Y_OFF], ints[D_OFF], ints[D_LEN], ints[N_LANES]
        n_layers = net.shape[0]
        n_in, n_out = net[0, FAN_IN], net[n_layers - 1, FAN_OUT]
        training = mode == TRAIN
        counts = lane_i[0]
        n_epochs, last_order = opts.shape[0], orders.shape[0] - 1
        longest = 0
        for m in range(M):
            longest = max(longest, counts[m])
        rows_of = acc[C_ROWS]
        scale = acc[C_SCALE]
        for epoch in range(n_epochs):
            eo = orders[min(epoch, last_order)]     # (2, n_max, M): this epoch's orders
            eopt = opts[epoch]
            steps = lane_i[1 + epoch]
            for m in range(M):
                acc[C_TOTAL, m] = 0.0
                acc[C_CORRECT, m] = 0.0
            for batch in range((longest + B - 1) // B):
                start = batch * B
                slots = min(B, longest - start)
                for m in range(M):
                    rows_of[m] = max(0, min(B, counts[m] - start))
                    scale[m] = 1.0 / rows_of[m] if rows_of[m] > 0 else 0.0
                # -- gather: row slot i of member m is its row eo[1, start + i, m] (``picked``,
                # int64 (M,)), lanes innermost: contiguous loads and stores around a vector gather
                Xb = work[net[0, IN]:net[0, IN] + slots * n_in * M]
                Yb = work[y_off:y_off + slots * n_out * M]
                for i in range(slots):
                    for m in range(M):
                        picked[m] = eo[1, start + i if i < rows_of[m] else 0, 0 if shared else m]
                    for p in range(n_in):
                        for m in range(M):
                            Xb[(i * n_in + p) * M + m] = X[picked[m], p]
                    if mode != OUTPUTS:
                        for p in range(n_out):
                            for m in range(M):
                                Yb[(i * n_out + p) * M + m] = Y[picked[m], p]
                # -- forward: Z = D(A_prev) @ W + b, A = f(Z)
                for layer in range(n_layers):
                    k, mo = net[layer, FAN_IN], net[layer, FAN_OUT]
                    Ain = work[net[layer, IN]:net[layer, IN] + slots * k * M]
                    Zl = work[net[layer, Z]:net[layer, Z] + slots * mo * M]
                    Al = work[net[layer, A]:net[layer, A] + slots * mo * M]
                    W = params[net[layer, W_OFF]:net[layer, W_OFF] + k * mo * M]
                    b = params[net[layer, B_OFF]:net[layer, B_OFF] + mo * M]
                    if dropout and training and net[layer, MASK] >= 0:
                        # the mask of numpy_ref.dropout_uniform's counter hash, per member
                        source = net[0, IN] if layer == 0 else net[layer - 1, A]
                        Src = work[source:source + slots * k * M]
                        Mask = work[net[layer, MASK]:net[layer, MASK] + slots * k * M]
                        keep = acc[C_KEEP]
                        batch_key, row_key = keys[0], keys[1]
                        for m in range(M):
                            keep[m] = 1.0 - lane_f[DROP, layer, m]
                            batch_key[m] = _mix(np.uint64(seeds[m])
                                                ^ _mix(np.uint64(steps[m] + batch + 1)))
                        for i in range(slots):
                            for m in range(M):
                                local = eo[0, start + i, m] if i < rows_of[m] else 0
                                row_key[m] = _mix(batch_key[m] ^ np.uint64(local))
                            for j in range(k):
                                unit = (np.uint64(layer) << _S32) | np.uint64(j)
                                for m in range(M):
                                    u = _mix(row_key[m] ^ unit)
                                    q = (i * k + j) * M + m
                                    Mask[q] = 1.0 / keep[m] if (u >> _S11) * 2.0 ** -53 < keep[m] \
                                        else 0.0
                                    Ain[q] = Src[q] * Mask[q]
                    # 2-D views (row, lane) rather than a slice per row: one index per inner loop
                    Z2, A2 = Zl.reshape(slots * mo, M), Ain.reshape(slots * k, M)
                    W2, b2 = W.reshape(k * mo, M), b.reshape(mo, M)
                    for i in range(slots):
                        for j in range(mo):
                            for m in range(M):
                                Z2[i * mo + j, m] = b2[j, m]
                        for p in range(k):
                            for j in range(mo):
                                for m in range(M):
                                    Z2[i * mo + j, m] += A2[i * k + p, m] * W2[p * mo + j, m]
                    code = net[layer, ACT]
                    alpha = params.dtype.type(netf[layer, 0])
                    size = slots * mo * M
                    if c0 >= 0 and code == c0:
                        for q in range(size):
                            Al[q] = forward_rule(c0, Zl[q], alpha)
                    elif c1 >= 0 and code == c1:
                        for q in range(size):
                            Al[q] = forward_rule(c1, Zl[q], alpha)
                    elif c2 >= 0 and code == c2:
                        for q in range(size):
                            Al[q] = forward_rule(c2, Zl[q], alpha)
                    elif c3 >= 0 and code == c3:
                        for q in range(size):
                            Al[q] = forward_rule(c3, Zl[q], alpha)
                    elif prelu and code == parametric:
                        slopes = params[net[layer, P_OFF]:net[layer, P_OFF] + mo * M]
                        for i in range(slots):
                            for j in range(mo):
                                for m in range(M):
                                    q = (i * mo + j) * M + m
                                    Al[q] = forward_rule(parametric, Zl[q], slopes[j * M + m])
                result = net[n_layers - 1, A]
                Out = work[result:result + slots * n_out * M]
                if mode == OUTPUTS:
                    for i in range(slots):
                        for j in range(n_out):
                            for m in range(M):
                                if i < rows_of[m]:
                                    out[m, eo[0, start + i, 0 if shared else m], j] = \
                                        Out[(i * n_out + j) * M + m]
                    continue
                # -- the loss of each member's rows and dL/dZ of its batch's mean loss
                with_grad = mode != LOSS
                Dl = work[d_off:d_off + slots * n_out * M]
                part, hits, big = acc[C_PART], acc[C_HITS], h[H_BIG]
                esum, ysum, yz = acc[C_ESUM], acc[C_YSUM], acc[C_YZ]
                best, ybest, ybig = acc[C_BEST], acc[C_YBEST], acc[C_YBIG]
                for m in range(M):
                    part[m] = 0.0
                for i in range(slots):
                    o = Out[i * n_out * M:(i + 1) * n_out * M]
                    yv = Yb[i * n_out * M:(i + 1) * n_out * M]
                    dv = Dl[i * n_out * M:(i + 1) * n_out * M]
                    if softmax:
                        for m in range(M):
                            big[m] = o[m]
                            ybig[m] = yv[m]
                            best[m] = 0.0
                            ybest[m] = 0.0
                            esum[m] = 0.0
                            ysum[m] = 0.0
                            yz[m] = 0.0
                        for j in range(1, n_out):
                            for m in range(M):
                                if o[j * M + m] > big[m]:
                                    big[m] = o[j * M + m]
                                    best[m] = j
                                if yv[j * M + m] > ybig[m]:
                                    ybig[m] = yv[j * M + m]
                                    ybest[m] = j
                        for j in range(n_out):
                            for m in range(M):
                                x = o[j * M + m] - big[m]   # the row max is subtracted
                                e = vm.exp(x)
                                esum[m] += e
                                ysum[m] += yv[j * M + m]
                                yz[m] += yv[j * M + m] * o[j * M + m]
                                if with_grad:
                                    dv[j * M + m] = e
                        for m in range(M):
                            if i < rows_of[m]:
                                part[m] += (big[m] + vm.log(esum[m])) * ysum[m] - yz[m]
                                if best[m] == ybest[m]:
                                    acc[C_CORRECT, m] += 1
                        if with_grad:
                            for j in range(n_out):
                                for m in range(M):
                                    w8 = scale[m] if i < rows_of[m] else 0.0
                                    dv[j * M + m] = w8 * (dv[j * M + m] / esum[m] * ysum[m]
                                                          - yv[j * M + m])
                    else:
                        for m in range(M):
                            hits[m] = 0.0
                        for j in range(n_out):
                            for m in range(M):
                                z = o[j * M + m]
                                y = yv[j * M + m]
                                valid = i < rows_of[m]
                                w8 = scale[m] if valid else 0.0
                                if mse:
                                    d = z - y
                                    part[m] += 0.5 * d * d if valid else 0.0
                                    if with_grad:
                                        dv[j * M + m] = w8 * d
                                elif bce:
                                    e = vm.exp(-abs(z))
                                    part[m] += max(z, 0.0) - z * y + vm.log1p(e) if valid else 0.0
                                    if with_grad:
                                        sig = 1 / (1 + e) if z >= 0 else e / (1 + e)
                                        dv[j * M + m] = w8 * (sig - y)
                                    hits[m] += (z > 0) == (y > 0.5)
                                else:  # hinge
                                    margin = 1 - y * z
                                    part[m] += margin if margin > 0 and valid else 0.0
                                    if with_grad:
                                        dv[j * M + m] = -w8 * y if margin > 0 else 0.0
                                    hits[m] += (z > 0) == (y > 0)
                        for m in range(M):
                            if i < rows_of[m]:
                                acc[C_CORRECT, m] += hits[m] / n_out
                if mode == LOSS:
                    for m in range(M):
                        acc[C_TOTAL, m] += part[m]
                    continue
                for m in range(M):
                    acc[C_VALUE, m] = part[m] / rows_of[m] if rows_of[m] > 0 else 0.0
                # -- backward: dL/dZ through every layer, gradients into grad
                ping = 0
                for layer in range(n_layers - 1, -1, -1):
                    k, mo = net[layer, FAN_IN], net[layer, FAN_OUT]
                    d0 = d_off + ping * d_len
                    Ain = work[net[layer, IN]:net[layer, IN] + slots * k * M]
                    Zl = work[net[layer, Z]:net[layer, Z] + slots * mo * M]
                    Al = work[net[layer, A]:net[layer, A] + slots * mo * M]
                    Dl = work[d0:d0 + slots * mo * M]
                    W = params[net[layer, W_OFF]:net[layer, W_OFF] + k * mo * M]
                    gW = grad[net[layer, W_OFF]:net[layer, W_OFF] + k * mo * M]
                    gb = grad[net[layer, B_OFF]:net[layer, B_OFF] + mo * M]
                    code = net[layer, ACT]
                    alpha = params.dtype.type(netf[layer, 0])
                    size = slots * mo * M
                    if c0 >= 0 and code == c0:
                        for q in range(size):
                            Dl[q] *= grad_rule(c0, Zl[q], Al[q], alpha)
                    elif c1 >= 0 and code == c1:
                        for q in range(size):
                            Dl[q] *= grad_rule(c1, Zl[q], Al[q], alpha)
                    elif c2 >= 0 and code == c2:
                        for q in range(size):
                            Dl[q] *= grad_rule(c2, Zl[q], Al[q], alpha)
                    elif c3 >= 0 and code == c3:
                        for q in range(size):
                            Dl[q] *= grad_rule(c3, Zl[q], Al[q], alpha)
                    elif prelu and code == parametric:
                        slopes = params[net[layer, P_OFF]:net[layer, P_OFF] + mo * M]
                        g_slopes = grad[net[layer, P_OFF]:net[layer, P_OFF] + mo * M]
                        for q in range(mo * M):
                            g_slopes[q] = 0
                        for i in range(slots):
                            for j in range(mo):
                                for m in range(M):
                                    q = (i * mo + j) * M + m
                                    z = Zl[q]
                                    if z <= 0:
                                        g_slopes[j * M + m] += Dl[q] * z
                                    Dl[q] *= grad_rule(parametric, z, Al[q], slopes[j * M + m])
                    # input gradient dA_prev = dZ @ W.T (W before this batch's update), then the
                    # dropout mask of this layer's input
                    if layer > 0:
                        e0 = d_off + (1 - ping) * d_len
                        E = work[e0:e0 + slots * k * M]
                        E2, D2, W2 = E.reshape(slots * k, M), Dl.reshape(slots * mo, M), \
                            W.reshape(k * mo, M)
                        for i in range(slots):
                            for p in range(k):
                                for m in range(M):
                                    E2[i * k + p, m] = 0
                                for j in range(mo):
                                    for m in range(M):
                                        E2[i * k + p, m] += D2[i * mo + j, m] * W2[p * mo + j, m]
                        if dropout and net[layer, MASK] >= 0:
                            Mask = work[net[layer, MASK]:net[layer, MASK] + slots * k * M]
                            for q in range(slots * k * M):
                                E[q] *= Mask[q]
                    # bias gradient gb = sum of dZ over rows (0 for an untrained bias), weight
                    # gradient gW = A_in.T @ dZ
                    for q in range(mo * M):
                        gb[q] = 0
                    for q in range(k * mo * M):
                        gW[q] = 0
                    trained_bias = netf[layer, 1] != 0
                    D2, A2 = Dl.reshape(slots * mo, M), Ain.reshape(slots * k, M)
                    gW2, gb2 = gW.reshape(k * mo, M), gb.reshape(mo, M)
                    for i in range(slots):
                        for j in range(mo if trained_bias else 0):
                            for m in range(M):
                                gb2[j, m] += D2[i * mo + j, m]
                        for p in range(k):
                            for j in range(mo):
                                for m in range(M):
                                    gW2[p * mo + j, m] += A2[i * k + p, m] * D2[i * mo + j, m]
                    if penalised:   # per_weight: numpy_ref's penalty(scale=1 / rows in the batch)
                        l1, l2, value = acc[C_L1], acc[C_L2], acc[C_VALUE]
                        for m in range(M):
                            l1[m] = lane_f[L1, layer, m] * scale[m] if per_weight \
                                else lane_f[L1, layer, m]
                            l2[m] = lane_f[L2, layer, m] * scale[m] if per_weight \
                                else lane_f[L2, layer, m]
                        for q in range(k * mo):
                            w = W[q * M:(q + 1) * M]
                            g = gW[q * M:(q + 1) * M]
                            for m in range(M):
                                wm = w[m]
                                value[m] += l1[m] * abs(wm) + l2[m] * wm * wm
                                g[m] += l1[m] * ((wm > 0) - (wm < 0)) + 2 * l2[m] * wm
                    ping = 1 - ping
                for m in range(M):
                    acc[C_TOTAL, m] += acc[C_VALUE, m] * rows_of[m]
                # -- the optimizer step of every member with rows in the batch; its scalars first
                # go into ``h`` (of the parameter dtype), so float32 updates run in float32
                for m in range(M):
                    lr, b1, b2 = eopt[m, S.OPT_LR], eopt[m, S.OPT_BETA1], eopt[m, S.OPT_BETA2]
                    t = steps[m] + batch + 1
                    h[H_LR, m], h[H_WD, m] = lr, eopt[m, S.OPT_WEIGHT_DECAY]
                    h[H_EPS, m], h[H_MU, m] = eopt[m, S.OPT_EPS], eopt[m, S.OPT_MOMENTUM]
                    if adam:      # only what the update loop reads (pow is slow)
                        h[H_B1, m], h[H_1B1, m], h[H_B2, m], h[H_1B2, m] = b1, 1 - b1, b2, 1 - b2
                        h[H_STEP, m], h[H_BC2, m] = lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)
                    elif adagrad:
                        h[H_CLR, m] = lr / (1 + (t - 1) * eopt[m, S.OPT_LR_DECAY])
                    elif rmsprop:
                        h[H_ALPHA, m] = eopt[m, S.OPT_ALPHA]
                        h[H_1ALPHA, m] = 1 - eopt[m, S.OPT_ALPHA]
                    else:
                        h[H_NESTEROV, m] = eopt[m, S.OPT_NESTEROV]
                    h[H_ON, m] = 1.0 if rows_of[m] > 0 else 0.0
                lr, wd, eps, mu, on = h[H_LR], h[H_WD], h[H_EPS], h[H_MU], h[H_ON]
                for q in range(params.shape[0] // M):
                    p = params[q * M:(q + 1) * M]
                    g = grad[q * M:(q + 1) * M]
                    s0 = state[0, q * M:(q + 1) * M]
                    s1 = state[1, q * M:(q + 1) * M]
                    if sgd:
                        nesterov = h[H_NESTEROV]
                        for m in range(M):
                            gm = g[m] + wd[m] * p[m]
                            buf = mu[m] * s0[m] + gm
                            step = (gm + mu[m] * buf if nesterov[m] != 0 else buf) if mu[m] != 0 \
                                else gm
                            new = p[m] - lr[m] * step
                            p[m] = new if on[m] != 0 else p[m]
                            s0[m] = buf if on[m] != 0 and mu[m] != 0 else s0[m]
                    elif adagrad:
                        clr = h[H_CLR]
                        for m in range(M):
                            gm = g[m] + wd[m] * p[m]
                            acc2 = s0[m] + gm * gm
                            new = p[m] - clr[m] * gm / (np.sqrt(acc2) + eps[m])
                            p[m] = new if on[m] != 0 else p[m]
                            s0[m] = acc2 if on[m] != 0 else s0[m]
                    elif rmsprop:
                        alpha, one_minus_alpha = h[H_ALPHA], h[H_1ALPHA]
                        for m in range(M):
                            gm = g[m] + wd[m] * p[m]
                            sq = alpha[m] * s0[m] + one_minus_alpha[m] * gm * gm
                            buf = mu[m] * s1[m] + gm / (np.sqrt(sq) + eps[m])
                            new = p[m] - lr[m] * buf if mu[m] != 0 \
                                else p[m] - lr[m] * gm / (np.sqrt(sq) + eps[m])
                            p[m] = new if on[m] != 0 else p[m]
                            s0[m] = sq if on[m] != 0 else s0[m]
                            s1[m] = buf if on[m] != 0 and mu[m] != 0 else s1[m]
                    else:  # Adam
                        b1, one_minus_b1 = h[H_B1], h[H_1B1]
                        b2, one_minus_b2 = h[H_B2], h[H_1B2]
                        step_size, sqrt_bc2 = h[H_STEP], h[H_BC2]
                        for m in range(M):
                            gm = g[m] + wd[m] * p[m]
                            first = b1[m] * s0[m] + one_minus_b1[m] * gm
                            second = b2[m] * s1[m] + one_minus_b2[m] * gm * gm
                            new = p[m] - step_size[m] * first / (np.sqrt(second) / sqrt_bc2[m]
                                                                 + eps[m])
                            p[m] = new if on[m] != 0 else p[m]
                            s0[m] = first if on[m] != 0 else s0[m]
                            s1[m] = second if on[m] != 0 else s1[m]
            for m in range(M):
                history[epoch, 0, m] = acc[C_TOTAL, m]
                history[epoch, 1, m] = acc[C_CORRECT, m]
            if training and epoch < n_epochs - 1:     # a lane's loss not finite ends the call
                failed = False
                for m in range(M):
                    if counts[m] > 0 and not math.isfinite(acc[C_TOTAL, m]):
                        failed = True
                if failed:
                    break
        return 0

    return run


_S11, _S32 = np.uint64(11), np.uint64(32)
