"""Race: train 2-4 configurations from the same initial weights, in one worker thread.

The racers take turns, a chunk of epochs each, until ``max_epochs`` or :meth:`stop`.
A racer whose loss diverges drops out with a note; the others go on.
"""
import time

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from .trainer import Trainer

CHUNK_S = 0.03
EMIT_HZ = 30.0


class RaceWorker(QObject):
    """Owns the racing trainers. Emits a list of snapshots (None for a racer that failed)."""

    sig_snapshots = Signal(list)
    sig_message = Signal(str, str)
    sig_finished = Signal()

    def __init__(self):
        super().__init__()
        self.trainers, self.failed, self.running = [], [], False
        self.max_epochs = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._spe = None
        self._last_emit = 0.0

    @Slot(object)
    def start(self, arg):
        """Start a race: ``arg = (problem, [Settings, ...], max_epochs)``."""
        problem, variants, self.max_epochs = arg
        try:
            first = Trainer(problem, variants[0])
            init = first.initial_weights
            self.trainers = [first] + [Trainer(problem, s, init_weights=init)
                                       for s in variants[1:]]
        except Exception as exc:  # noqa: BLE001 - bad settings become a message
            self.sig_message.emit("error", f"race: {exc}")
            self.sig_finished.emit()
            return
        self.failed = [None] * len(self.trainers)
        self._spe, self.running = None, True
        self._timer.start(0)

    def stop(self):
        """Stop after the current chunk (plain flag: safe from any thread)."""
        self.running = False

    def _alive(self):
        return [i for i, t in enumerate(self.trainers)
                if self.failed[i] is None and t.epoch < self.max_epochs]

    @Slot()
    def _tick(self):
        import fastnn
        alive = self._alive()
        if not self.running or not alive:
            self._finish()
            return
        epochs = 1 if self._spe is None else int(np.clip(CHUNK_S / len(alive) / self._spe,
                                                         1, 2000))
        start = time.perf_counter()
        for i in alive:
            t = self.trainers[i]
            try:
                t.train(min(epochs, self.max_epochs - t.epoch))
                t.evaluate()
            except fastnn.DivergenceError as exc:
                self.failed[i] = f"diverged at epoch {t.epoch}: {exc}"
            except Exception as exc:  # noqa: BLE001 - one racer failing must not end the app
                self.failed[i] = str(exc)
        per = (time.perf_counter() - start) / (epochs * len(alive))
        self._spe = per if self._spe is None else 0.7 * self._spe + 0.3 * per
        if time.perf_counter() - self._last_emit >= 1.0 / EMIT_HZ:
            try:
                self._emit()
            except Exception as exc:  # noqa: BLE001 - end the race, keep the app
                self.sig_message.emit("error", f"race stopped: {exc}")
                self.running = False
        self._timer.start(0)

    def _emit(self):
        self._last_emit = time.perf_counter()
        self.sig_snapshots.emit([t.snapshot(detail=self.failed[i] is None)
                                 for i, t in enumerate(self.trainers)])

    def _finish(self):
        self.running = False
        if self.trainers:
            self._emit()
        for i, note in enumerate(self.failed):
            if note:
                self.sig_message.emit("warning", f"racer {i + 1} {note}")
        self.sig_finished.emit()


class RaceHost(QObject):
    """Thread owner for :class:`RaceWorker`; ``start`` is a queued call into that thread."""

    sig_start = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("fastnn-race")
        self.worker = RaceWorker()
        self.worker.moveToThread(self.thread)
        self.sig_start.connect(self.worker.start)
        self.thread.start()

    def start(self, problem, variants, max_epochs):
        """Begin a race of ``variants`` (Settings) on ``problem`` for ``max_epochs`` epochs."""
        self.sig_start.emit((problem, variants, int(max_epochs)))

    def stop(self):
        """Stop the race and end the thread."""
        self.worker.stop()
        self.thread.quit()
        self.thread.wait()
