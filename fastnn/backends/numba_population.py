"""The numba population engine: every member of a population trained at once by one compiled
kernel per epoch, the members in the SIMD lanes (:mod:`fastnn.backends._numba_population`).

It keeps the population contract of :mod:`fastnn.backends._member_loop`.  Members with sample
weights, and networks too wide for the lanes (:func:`in_lanes`), are trained by numba_cpu's
kernel member by member instead.  The host arrays are
member-minor (``params.T``: value ``q`` of member ``m`` at ``q * M + m``); the workspace is
numba_cpu's :func:`~fastnn.backends.numba_cpu.plan` for one network with every offset times
``M``, so each buffer holds the rows of all members side by side.
"""
from __future__ import annotations

import contextlib
import dataclasses
from concurrent import futures

import numpy as np

from .. import _spec as S
from .. import _threads
from . import _jit, numba_cpu
from . import _numba_population as K
from ._member_loop import PopulationEngine as MemberLoop

EVAL_ROWS = 64        # row slots per batch when computing outputs and losses
# The widest layer (fan_in * fan_out) up to which members in the SIMD lanes beat each member's own
# BLAS products (numba_cpu's kernel, member after member).  Measured on 2-w-w-2 tanh networks,
# 64 members, batch 10, one core: w = 16 lanes 4.5M model-samples/s vs 4.0M; w = 24 even
# (2.8M); w = 32 1.4M vs 3.2M; the 2-64-64-3 bench population 0.52M vs 1.9M.
LANES_MAX_PRODUCT = 400
# ... and the most bytes one layer's batch buffer (rows x width x members) may take: the lanes
# multiply the working set by the members, and past the L2 cache (2 MiB a core here) it streams
# from memory (36 members of 2-64-3, batch 200, float64: 3.7 MB a buffer, lanes 44 ms an epoch
# against 22 ms member by member).
LANES_MAX_BYTES = 1 << 20


def in_lanes(spec, batch_size=1, n_members=1, itemsize=4) -> bool:
    """Whether the population kernel trains this network (else numba_cpu's, member by member):
    at most SLOTS distinct activations, no layer wider than LANES_MAX_PRODUCT and a batch buffer
    within LANES_MAX_BYTES."""
    widest = max(int(a) * int(b) for a, b in zip(spec.sizes[:-1], spec.sizes[1:]))
    buffer = batch_size * int(spec.sizes.max()) * n_members * itemsize
    return K.supported(spec) and widest <= LANES_MAX_PRODUCT and buffer <= LANES_MAX_BYTES


def lanes_for(specs, batch_size, weights, itemsize) -> bool:
    """Whether a population trains in the lanes (else member by member; see :func:`in_lanes`)."""
    return weights is None and in_lanes(specs[0], batch_size, len(specs), itemsize)


def _read_only(a):
    view = a.view()
    view.flags.writeable = False
    return view


class _Workspace:
    """The kernel's layer table and work buffer for batches of ``rows`` row slots."""

    def __init__(self, spec, rows, M, dtype, drop_layers):
        training = drop_layers is not None
        if training:
            spec = dataclasses.replace(spec, drop=drop_layers.astype(np.float64))
        layers, y_off, d_off, d_len, length = numba_cpu.plan(spec, rows, training)
        lanes = np.where(layers >= 0, layers * M, -1)
        p_off = np.where(spec.p_off >= 0, spec.p_off * M, -1)
        self.net = np.ascontiguousarray(np.column_stack(
            [spec.sizes[:-1], spec.sizes[1:], spec.act, spec.w_off * M, spec.b_off * M, p_off,
             lanes]).astype(np.int64))
        self.netf = np.ascontiguousarray(np.column_stack([spec.act_alpha, spec.train_bias]),
                                         dtype=np.float64)
        self.ints = np.array([K.TRAIN, rows, 0, y_off * M, d_off * M, d_len * M, M], np.int64)
        self.work = np.zeros(length * M, dtype)


class PopulationEngine:
    """All members in one kernel (see the module docstring and the contract in
    :mod:`fastnn.backends._member_loop`)."""

    def __new__(cls, specs, params, states, X, Y, rows, batch_size, weights=None):
        if not lanes_for(specs, batch_size, weights, params.dtype.itemsize):
            return MemberLoop(numba_cpu, specs, params, states, X, Y, rows, batch_size, weights)
        return super().__new__(cls)

    def __init__(self, specs, params, states, X, Y, rows, batch_size, weights=None):
        spec = specs[0]
        M, n_params = len(specs), spec.n_params
        self.n_members, self._spec, self._dtype = M, spec, params.dtype
        self._P = np.ascontiguousarray(params.T).reshape(-1)
        self._S = np.ascontiguousarray(np.transpose(states, (1, 2, 0))).reshape(2, -1)
        self._G = np.zeros_like(self._P)
        self._saved = (self._P.copy(), self._S.copy())
        self._X, self._Y = _read_only(X), _read_only(Y)
        self._rows = list(rows)
        longest = max(X.shape[0] if r is None else len(r) for r in self._rows)
        self._longest = longest
        self._orders = np.zeros((1, 2, longest, M), np.int64)
        self._given = [None] * M
        self._many = None               # orders of the epochs of a batched call (see epochs)
        self._lane_i = np.zeros((2, M), np.int64)
        self._history = np.zeros((1, 2, M))
        self._lane_f = np.ascontiguousarray(np.stack(
            [np.stack([s.l1 for s in specs], axis=1), np.stack([s.l2 for s in specs], axis=1),
             np.stack([s.drop for s in specs], axis=1)]), dtype=np.float64)
        drop_layers = self._lane_f[K.DROP].max(axis=1)
        self._flags = (bool(drop_layers.any()), bool(self._lane_f[:K.DROP].any()))
        self._train = _Workspace(spec, batch_size, M, params.dtype, drop_layers)
        self._eval = {}
        self._h = np.zeros((K.H_ROWS, M), params.dtype)
        self._keys = np.zeros((2, M), np.uint64)
        self._picked = np.zeros(M, np.int64)
        self._acc = np.zeros((K.ACC_ROWS, M))
        self._no_out = np.zeros((0, 0, 0), params.dtype)
        self._no_y = _read_only(np.zeros((0, 0), params.dtype))
        self._no_opts = np.zeros((1, M, S.OPT_SIZE))
        self._kind = S.SGD
        self._n_params = n_params

    def _run(self, space, mode, X, Y, orders, lane_i, opts, seeds, out, history):
        dropout, penalised = self._flags
        kernel = K.kernel(*K.specialisation(self._spec, dropout, penalised,
                                            self._kind))
        space.ints[K.MODE], space.ints[K.SHARED] = mode, mode != K.TRAIN
        _jit.call(kernel, space.ints, space.net, space.netf, self._lane_f, self._P, self._S,
                  self._G, X, Y, orders, lane_i, opts, seeds, space.work, self._h, self._keys,
                  self._picked, self._acc, out, history)

    def _place(self, orders, opts, n_epochs):
        """The members' orders in the kernel's member-minor (E_o, 2, n_max, M) layout (one row when no
        member's order is per epoch) and their row counts into ``lane_i[0]``."""
        counts = self._lane_i[0]
        per_epoch = n_epochs > 1 and any(o is not None and o.ndim == 2 for o in orders)
        if per_epoch:
            if self._many is None or self._many.shape[0] < n_epochs:
                self._many = np.zeros((n_epochs, 2, self._longest, self.n_members), np.int64)
            buffer = self._many
        else:
            buffer = self._orders
        for m, order in enumerate(orders):
            if order is None:
                counts[m] = 0
                continue
            self._kind = int(opts[m, S.OPT_CODE])
            n = order.shape[-1]
            counts[m] = n
            if not per_epoch:
                if order is self._given[m]:     # fit passes the same order when not shuffling
                    continue
                self._given[m] = order
            buffer[:n_epochs, 0, :n, m] = order
            buffer[:n_epochs, 1, :n, m] = order if self._rows[m] is None else self._rows[m][order]
        return buffer

    def epoch(self, orders, opts, steps, seeds):
        orders = self._place(orders, opts, 1)
        self._lane_i[1] = steps
        self._run(self._train, K.TRAIN, self._X, self._Y, orders, self._lane_i,
                  np.ascontiguousarray(opts, dtype=np.float64)[None],
                  np.asarray(seeds, np.uint64), self._no_out, self._history)
        counts = self._lane_i[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._acc[K.C_TOTAL] / counts, self._acc[K.C_CORRECT] / counts

    def epochs(self, orders, opts, steps, seeds):
        """Whole epochs of every member whose ``orders[m]`` is not None in one kernel call:
        ``orders[m]`` (E, n) its order of each epoch, or (n,) one order for every epoch;
        ``opts`` (E, n_members, OPT_SIZE) and ``steps`` (E, n_members) each epoch's
        hyper-parameters and step before it.  Returns the per-epoch ``(loss, accuracy)``, each
        (E, n_members), when every trained member's losses and final weights are finite (the
        snapshot is left as before the call); else None, with every member back at the
        weights and optimizer state before the call."""
        n_epochs = opts.shape[0]
        self.snapshot()
        buffer = self._place(orders, opts[0], n_epochs)
        lane_i = np.empty((1 + n_epochs, self.n_members), np.int64)
        lane_i[0], lane_i[1:] = self._lane_i[0], steps
        history = np.full((n_epochs, 2, self.n_members), np.nan)
        self._run(self._train, K.TRAIN, self._X, self._Y, buffer, lane_i,
                  np.ascontiguousarray(opts, dtype=np.float64), np.asarray(seeds, np.uint64),
                  self._no_out, history)
        trained = lane_i[0] > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            loss, accuracy = history[:, 0] / lane_i[0], history[:, 1] / lane_i[0]
        if not (np.isfinite(loss[:, trained]).all() and self.finite()[trained].all()):
            self.rollback()
            return None
        return loss, accuracy

    def rollback(self):
        """Every member back at the snapshot (after a successful :meth:`epochs`: to before
        it)."""
        np.copyto(self._P, self._saved[0])
        np.copyto(self._S, self._saved[1])

    def _lanes(self, flat, rows=1):
        return flat.reshape(rows, self._n_params, self.n_members)

    def finite(self):
        return np.isfinite(self._lanes(self._P)[0]).all(axis=0)

    def snapshot(self):
        np.copyto(self._saved[0], self._P)
        np.copyto(self._saved[1], self._S)

    def restore(self, m):
        self._lanes(self._P)[..., m] = self._lanes(self._saved[0])[..., m]
        self._lanes(self._S, 2)[..., m] = self._lanes(self._saved[1], 2)[..., m]

    def get(self, m):
        return self._lanes(self._P)[0, :, m].copy(), self._lanes(self._S, 2)[:, :, m].copy()

    def put(self, m, params):
        self._lanes(self._P)[0, :, m] = params

    def _shared_pass(self, mode, X, Y, out):
        n = X.shape[0]
        rows = min(n, EVAL_ROWS)
        if rows not in self._eval:
            self._eval[rows] = _Workspace(self._spec, rows, self.n_members, self._dtype, None)
        orders = np.broadcast_to(np.arange(n, dtype=np.int64)[:, None], (1, 2, n, 1)).copy()
        self._lane_i[0] = n
        self._run(self._eval[rows], mode, _read_only(X), _read_only(Y), orders, self._lane_i,
                  self._no_opts, self._keys[0], out, self._history)

    def evaluate(self, X, Y):
        self._shared_pass(K.LOSS, X, Y, self._no_out)
        n = X.shape[0]
        return self._acc[K.C_TOTAL] / n + self._penalties(n), self._acc[K.C_CORRECT] / n

    def _penalties(self, n):
        """Each member's penalty on ``n`` rows (numpy_ref's ``penalty``, divided by ``n`` with
        ``penalty_per_weight``)."""
        scale = 1.0 / n if self._spec.penalty_per_weight else 1.0
        total = np.zeros(self.n_members)
        P = self._lanes(self._P)[0]
        spec = self._spec
        for layer in range(spec.n_layers):
            l1, l2 = self._lane_f[K.L1, layer], self._lane_f[K.L2, layer]
            if l1.any() or l2.any():
                W = P[int(spec.w_off[layer]):int(spec.b_off[layer])].astype(np.float64)
                total += (l1 * scale) * np.abs(W).sum(axis=0) + (l2 * scale) * np.square(W).sum(axis=0)
        return total

    def forward(self, X):
        out = np.empty((self.n_members, X.shape[0], self._spec.n_out), self._dtype)
        self._shared_pass(K.OUTPUTS, X, self._no_y, out)
        return out


# --- blocks of members across cores -----------------------------------------------------------

BLOCK_MIN_LANES = 16            # members per block of lanes at least (one AVX-512 register of float32)
BLOCK_MIN_WORK = 2_000_000      # multiply-adds per block and epoch that pay for a thread hand-off


def blocks_for(spec, n_members, n_rows, cores, lanes=True):
    """How many blocks of members to train on separate cores: as many as ``cores`` while each
    block keeps BLOCK_MIN_LANES members in the ``lanes`` (one member when the blocks train
    member by member) and BLOCK_MIN_WORK multiply-adds per epoch (the blocks meet once per
    epoch, so a block's epoch must outweigh waking a thread)."""
    sizes = [int(s) for s in spec.sizes]
    per_row = 3 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    work = per_row * n_rows * n_members
    per_block = BLOCK_MIN_LANES if lanes else 1
    return max(1, min(cores, n_members // per_block, work // BLOCK_MIN_WORK))


class BlockedEngine:
    """Contiguous blocks of members, their epochs run on a thread each (the kernels release the
    GIL): each block a :class:`PopulationEngine` in the ``lanes``, else numba_cpu's kernel member
    by member (whatever the blocks' sizes, so the cores never change which kernel a member
    trains in); members do not interact, so the results are the same as one engine's."""

    def __init__(self, n_blocks, specs, params, states, X, Y, rows, batch_size, weights=None,
                 lanes=True):
        M = len(specs)
        bounds = np.linspace(0, M, n_blocks + 1).astype(int)
        self._ranges = [range(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

        def block(r):
            args = (specs[r.start:r.stop], params[r.start:r.stop], states[r.start:r.stop], X, Y,
                    rows[r.start:r.stop], batch_size)
            if lanes:
                return PopulationEngine(*args)
            return MemberLoop(numba_cpu, *args, None if weights is None else weights[r.start:r.stop])
        self._blocks = [block(r) for r in self._ranges]
        self._where = [(b, m - r.start) for b, r in enumerate(self._ranges) for m in r]
        self._pool = futures.ThreadPoolExecutor(max_workers=n_blocks,
                                                thread_name_prefix="fastnn-block")
        self._lanes = lanes
        self.n_members = M

    def _each(self, call):
        """``[call(b) for every block b]``, each on a thread.  If the wait is cut short (Ctrl-C,
        or a block's error) every block still running finishes its call first (their kernels
        cannot be stopped), so the caller finds every block at the end of a call when it
        restores or reads the members.  (Only an interrupt landing inside ``submit``, a few
        microseconds of a call, can leave a block running unwatched.)"""
        one_blas_thread = not self._lanes and _threads.current() > 1
        # the blocks are the threads: one BLAS thread in each
        with _threads.limited(1) if one_blas_thread else contextlib.nullcontext():
            running: list = []
            try:
                for b in range(len(self._blocks)):
                    running.append(self._pool.submit(call, b))
                return [future.result() for future in running]
            except BaseException:
                futures.wait(running)
                raise

    def epoch(self, orders, opts, steps, seeds):
        def one(b):
            r = self._ranges[b]
            return self._blocks[b].epoch(orders[r.start:r.stop], opts[r.start:r.stop],
                                         steps[r.start:r.stop], seeds[r.start:r.stop])
        parts = self._each(one)
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(2))

    def epochs(self, orders, opts, steps, seeds):
        """See :meth:`PopulationEngine.epochs`: each block's, and when one fails every block
        goes back to before the call."""
        def one(b):
            r = self._ranges[b]
            return self._blocks[b].epochs(orders[r.start:r.stop], opts[:, r.start:r.stop],
                                          steps[:, r.start:r.stop], seeds[r.start:r.stop])
        parts = self._each(one)
        if any(p is None for p in parts):
            for block, part in zip(self._blocks, parts):
                if part is not None:
                    block.rollback()
            return None
        return tuple(np.concatenate([p[i] for p in parts], axis=1) for i in range(2))

    def finite(self):
        return np.concatenate([block.finite() for block in self._blocks])

    def snapshot(self):
        for block in self._blocks:
            block.snapshot()

    def restore(self, m):
        b, lane = self._where[m]
        self._blocks[b].restore(lane)

    def get(self, m):
        b, lane = self._where[m]
        return self._blocks[b].get(lane)

    def put(self, m, params):
        b, lane = self._where[m]
        self._blocks[b].put(lane, params)

    def evaluate(self, X, Y):
        parts = self._each(lambda b: self._blocks[b].evaluate(X, Y))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(2))

    def forward(self, X):
        return np.concatenate(self._each(lambda b: self._blocks[b].forward(X)))
