"""How much a worker trains between looks at its commands, and how often it sends snapshots.

A chunk of epochs is sized to take about ``CHUNK_S`` seconds, so pause and edits are handled
within that time.  Snapshots (every view's data) go out at most ``EMIT_HZ`` times a second and,
when computing them is slow (a busy machine, a big network), no more often than keeps them under
``EMIT_SHARE`` of the worker's time: the views then refresh less often rather than training
slowing down.
"""
import numpy as np

CHUNK_S = 0.03
EMIT_HZ = 30.0
EMIT_SHARE = 0.08
MAX_CHUNK = 5000


class Pacer:
    """Chunk sizes from the measured seconds per epoch, and the spacing of snapshots."""

    def __init__(self):
        self.reset()
        self._emit_cost = 0.0
        self._last_emit = -np.inf

    def reset(self):
        """Forget the speed (new network, back end or data): the next chunk is one epoch."""
        self._sec_per_epoch = None

    def epochs(self, shares=1):
        """Epochs for the next chunk, when ``shares`` runs take turns within one chunk."""
        if self._sec_per_epoch is None:
            return 1
        return int(np.clip(CHUNK_S / shares / max(self._sec_per_epoch, 1e-7), 1, MAX_CHUNK))

    def trained(self, epochs, seconds):
        """Record that ``epochs`` epochs took ``seconds``."""
        per = seconds / max(epochs, 1)
        self._sec_per_epoch = per if self._sec_per_epoch is None else \
            0.7 * self._sec_per_epoch + 0.3 * per

    def emit_due(self, now):
        """Whether a snapshot may go out at time ``now`` (``time.perf_counter()``)."""
        return now - self._last_emit >= max(1.0 / EMIT_HZ, self._emit_cost / EMIT_SHARE)

    def emitted(self, start, end):
        """Record a snapshot computed from ``start`` to ``end``."""
        self._emit_cost = 0.7 * self._emit_cost + 0.3 * (end - start)
        self._last_emit = end
