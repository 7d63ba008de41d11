"""Callbacks run by ``fit`` between epochs (Keras style).

A callback sees the model as ``self.model`` and the epoch's metrics as ``logs``
(``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr`` when they exist).  Setting
``self.model.stop_training = True`` ends ``fit`` after the current epoch.
"""
from __future__ import annotations

import math
import time
from typing import Any


class Callback:
    """Base class; override the hooks you need.

    ``logs_only`` (False here) is a promise a callback may make: its ``on_epoch_end`` reads
    nothing but ``epoch`` and ``logs``, and changes nothing but ``model.stop_training`` and the
    optimizer's hyper-parameters.  Training may then run several epochs in one compiled call
    and call the callback over their logs afterwards, going back to the epoch after which it
    stopped training or changed a hyper-parameter, so it sees exactly what it would have seen
    epoch by epoch (``fit``'s results do not change, only its speed).
    """

    model: Any = None
    logs_only = False

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        """Called once before the first epoch of ``fit``."""

    def on_epoch_end(self, epoch, logs=None):
        """Called after every epoch with that epoch's ``logs``."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends (also after early stopping, divergence or Ctrl-C)."""


class History(Callback):
    """Records every epoch's logs: ``history["loss"]`` is the list of training losses, etc.

    ``fit`` returns one; ``epoch`` holds the (0-based, cumulative) epoch numbers.
    """

    logs_only = True

    def __init__(self):
        self.history: dict = {}
        self.epoch: list = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    ``on_train_begin`` and ``on_train_end`` are called with no argument."""

    def __init__(self, on_train_begin=None, on_epoch_end=None, on_train_end=None):
        self._begin, self._epoch_end, self._end = on_train_begin, on_epoch_end, on_train_end

    def on_train_begin(self, logs=None):
        if self._begin:
            self._begin()

    def on_epoch_end(self, epoch, logs=None):
        if self._epoch_end:
            self._epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        if self._end:
            self._end()


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        A log key; ``val_loss`` by default (falls back to ``loss`` when fit has no validation data).
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        Smallest change that counts as an improvement.
    mode : {"auto", "min", "max"}
        Whether smaller or larger is better; ``auto`` means max for accuracies, min otherwise.
    restore_best_weights : bool
        Put back the weights of the best epoch when stopping.
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, mode="auto",
                 restore_best_weights=False):
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative integer, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(float(min_delta))
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.best_weights = None, None, 0, None
        self.stopped_epoch = None

    def _improved(self, key, value):
        bigger_is_better = self.mode == "max" or (self.mode == "auto" and "acc" in key)
        if self.best is None:
            return True
        if bigger_is_better:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        key = self.monitor if self.monitor in logs or self.monitor != "val_loss" else "loss"
        if key not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which fit does not log; "
                             f"available: {sorted(logs)}")
        value = logs[key]
        if not math.isfinite(value):
            return
        if self._improved(key, value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class ProgressBar(Callback):
    """A progress bar over epochs (tqdm) showing the latest metrics; ``fit(verbose=1)`` adds it."""

    def __init__(self, epochs, file=None):
        self.epochs, self.file = epochs, file
        self.bar: Any = None

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.epochs, unit="epoch", file=self.file, dynamic_ncols=True)

    def on_epoch_end(self, epoch, logs=None):
        shown = {k: f"{v:.4g}" for k, v in (logs or {}).items() if k != "lr"}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()


class EpochTimer(Callback):
    """Records the wall time of every epoch end; ``summary()`` describes it in one phrase, the
    steady speed apart from the first epoch (which includes the one-time JIT compile of the
    Numba kernels in a fresh install)."""

    def on_train_begin(self, logs=None):
        self.stamps = [time.perf_counter()]

    def on_epoch_end(self, epoch, logs=None):
        self.stamps.append(time.perf_counter())

    def summary(self) -> str:
        """E.g. ``300 epochs in 0.31 s (first epoch 0.20 s, including any JIT compile; then
        2,700 epochs/s)``."""
        epochs = len(self.stamps) - 1
        total = self.stamps[-1] - self.stamps[0]
        if epochs < 2:
            return f"{epochs} epoch in {total:.2f} s"
        first = self.stamps[1] - self.stamps[0]
        rate = (epochs - 1) / max(self.stamps[-1] - self.stamps[1], 1e-9)
        return (f"{epochs} epochs in {total:.2f} s (first epoch {first:.2f} s, including any "
                f"JIT compile; then {rate:,.0f} epochs/s)")
