"""What the CPU back ends share around their kernels: the ``Engine`` whose parameters and data
stay in host memory, ``layer_outputs`` derived from a back end's own ``forward``, and the sparse
rows of a training set (a ``scipy.sparse`` CSR ``X`` is only ever read as its rows)."""
from __future__ import annotations

import numpy as np

from .. import _threads

# Dense training inputs with at most this fraction of non-zeros (MNIST: 0.19) go through the
# first layer as sparse rows on one thread: each non-zero costs one row of W, so that work scales
# with the density, while a dense product costs the same at any density (benchmarks/results: the
# break-even).  The sparse loops run on one core, so with more BLAS threads the dense product is
# faster (MNIST 784-256-128-10 on 2 threads: 82k samples/s as sparse rows, 1.6x that as BLAS).
SPARSE_MAX_DENSITY = 0.5


class HostEngine:
    """Drives a CPU back end's ``train_epoch`` over one training set (see :mod:`fastnn.backends`).

    ``evaluate`` is the back end's own (see :meth:`evaluate`).
    ``workspace(spec, batch_size, dtype, sparse_input)`` (None for back ends that need none; the
    flag says ``X`` is a ``scipy.sparse`` matrix, whose rows are never staged) makes the work
    buffers once; every epoch passes them to ``train_epoch(..., buffers)``, so nothing is allocated
    per epoch or per batch.
    """

    def __init__(self, train_epoch, workspace, evaluate, spec, params, state, X, Y, batch_size,
                 sample_weight=None, train_epochs=None):
        self.params, self.state = params, state
        self._evaluate = evaluate
        self._args = (spec, params, state, X, Y)
        self._batch_size = batch_size
        self._sample_weight = sample_weight
        self._train_epoch = train_epoch
        self._workspace = workspace
        self._sparse_input = is_sparse(X)
        self._buffers = () if workspace is None else (self._plan(spec),)
        # The last two snapshots, newest first (a divergence may need the one before the last),
        # and a spare for epochs() to write the one before its last epoch into; each is one
        # flat buffer of params then state.
        self._saved = [self._new_snapshot(), self._new_snapshot()]
        self._spare = self._new_snapshot()
        self._train_epochs = train_epochs or self._epoch_by_epoch

    def _new_snapshot(self):
        flat = np.concatenate([self.params, self.state.ravel()])
        return flat, flat[:self.params.size], flat[self.params.size:].reshape(self.state.shape)

    def epoch(self, order, opt, step, seed):
        """One epoch over ``order``; returns ``(mean loss, accuracy)``."""
        return self._train_epoch(*self._args, order, self._batch_size, opt, step, seed,
                                 self._sample_weight, *self._buffers)

    def epochs(self, orders, opts, step, seed):
        """Whole epochs in one call, epoch ``e`` over the rows ``orders[e]`` with the
        hyper-parameters ``opts[e]``, from optimizer step ``step``; returns the per-epoch
        ``(losses, accuracies)`` when every epoch's loss and the weights after it are finite, the
        snapshots then being those after the last two epochs (as if :meth:`snapshot` had followed
        each).  Otherwise returns None with the weights, optimizer state and snapshots as before
        the call: training those epochs one at a time tells where it failed.  One kernel call
        where the back end has ``train_epochs`` (numba), else one per epoch."""
        results = self._train_epochs(*self._args, orders, self._batch_size, opts, step, seed,
                                     self._spare[0], self._sample_weight, *self._buffers)
        if not (np.isfinite(results).all() and self.params_finite()):
            self.restore()
            return None
        if len(orders) == 1:
            self.snapshot()
        else:       # the spare holds the weights before the last epoch
            newest, oldest = self._saved
            np.copyto(oldest[1], self.params)
            np.copyto(oldest[2], self.state)
            self._saved, self._spare = [oldest, self._spare], newest
        return results[:, 0], results[:, 1]

    def _epoch_by_epoch(self, spec, params, state, X, Y, orders, batch_size, opts, step, seed,
                        older, sample_weight=None, *buffers):
        """``train_epochs`` (see :mod:`fastnn.backends`) as one ``train_epoch`` call per epoch."""
        history = np.full((len(orders), 2), np.nan)
        batches = -(-orders.shape[1] // batch_size)
        for e, order in enumerate(orders):
            if e == len(orders) - 1 and e > 0:
                older[:params.size] = params
                older[params.size:] = state.ravel()
            history[e] = self._train_epoch(spec, params, state, X, Y, order, batch_size, opts[e],
                                           step + e * batches, seed, sample_weight, *buffers)
            if not np.isfinite(history[e, 0]):
                break
        return history

    def evaluate(self):
        """Mean loss plus penalty and accuracy on the training set at the current weights."""
        spec, params, _, X, Y = self._args
        return self._evaluate(spec, params, X, Y, self._sample_weight)

    def _plan(self, spec):
        return self._workspace(spec, self._batch_size, self.params.dtype, self._sparse_input)

    def params_finite(self) -> bool:
        """Whether every weight is finite (a last update can overflow with a finite loss)."""
        return bool(np.isfinite(self.params).all())

    def set_spec(self, spec):
        """Train on with new per-layer settings of the same shapes (activations other than PReLU,
        their alphas, L1/L2 penalties, dropout rates); the work buffers are planned again, since
        a layer's dropout rate decides whether it has a mask buffer."""
        self._args = (spec,) + self._args[1:]
        if self._workspace is not None:
            self._buffers = (self._plan(spec),)

    def snapshot(self):
        """Remember the current weights and optimizer state (the last good ones); the snapshot
        before it is kept too, for :meth:`restore` with ``older=True``."""
        self._saved.reverse()
        np.copyto(self._saved[0][1], self.params)
        np.copyto(self._saved[0][2], self.state)

    def set_snapshot(self, params, state):
        """Remember ``params`` and ``state`` (not the current ones) as the last snapshot."""
        self._saved.reverse()
        np.copyto(self._saved[0][1], params)
        np.copyto(self._saved[0][2], state)

    def restore(self, older=False):
        """Go back to the last snapshot (``older``: to the one before it)."""
        _, params, state = self._saved[1 if older else 0]
        np.copyto(self.params, params)
        np.copyto(self.state, state)

    def sync(self):
        """Nothing to copy back: the host arrays are the live ones."""


def layer_outputs(forward, spec, params, X):
    """Activations of every layer on ``X`` (a list of (n, width) arrays), each computed by the back
    end's ``forward`` on the network cut after that layer (the last one is the raw output)."""
    outputs = []
    for layer in range(spec.n_layers):
        out = np.empty((X.shape[0], int(spec.sizes[layer + 1])), params.dtype)
        outputs.append(forward(spec.truncated(layer + 1), params, X, out))
    return outputs


def is_sparse(X) -> bool:
    """Whether ``X`` is a ``scipy.sparse`` matrix (the contract's only other form of ``X``)."""
    return hasattr(X, "tocsr")


def sparse_rows(X):
    """``X`` (n, k) as compressed sparse rows ``(indptr, indices, values)``: int64, int64 and
    ``X``'s dtype, the non-zeros of each row in column order.  A ``scipy.sparse`` CSR matrix
    gives its own arrays (converted to int64 where needed), never a dense copy."""
    if is_sparse(X):
        return (np.ascontiguousarray(X.indptr, np.int64), np.ascontiguousarray(X.indices, np.int64),
                np.ascontiguousarray(X.data))
    # through a boolean mask of the flat array: np.nonzero of a 2-D float array walks a
    # multi-index iterator (MNIST's 10,000 x 784: 77 ms, against 17 ms this way, every fit)
    n, k = X.shape
    flat = X.reshape(-1)
    present = flat != 0
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.count_nonzero(present.reshape(n, k), axis=1), out=indptr[1:])
    where = np.flatnonzero(present)
    return indptr, where % k if k else where, flat[where]


def no_rows(dtype):
    """The empty ``(indptr, indices, values)`` that mean "no sparse rows"."""
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype)


class TrainingRows:
    """The training set's sparse rows, when its first layer should visit only the non-zeros (a
    ``scipy.sparse`` input, or a dense one with few non-zeros and no dropout on it, trained on one
    thread), built once per training set; else :attr:`none`, empty arrays of the same types."""

    def __init__(self, dtype):
        self.none = no_rows(dtype)
        self._source = self._rows = self._one_thread = None

    def of(self, spec, X):
        """The rows to pass the kernel for training set ``X`` (a cached result per ``X`` and
        thread count)."""
        one_thread = _threads.current() == 1
        if X is not self._source or one_thread != self._one_thread:
            self._source, self._one_thread, self._rows = X, one_thread, self.none
            if is_sparse(X):
                self._rows = sparse_rows(X)
            elif one_thread and spec.drop[0] == 0 and X.size and \
                    np.count_nonzero(X) <= SPARSE_MAX_DENSITY * X.size:
                self._rows = sparse_rows(X)
        return self._rows
