"""Epoch timing for the command line: steady speed reported apart from the first epoch, which
includes the one-time JIT compile of the Numba kernels in a fresh install."""
import time

from ..callbacks import Callback


class EpochTimer(Callback):
    """Records the wall time of every epoch end; ``summary()`` describes it in one phrase."""

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
