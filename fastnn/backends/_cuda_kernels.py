"""CUDA kernels of the ``cuda`` back end (host side: :mod:`fastnn.backends.numba_cuda`; the maths
of one element, row or parameter: :mod:`fastnn.backends._cuda_device`, whose docstring describes
the device buffers and the ``lay``/``layf``/``hyper`` tables every kernel takes).

Three ways through a network, chosen on the host:

* ``epoch``: a whole training epoch of a narrow network in **one launch** of one block, which
  loops over the batches: forward + loss + backward of every row tile, a block barrier, the
  update of every parameter, a barrier, the next batch.  One block needs no grid-wide sync.
* ``fused`` + ``update``: the same per batch, over as many blocks as the batch has row tiles
  (2 launches a batch), for narrow networks with batches too large for one block.
* per layer, for wide networks: a product (the tiled ``dense`` kernel, or cuBLAS through
  :mod:`._cuda_gemm` followed by ``epilogue``), the loss kernel ``loss_rows``, and ``update``.

Kernels with shared arrays need compile-time shapes and dtypes, so the factories below make them
per (dtype, sizes) and cache them; the launch configurations are chosen on the host.
"""
from __future__ import annotations

import functools
import inspect
from types import SimpleNamespace

import numpy as np
from numba import cuda

from ._cuda_device import (
    AIN,
    CHECK_FINITE,
    CORRECT,
    DZ,
    FAN_IN,
    FAN_OUT,
    LOSS_SUM,
    PREDICT,
    TRAIN,
    W_OFF,
    Z,
    batch_scale,
    finish_backward,
    finish_forward,
    layer0_input,
    row_loss,
    sample_factors,
    step_param,
)

# Modes of the tiled product and of the GEMM epilogue: Z = AIN @ W, dA = DZ @ W.T, gW = AIN.T @ DZ.
FWD, BWD, WGRAD = range(3)


def _jit(max_threads):
    """``cuda.jit`` promising at most ``max_threads`` threads a block (so the compiler keeps the
    registers a block that large needs), where this numba-cuda supports it (not the simulator)."""
    if "launch_bounds" in inspect.signature(cuda.jit).parameters:
        return cuda.jit(launch_bounds=max_threads)
    return cuda.jit


@cuda.jit
def loss_rows(lay, layf, params, work, Y, W, order, hyper, start, rows, loss, scale):
    """Loss and last-layer dL/dZ of every batch row, for the per-layer path (``scale``: see
    :mod:`._cuda_device`).  Launch: one thread per row (1-D grid); the loss sum and the number
    correct go to ``hyper`` by atomics."""
    row = cuda.grid(1)
    if row < rows:
        sample = order[start + row]
        factor, row_scale = sample_factors(hyper, W, sample, rows, scale)
        value, hits = row_loss(loss, lay, layf, params, work, Y, row, sample, row_scale)
        cuda.atomic.add(hyper, LOSS_SUM, factor * value)
        cuda.atomic.add(hyper, CORRECT, hits)


@cuda.jit
def gather(lay, layf, work, X, hyper, order, start, rows, t, seed, mode):
    """AIN of layer 0 = X[order[start:start+rows]] times the dropout mask, for a GEMM first
    layer.  Launch: one thread per element (1-D grid over rows * fan_in)."""
    q = cuda.grid(1)
    fan_in = lay[0, FAN_IN]
    if q < rows * fan_in:
        row, unit = q // fan_in, q % fan_in
        work[lay[0, AIN] + q] = layer0_input(layf, X, hyper, row, order[start + row], unit, t,
                                             seed, mode)


@cuda.jit
def epilogue(lay, layf, params, work, order, start, rows, t, seed, mode, kind, layer):
    """What the tiled kernel fuses after a product, for a product cuBLAS wrote in place:
    ``kind`` FWD reads Z of ``layer`` (= AIN @ W) and finishes it (bias, activation, the next
    layer's dropped input); BWD reads DZ of ``layer - 1`` (= DZ @ W.T of ``layer``) and finishes
    it (mask, derivative).  Launch: one thread per element (1-D grid over rows * columns)."""
    q = cuda.grid(1)
    if kind == FWD:
        cols, at = lay[layer, FAN_OUT], lay[layer, Z]
    else:
        cols, at = lay[layer, FAN_IN], lay[layer - 1, DZ]
    if q < rows * cols:
        row, unit = q // cols, q % cols
        if kind == FWD:
            finish_forward(lay, layf, params, work, layer, row, unit, work[at + q],
                           order[start + row], t, seed, mode)
        else:
            finish_backward(lay, layf, params, work, layer, row, unit, work[at + q],
                            order[start + row], t, seed, mode)


@functools.cache
def update_kernel(threads):
    """The update kernel for blocks of ``threads`` threads (any dtype).

    ``update(lay, layf, params, grad, state, work, hyper, rows, t, flags, pscale)``: gradient,
    penalty (times ``pscale``) and optimizer step of every parameter of the flat buffer in one
    launch, one thread per parameter (ceil(n_params / threads) blocks).  ``flags``: GW_READY,
    GRAD_ONLY, CHECK_FINITE (see :mod:`._cuda_device`).  Each block sums its penalty values in
    shared memory and adds ``rows * sum`` to the loss with one atomic, so the epoch loss carries
    the penalty once per batch like the CPU back ends."""

    @_jit(threads)
    def update(lay, layf, params, grad, state, work, hyper, rows, t, flags, pscale):
        part = cuda.shared.array(threads, np.float64)
        k = cuda.grid(1)
        penalty = 0.0
        if k < params.shape[0]:
            penalty = step_param(lay, layf, params, grad, state, work, hyper, rows, k, t, flags,
                                 pscale)
        part[cuda.threadIdx.x] = penalty
        cuda.syncthreads()
        if cuda.threadIdx.x == 0:
            total = 0.0
            for q in range(cuda.blockDim.x):
                total += part[q]
            if total != 0:
                cuda.atomic.add(hyper, LOSS_SUM, total * rows)

    return update


@functools.cache
def fused_kernels(dtype_name, tile_rows, width, max_threads):
    """The narrow-network kernels for one dtype, ``tile_rows`` rows a block and layers of at most
    ``width`` units, as a namespace with ``fused`` and ``epoch`` (see their docstrings).

    Both run row tiles tiny-cuda-nn style: block (threads_x, tile_rows), thread (tx, r) does units
    tx, tx + threads_x, ... of row r; the tile's activations, then its gradients, stay in two
    shared (tile_rows, width) buffers from layer to layer; AIN, Z and DZ also go to global memory
    for the weight-gradient sums of the update."""
    dtype = np.dtype(dtype_name).type
    FR, FW = tile_rows, width

    @cuda.jit(device=True)
    def tile_pass(ping, pong, lay, layf, params, work, X, Y, W, order, hyper, start, rows, row0, t,
                  seed, mode, loss, scale):
        """Forward, loss and backward (forward only when predicting) of batch rows
        ``row0 .. row0 + FR`` (gradient scale ``scale``); every thread of the block must call it."""
        tx, r, nx = cuda.threadIdx.x, cuda.threadIdx.y, cuda.blockDim.x
        row = row0 + r
        valid = row < rows
        sample = order[start + row] if valid else 0
        last = lay.shape[0] - 1
        if valid:
            for p in range(tx, lay[0, FAN_IN], nx):
                x = layer0_input(layf, X, hyper, row, sample, p, t, seed, mode)
                ping[r, p] = x
                if mode != PREDICT:
                    work[lay[0, AIN] + row * lay[0, FAN_IN] + p] = x
        cuda.syncthreads()
        for layer in range(last + 1):
            src, dst = (ping, pong) if layer % 2 == 0 else (pong, ping)
            fan_in, fan_out, w0 = lay[layer, FAN_IN], lay[layer, FAN_OUT], lay[layer, W_OFF]
            if valid:
                for j in range(tx, fan_out, nx):
                    acc = dtype(0)
                    for p in range(fan_in):
                        acc += src[r, p] * params[w0 + p * fan_out + j]
                    dst[r, j] = finish_forward(lay, layf, params, work, layer, row, j, acc,
                                               sample, t, seed, mode)
            cuda.syncthreads()
        if mode == PREDICT:
            return
        if valid and tx == 0:
            factor, row_scale = sample_factors(hyper, W, sample, rows, scale)
            value, hits = row_loss(loss, lay, layf, params, work, Y, row, sample, row_scale)
            cuda.atomic.add(hyper, LOSS_SUM, factor * value)
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
                    dst[r, p] = finish_backward(lay, layf, params, work, layer, row, p, acc,
                                                sample, t, seed, mode)
            cuda.syncthreads()

    @_jit(max_threads)
    def fused(lay, layf, params, work, X, Y, W, order, hyper, start, rows, t, seed, mode, loss,
              scale):
        """One batch's forward, loss and backward (or forward only).  Launch: ceil(rows / FR)
        blocks (threads_x, FR), one row tile each; the ``update`` kernel follows."""
        ping = cuda.shared.array((FR, FW), dtype)
        pong = cuda.shared.array((FR, FW), dtype)
        tile_pass(ping, pong, lay, layf, params, work, X, Y, W, order, hyper, start, rows,
                  cuda.blockIdx.x * FR, t, seed, mode, loss, scale)

    @_jit(max_threads)
    def epoch(lay, layf, params, grad, state, work, X, Y, W, order, hyper, n, batch, step, seed,
              loss):
        """A whole training epoch over ``order[:n]`` in batches of ``batch`` rows (batch ``b`` is
        optimizer step ``step + b + 1``).  Launch: ONE block (threads_x, FR): its threads run
        every row tile of a batch, then, after a block barrier, update every parameter
        (thread i takes parameters i, i + block size, ...), then start the next batch."""
        ping = cuda.shared.array((FR, FW), dtype)
        pong = cuda.shared.array((FR, FW), dtype)
        me = cuda.threadIdx.y * cuda.blockDim.x + cuda.threadIdx.x
        threads = cuda.blockDim.x * cuda.blockDim.y
        n_batches = (n + batch - 1) // batch
        penalty = 0.0
        for b in range(n_batches):
            start = b * batch
            rows = min(batch, n - start)
            t = step + b + 1
            scale, pscale = batch_scale(hyper, W, order, start, rows)
            for row0 in range(0, rows, FR):
                tile_pass(ping, pong, lay, layf, params, work, X, Y, W, order, hyper, start, rows,
                          row0, t, seed, TRAIN, loss, scale)
            flags = CHECK_FINITE if b == n_batches - 1 else 0
            for k in range(me, params.shape[0], threads):
                penalty += rows * step_param(lay, layf, params, grad, state, work, hyper, rows,
                                             k, t, flags, pscale)
            cuda.syncthreads()
        if penalty != 0:
            cuda.atomic.add(hyper, LOSS_SUM, penalty)

    return SimpleNamespace(fused=fused, epoch=epoch)


@functools.cache
def tiled_kernel(dtype_name, tile):
    """The per-layer product kernel for one dtype on ``tile`` x ``tile`` shared-memory tiles.

    ``dense(lay, layf, params, grad, work, X, hyper, order, start, rows, t, seed, mode, kind,
    layer)``:
    ``kind`` FWD: Z = AIN @ W (+ bias, activation, next layer's dropped input; layer 0 gathers
    X[order] itself); BWD: dA = DZ_l @ W_l.T (+ mask and layer l-1's derivative); WGRAD:
    gW = AIN.T @ DZ into ``grad``.  Launch: grid (ceil(M/T), ceil(N/T)) for C (M, N), block
    (T, T); thread (tx, ty) owns C[bx*T + ty, by*T + tx].  Operands stored transposed (W in BWD,
    AIN in WGRAD) are loaded with tx along memory, so every load is coalesced."""
    dtype = np.dtype(dtype_name).type
    T = tile

    @_jit(T * T)
    def dense(lay, layf, params, grad, work, X, hyper, order, start, rows, t, seed, mode, kind,
              layer):
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
                        a = layer0_input(layf, X, hyper, i0 + ty, order[start + i0 + ty], k0 + tx,
                                         t, seed, mode)
                        if cuda.blockIdx.y == 0 and mode != PREDICT:   # kept for WGRAD
                            work[ain + (i0 + ty) * fan_in + k0 + tx] = a
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
                finish_forward(lay, layf, params, work, layer, i, j, acc, order[start + i], t,
                               seed, mode)
            else:
                finish_backward(lay, layf, params, work, layer, i, j, acc, order[start + i], t,
                                seed, mode)

    return dense
