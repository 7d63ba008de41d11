"""What the CPU back ends share around their kernels: the ``Engine`` whose parameters and data
stay in host memory, and ``layer_outputs`` derived from a back end's own ``forward``."""
from __future__ import annotations

import numpy as np


class HostEngine:
    """Drives a CPU back end's ``train_epoch`` over one training set (see :mod:`fastnn.backends`).

    ``workspace(spec, batch_size, dtype)`` (None for back ends that need none) makes the work
    buffers once; every epoch passes them to ``train_epoch(..., buffers)``, so nothing is allocated
    per epoch or per batch.
    """

    def __init__(self, train_epoch, workspace, spec, params, state, X, Y, batch_size):
        self.params, self.state = params, state
        self._args = (spec, params, state, X, Y)
        self._batch_size = batch_size
        self._train_epoch = train_epoch
        self._workspace = workspace
        self._buffers = () if workspace is None else (workspace(spec, batch_size, params.dtype),)
        # The last two snapshots, newest first: a divergence may need the one before the last.
        self._saved = [(params.copy(), state.copy()), (params.copy(), state.copy())]

    def epoch(self, order, opt, step, seed):
        """One epoch over ``order``; returns ``(mean loss, accuracy)``."""
        return self._train_epoch(*self._args, order, self._batch_size, opt, step, seed,
                                 *self._buffers)

    def params_finite(self) -> bool:
        """Whether every weight is finite (a last update can overflow with a finite loss)."""
        return bool(np.isfinite(self.params).all())

    def set_spec(self, spec):
        """Train on with new per-layer settings of the same shapes (activations other than PReLU,
        their alphas, L1/L2 penalties, dropout rates); the work buffers are planned again, since
        a layer's dropout rate decides whether it has a mask buffer."""
        self._args = (spec,) + self._args[1:]
        if self._workspace is not None:
            self._buffers = (self._workspace(spec, self._batch_size, self.params.dtype),)

    def snapshot(self):
        """Remember the current weights and optimizer state (the last good ones); the snapshot
        before it is kept too, for :meth:`restore` with ``older=True``."""
        self._saved.reverse()
        np.copyto(self._saved[0][0], self.params)
        np.copyto(self._saved[0][1], self.state)

    def restore(self, older=False):
        """Go back to the last snapshot (``older``: to the one before it)."""
        params, state = self._saved[1 if older else 0]
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
