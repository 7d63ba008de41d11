"""Race: train 2-4 configurations from the same initial weights, in one worker thread.

The racers take turns, a chunk of epochs each (one ``Session.run`` of each racer's
:class:`~.training_run.TrainingRun`), until ``max_epochs`` or :meth:`stop`.
A racer whose loss diverges drops out with a note; the others go on.
"""
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot

import fastnn

from .pacing import Pacer
from .thread_host import ThreadHost
from .training_run import TrainingRun


class RaceWorker(QObject):
    """Owns the racing runs. Emits a list of snapshots (None for a racer that failed)."""

    sig_snapshots = Signal(list)
    sig_message = Signal(str, str)
    sig_finished = Signal()

    def __init__(self):
        super().__init__()
        self.runs, self.failed, self.running = [], [], False
        self.max_epochs = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self.pacer = Pacer()

    @Slot(object)
    def start(self, arg):
        """Start a race: ``arg = (problem, [Settings, ...], max_epochs)``."""
        problem, variants, self.max_epochs = arg
        try:
            first = TrainingRun(problem, variants[0])
            init = first.initial_weights
            self._close_runs()
            self.runs = [first] + [TrainingRun(problem, s, init_weights=init)
                                   for s in variants[1:]]
        except Exception as exc:  # noqa: BLE001 - bad settings become a message
            self.sig_message.emit("error", f"race: {exc}")
            self.sig_finished.emit()
            return
        self.failed = [None] * len(self.runs)
        self.pacer.reset()
        self.running = True
        self._timer.start(0)

    def stop(self):
        """Stop after the current chunk (plain flag: safe from any thread)."""
        self.running = False

    def _close_runs(self):
        for run in self.runs:
            run.close()

    def _alive(self):
        return [i for i, t in enumerate(self.runs)
                if self.failed[i] is None and t.epoch < self.max_epochs]

    @Slot()
    def _tick(self):
        alive = self._alive()
        if not self.running or not alive:
            self._finish()
            return
        epochs = self.pacer.epochs(shares=len(alive))
        start = time.perf_counter()
        for i in alive:
            t = self.runs[i]
            try:
                t.train(min(epochs, self.max_epochs - t.epoch))
            except fastnn.DivergenceError as exc:
                self.failed[i] = f"diverged at epoch {t.epoch}: {exc}"
            except Exception as exc:  # noqa: BLE001 - one racer failing must not end the app
                self.failed[i] = str(exc)
        self.pacer.trained(epochs * len(alive), time.perf_counter() - start)
        if self.pacer.emit_due(time.perf_counter()):
            try:
                self._emit()
            except Exception as exc:  # noqa: BLE001 - end the race, keep the app
                self.sig_message.emit("error", f"race stopped: {exc}")
                self.running = False
        self._timer.start(0)

    def _emit(self):
        start = time.perf_counter()
        for i, t in enumerate(self.runs):
            if self.failed[i] is None:
                t.evaluate()
        snapshots = [t.snapshot(detail=self.failed[i] is None) for i, t in enumerate(self.runs)]
        self.pacer.emitted(start, time.perf_counter())
        self.sig_snapshots.emit(snapshots)

    def _finish(self):
        self.running = False
        if self.runs:
            self._emit()
        for i, note in enumerate(self.failed):
            if note:
                self.sig_message.emit("warning", f"racer {i + 1} {note}")
        self.sig_finished.emit()


class RaceHost(ThreadHost):
    """Runs a :class:`RaceWorker` in its own thread; ``start`` is a queued call into it."""

    sig_start = Signal(object)

    def __init__(self, parent=None):
        super().__init__(RaceWorker(), "fastnn-race", parent)
        self.sig_start.connect(self.worker.start)
        self.start_thread()

    def start(self, problem, variants, max_epochs):
        """Begin a race of ``variants`` (Settings) on ``problem`` for ``max_epochs`` epochs."""
        self.sig_start.emit((problem, variants, int(max_epochs)))
