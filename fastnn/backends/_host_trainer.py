"""The ``Trainer`` of the CPU back ends: parameters and data stay in host memory."""
from __future__ import annotations

import numpy as np


class HostTrainer:
    """Drives ``train_epoch`` of a CPU back end for one ``fit``.

    ``make_epoch(spec, params, state, X, Y, batch_size)`` returns a function
    ``epoch(order, opt, step, seed) -> (loss, accuracy)`` that owns any work buffers, so they are
    allocated once per fit and never inside the batch loop.
    """

    def __init__(self, make_epoch, spec, params, state, X, Y, batch_size):
        self.params, self.state = params, state
        self._epoch = make_epoch(spec, params, state, X, Y, batch_size)
        self._saved = (params.copy(), state.copy())

    def epoch(self, order, opt, step, seed):
        return self._epoch(order, opt, step, seed)

    def params_finite(self) -> bool:
        """Whether every weight is finite (a last update can overflow with a finite loss)."""
        return bool(np.isfinite(self.params).all())

    def snapshot(self):
        """Remember the current weights and optimizer state (the last finite ones)."""
        np.copyto(self._saved[0], self.params)
        np.copyto(self._saved[1], self.state)

    def restore(self):
        """Go back to the last snapshot."""
        np.copyto(self.params, self._saved[0])
        np.copyto(self.state, self._saved[1])

    def finish(self):
        """Nothing to copy back: the host arrays are the live ones."""
