"""The race's and the seeds view's worker: one population trained in a thread of its own.

The worker builds a :class:`~.population_run.PopulationRun` (in its thread) and trains it a
chunk of epochs at a time, paced as the playground's full speed, until ``max_epochs``, every
member diverged or :meth:`PopulationWorker.stop`.  Between chunks it sends ``report(run)``
(the race's snapshots, the seeds' spread), at most as often as :class:`~.pacing.Pacer` allows.
"""
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .pacing import Pacer
from .thread_host import ThreadHost


class PopulationWorker(QObject):
    """Owns the training population (:attr:`run`). Emits ``report(run)`` and a warning per
    member that diverged, at the end."""

    sig_report = Signal(object)
    sig_message = Signal(str, str)
    sig_finished = Signal()

    def __init__(self):
        super().__init__()
        self.run, self.report, self.running = None, None, False
        self.max_epochs = 0
        self.member_name = "member"
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self.pacer = Pacer()

    @Slot(object)
    def start(self, arg):
        """Start: ``arg = (build, report, max_epochs, member_name)``; ``build()`` returns the
        :class:`~.population_run.PopulationRun`, ``report(run)`` what :attr:`sig_report` sends,
        ``member_name`` names a member in messages ("racer")."""
        build, self.report, self.max_epochs, self.member_name = arg
        try:
            self.run = build()
        except Exception as exc:  # noqa: BLE001 - bad settings become a message
            self.run = None
            self.sig_message.emit("error", f"{self.member_name}s: {exc}")
            self.sig_finished.emit()
            return
        self.pacer.reset()
        self._first = True
        self.running = True
        self._timer.start(0)

    def stop(self):
        """Stop after the current chunk (plain flag: safe from any thread)."""
        self.running = False

    @Slot()
    def _tick(self):
        run = self.run
        if not self.running or not run.alive() or run.epoch >= self.max_epochs:
            self._finish()
            return
        epochs = min(self.pacer.epochs(), self.max_epochs - run.epoch)
        start = time.perf_counter()
        try:
            run.train(epochs)
        except Exception as exc:  # noqa: BLE001 - end the run, keep the app
            self.sig_message.emit("error", f"{self.member_name}s stopped: {exc}")
            self.running = False
        # the first chunk compiles the kernels on a compiling back end: not a speed
        self.pacer.trained(epochs, time.perf_counter() - start, compiled=self._first)
        self._first = False
        if self.running and self.pacer.emit_due(time.perf_counter()):
            self._emit()
        self._timer.start(0)

    def _emit(self):
        start = time.perf_counter()
        try:
            report = self.report(self.run)
        except Exception as exc:  # noqa: BLE001 - end the run, keep the app
            self.sig_message.emit("error", f"{self.member_name}s stopped: {exc}")
            self.running = False
            return
        self.pacer.emitted(start, time.perf_counter())
        self.sig_report.emit(report)

    def _finish(self):
        self.running = False
        self._emit()
        for i, note in enumerate(self.run.failed()):
            if note:
                self.sig_message.emit("warning", f"{self.member_name} {i + 1} {note}")
        self.sig_finished.emit()


class PopulationHost(ThreadHost):
    """Runs a :class:`PopulationWorker` in a thread named ``name``; ``start`` is a queued call
    into it."""

    sig_start = Signal(object)

    def __init__(self, name, parent=None):
        super().__init__(PopulationWorker(), name, parent)
        self.sig_start.connect(self.worker.start)
        self.start_thread()

    def start(self, build, report, max_epochs, member_name):
        """Train ``build()`` for ``max_epochs`` epochs, sending ``report(run)`` as it goes."""
        self.sig_start.emit((build, report, int(max_epochs), member_name))
