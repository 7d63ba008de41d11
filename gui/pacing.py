"""How fast the app trains: the speed a class watches, and at full speed the chunk sizes.

The speed control (:data:`SPEEDS`) goes from one mini-batch per frame and one epoch per frame,
the pace of TensorFlow Playground that a class can follow (:data:`DEFAULT_SPEED`), up to full
speed.  At a paced speed the worker trains one frame's worth every :data:`FRAME_S` seconds and
shows every frame.  At full speed a chunk of epochs is sized to take about ``CHUNK_S`` seconds,
so pause and edits are handled within that time.  Snapshots (every view's data) go out at most
``EMIT_HZ`` times a second and, when computing them is slow (a busy machine, a big network), no
more often than keeps them under ``EMIT_SHARE`` of the worker's time: the views then refresh
less often rather than training slowing down.
"""
from dataclasses import dataclass

import numpy as np

FRAME_S = 1 / 30       # one frame of a paced speed (the window redraws at 30 Hz)
CHUNK_S = 0.03
EMIT_HZ = 30.0
EMIT_SHARE = 0.08
MAX_CHUNK = 5000


@dataclass(frozen=True)
class Speed:
    """One setting of the speed control: ``unit`` "batch", "epoch" or "full" (as fast as the
    machine goes), ``amount`` mini-batches or epochs per frame."""

    label: str
    unit: str
    amount: int = 1

    @property
    def paced(self):
        """Whether the worker trains one frame's worth per frame (not "full")."""
        return self.unit != "full"

    def per_second(self):
        """The rate it aims at, in its unit per second (0 for full speed)."""
        return self.amount / FRAME_S if self.paced else 0.0


SPEEDS = (
    Speed("1 mini-batch / frame", "batch", 1),
    Speed("1 epoch / frame", "epoch", 1),
    Speed("10 epochs / frame", "epoch", 10),
    Speed("100 epochs / frame", "epoch", 100),
    Speed("full speed", "full", 0),
)
DEFAULT_SPEED = SPEEDS[1]     # as TensorFlow Playground: one epoch per animation frame


def speed(label):
    """The :data:`SPEEDS` entry called ``label`` (ValueError naming them otherwise)."""
    for s in SPEEDS:
        if s.label == label:
            return s
    raise ValueError(f"unknown speed {label!r}; expected one of {[s.label for s in SPEEDS]}")


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
