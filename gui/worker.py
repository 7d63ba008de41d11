"""The training worker: a QObject living in its own QThread that owns the model.

The window never touches the network. It sends commands (``WorkerHost.send(name, arg)``),
which arrive as queued calls of :meth:`TrainWorker.command` in the worker thread. Training
runs in frames or chunks driven by a timer, so commands are handled between them.  At a paced
speed (:data:`~.pacing.SPEEDS`) each frame is one mini-batch (``Session.step``) or a few epochs
(``Session.run``) and every frame is shown; at full speed :class:`~.pacing.Pacer` sizes chunks
of epochs and spaces out the snapshots.
"""
import time
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal, Slot

import fastnn

from . import data as data_mod
from . import settings as settings_mod
from .pacing import DEFAULT_SPEED, FRAME_S, Pacer, speed
from .snapshot import ViewRequests
from .thread_host import ThreadHost
from .training_run import TrainingRun

_COMPILED = set()     # kernel specialisations this process has used (see settings.kernel_key)


class TrainWorker(QObject):
    """Owns a :class:`TrainingRun`; trains in chunks and emits snapshots and messages."""

    sig_snapshot = Signal(object)      # Snapshot
    sig_problem = Signal(object)       # Problem, after new data was loaded
    sig_settings = Signal(object)      # Settings, when the worker changed them (model loaded)
    sig_message = Signal(str, str)     # level ("info" | "warning" | "error"), text
    sig_running = Signal(bool)
    sig_busy = Signal(str)             # what the worker is busy with (compiling), "" when done

    def __init__(self):
        super().__init__()
        self.training = None
        self.running = False
        self.unrendered = 0            # snapshots sent but not yet received by the window
        self._timer = QTimer(self)     # a child: moves to the worker thread with us
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self.pacer = Pacer()
        self.speed = DEFAULT_SPEED
        self.views = ViewRequests()
        self._rate, self._rate_t0, self._rate_done = 0.0, None, 0
        self._commands = {
            "data": self._cmd_data, "settings": self._cmd_settings, "play": self._cmd_play,
            "pause": self._cmd_pause, "step": self._cmd_step, "reset": self._cmd_reset,
            "step_batch": self._cmd_step_batch, "speed": self._cmd_speed,
            "weight": self._cmd_weight, "save": self._cmd_save, "load": self._cmd_load,
            "features": self._cmd_features, "snapshot": self._cmd_snapshot,
        }
        for name in ("focus", "pad", "inspect"):
            self._commands[name] = lambda arg, name=name: self._cmd_view(arg, name)

    # -- command dispatch ---------------------------------------------------------------
    @Slot(str, object)
    def command(self, name, arg):
        """Run command ``name``; any error becomes a message and pauses training."""
        try:
            self._commands[name](arg)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window
            self._set_running(False)
            self.sig_message.emit("error", f"{name}: {exc}")

    @contextmanager
    def _may_compile(self, training):
        """Tell the window while a kernel specialisation is used for the first time in this
        process (a compile, seconds the first time on a machine, or a load from the disk cache;
        the window shows the message only if it lasts)."""
        t = self.training
        key = None if t is None else settings_mod.kernel_key(t.settings, t.loss, training)
        new = key is not None and key not in _COMPILED
        if new:
            self.sig_busy.emit(f"Compiling the kernels for {settings_mod.kernel_label(key)}, "
                               f"once (then they are cached on disk)…")
        try:
            yield
        finally:
            if new:
                _COMPILED.add(key)
                self.sig_busy.emit("")

    def _need_training(self):
        if self.training is None:
            raise RuntimeError("no data loaded yet")
        return self.training

    def _cmd_data(self, arg):
        request, settings = arg
        was_running = self.running
        self._set_running(False)
        problem = data_mod.load(request)
        self._replace(TrainingRun(problem, settings))
        self.pacer.reset()
        self.sig_problem.emit(problem)
        self._emit_snapshot()
        if was_running:
            self._set_running(True)

    def _replace(self, training):
        if self.training is not None:
            self.training.close()
        self.training = training

    def stop(self):
        """Stop training after the current chunk (a plain flag: safe from any thread)."""
        self.running = False

    def _cmd_features(self, names):
        t = self._need_training()
        self._replace(TrainingRun(t.problem.with_features(names), t.settings))
        self.pacer.reset()
        self.sig_problem.emit(self.training.problem)
        self._emit_snapshot()

    def _cmd_settings(self, settings):
        kind = self._need_training().update_settings(settings)
        if kind != "live":
            self.pacer.reset()
        self._emit_snapshot()

    def _cmd_play(self, _=None):
        self._need_training()
        self._set_running(True)

    def _cmd_pause(self, _=None):
        self._set_running(False)
        if self.training is not None:
            self._emit_snapshot()

    def _cmd_step(self, _=None):
        """One mini-batch at the mini-batch speed, else one epoch."""
        self._set_running(False)
        if self.speed.unit == "batch":
            self._train_batches(1)
        else:
            self._train_chunk(1)
        self._emit_snapshot()

    def _cmd_step_batch(self, _=None):
        """Exactly one mini-batch (``Session.step``), paused."""
        self._set_running(False)
        self._train_batches(1)
        self._emit_snapshot()

    def _cmd_speed(self, label):
        self.speed = speed(label)
        self.pacer.reset()
        self._rate_t0 = None
        if self.running:
            self._timer.start(0)

    def _cmd_view(self, arg, name):
        """``focus``, ``pad`` or ``inspect``: what the snapshots should carry (see
        :class:`~.snapshot.ViewRequests`); shown at once when paused."""
        setattr(self.views, name, arg)
        if name == "inspect" and arg is None and self.training is not None:
            self.training.last_update = None
        if not self.running and self.training is not None:
            self._emit_snapshot()

    def _cmd_reset(self, same_weights):
        self._set_running(False)
        self._need_training().reset(bool(same_weights))
        self.pacer.reset()
        self._emit_snapshot()

    def _cmd_weight(self, arg):
        self._need_training().set_weight(*arg)
        self._emit_snapshot()

    def _cmd_save(self, path):
        fastnn.save(self._need_training().net, str(path))
        self.sig_message.emit("info", f"model saved to {path}")

    def _cmd_load(self, path):
        t = self._need_training()
        net = fastnn.load(str(path))
        t.adopt(net)
        self._set_running(False)
        self.sig_settings.emit(t.settings)
        self.sig_message.emit("info", f"model loaded from {path}")
        self._emit_snapshot()

    def _cmd_snapshot(self, _=None):
        self._emit_snapshot()

    # -- training loop --------------------------------------------------------------------
    def _set_running(self, running):
        if running == self.running:
            return
        self.running = running
        self._rate_t0 = None
        self.sig_running.emit(running)
        if running:
            self._timer.start(0)
        else:
            self._timer.stop()

    def _train_chunk(self, epochs):
        """Train ``epochs`` epochs; on divergence pause, explain and return False."""
        t = self._need_training()
        start = time.perf_counter()
        try:
            with self._may_compile(training=True):
                done = t.train(epochs, track=self.views.inspect is not None)
        except fastnn.DivergenceError as exc:
            self._diverged(t, exc)
            return False
        self.pacer.trained(done, time.perf_counter() - start)
        self._count_rate(done)
        return True

    def _train_batches(self, n):
        """Train ``n`` mini-batches; on divergence pause, explain and return False."""
        t = self._need_training()
        try:
            with self._may_compile(training=True):
                for _ in range(n):
                    t.step(track=self.views.inspect is not None)
        except fastnn.DivergenceError as exc:
            self._diverged(t, exc)
            return False
        self._count_rate(n)
        return True

    def _diverged(self, t, exc):
        self._set_running(False)
        self.sig_message.emit("warning", divergence_text(t, exc))

    def _count_rate(self, done):
        """Epochs (or mini-batches, at that speed) per wall-clock second, over windows of about
        half a second."""
        now = time.perf_counter()
        if self._rate_t0 is None or done == 0:
            self._rate_t0, self._rate_done = now, 0
            return
        self._rate_done += done
        if now - self._rate_t0 >= 0.5:
            self._rate = self._rate_done / (now - self._rate_t0)
            self._rate_t0, self._rate_done = now, 0

    @Slot()
    def _tick(self):
        if not self.running:
            return
        if self.speed.paced:
            self._paced_frame()
            return
        try:
            ok = self._train_chunk(self.pacer.epochs())
        except Exception as exc:  # noqa: BLE001 - keep the model, tell the user
            self._failed(exc)
            ok = False
        now = time.perf_counter()
        if not ok or not self.running:
            self._emit_snapshot()
        elif self.pacer.emit_due(now) and self.unrendered < 2:
            self._emit_snapshot()
        if self.running:
            self._timer.start(0)

    def _paced_frame(self):
        """One frame at a paced speed: train its mini-batches or epochs and show it; when the
        window is behind (two frames not drawn yet) wait for it instead, so no frame is lost."""
        start = time.perf_counter()
        if self.unrendered < 2:
            s = self.speed
            try:
                if s.unit == "batch":
                    self._train_batches(s.amount)
                else:
                    self._train_chunk(s.amount)
            except Exception as exc:  # noqa: BLE001 - keep the model, tell the user
                self._failed(exc)
            self._emit_snapshot()
        if self.running:
            wait = FRAME_S - (time.perf_counter() - start)
            self._timer.start(max(0, int(1000 * wait)))

    def _failed(self, exc):
        self._set_running(False)
        self.sig_message.emit("error", f"training stopped: {exc}")

    def _emit_snapshot(self):
        t = self.training
        if t is None:
            return
        start = time.perf_counter()
        with self._may_compile(training=False):
            t.evaluate()
            t.record_gradients()
            snap = t.snapshot(detail=True, views=self.views)
        snap.epochs_per_s = self._rate if self.running else 0.0
        snap.rate_unit = "batches/s" if self.speed.unit == "batch" else "epochs/s"
        self.pacer.emitted(start, time.perf_counter())
        self.unrendered += 1
        self.sig_snapshot.emit(snap)


def divergence_text(training, exc):
    """The window's explanation of a divergence (NaN/inf loss)."""
    s = training.settings
    return (f"Training diverged at epoch {training.epoch}: the loss became NaN or infinite, "
            f"so training was paused. The weights were restored to the last epoch whose loss "
            f"is finite. "
            f"The learning rate ({s.lr:g}) is probably too large for {s.optimizer}: lower it, "
            f"use a smaller batch or an adaptive optimizer (Adam), then press play. ({exc})")


class WorkerHost(ThreadHost):
    """Runs a :class:`TrainWorker` in its own thread and forwards commands as queued calls."""

    sig_command = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(TrainWorker(), "fastnn-train", parent)
        self.sig_command.connect(self.worker.command)
        self.start_thread()

    def send(self, name, arg=None):
        """Queue command ``name`` (see :class:`TrainWorker`) with argument ``arg``."""
        self.sig_command.emit(name, arg)

    def rendered(self):
        """Tell the worker one snapshot was received (back-pressure for a busy window)."""
        self.worker.unrendered = max(0, self.worker.unrendered - 1)
