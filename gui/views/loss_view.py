"""Live train/test loss curves (and accuracy for classification), on a linear or log epoch axis.

The axes rescale at epoch 0 of every new network (reset, new data), then grow with the run.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import colors


def _nice(x):
    """Smallest 1, 2 or 5 times a power of ten that is >= x."""
    p = 10.0 ** np.floor(np.log10(max(x, 1e-12)))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x)


class RangeKeeper:
    """Sets a plot's range by hand, changing it only when the data leaves it or shrinks to a
    third of it: the axes (costly text) are then redrawn rarely, not on every update.
    ``log_x``: the epoch axis is logarithmic (pyqtgraph's ranges are then in log10 units)."""

    START_X = 10     # epochs shown at epoch 0

    def __init__(self, plot, fixed_y=None):
        self.plot, self.fixed_y = plot, fixed_y
        self.x, self.y = None, None
        self.log_x = False
        plot.disableAutoRange()
        if fixed_y:
            plot.setYRange(*fixed_y, padding=0)

    def _set_x(self, x_max):
        self.x = x_max
        if self.log_x:
            self.plot.setXRange(np.log10(FIRST_LOG_X), np.log10(x_max), padding=0)
        else:
            self.plot.setXRange(0, x_max, padding=0)

    def update(self, x_max, lo, hi):
        """Make room for data up to ``x_max`` and between ``lo`` and ``hi``."""
        if self.x is None or x_max > self.x:
            self._set_x(_nice(max(1.5 * x_max, self.START_X)))
        if self.fixed_y or not (np.isfinite(lo) and np.isfinite(hi)):
            return
        span = max(hi - lo, 1e-6)
        if self.y is None or lo < self.y[0] or hi > self.y[1] or \
                span < (self.y[1] - self.y[0]) / 3:
            self.y = (lo - 0.1 * span, hi + 0.1 * span)
            self.plot.setYRange(*self.y, padding=0)

    def reset(self, lo=None, hi=None):
        """Start again at epoch 0 (new data or reset): the first epochs, and ``lo``..``hi`` (the
        loss at the initial weights) when known."""
        self.x, self.y = None, None
        self._set_x(self.START_X)
        if not self.fixed_y and lo is not None and np.isfinite(lo) and np.isfinite(hi):
            span = max(hi - lo, 0.1 * abs(hi), 1e-3)
            self.y = (max(0.0, lo - 0.5 * span), hi + 0.5 * span)
            self.plot.setYRange(*self.y, padding=0)

    def set_log_x(self, on):
        """Switch the epoch axis between linear and logarithmic."""
        self.log_x = bool(on)
        self.plot.setLogMode(x=self.log_x)
        if self.x is not None:
            self._set_x(self.x)


FIRST_LOG_X = 0.5    # where a log epoch axis starts (epoch 0 cannot be drawn on it)


def _curve(plot, color, name, width=2):
    item = plot.plot(pen=pg.mkPen(*color, width=width), name=name)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class LossView(QWidget):
    """Two plots created once: loss per epoch and (classification only) accuracy."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget()
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)  # plain numbers, no "(x0.001)"
        self.loss_plot.setLabels(left="loss", bottom="epoch")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.train = _curve(self.loss_plot, (40, 40, 40), "train")
        self.test = _curve(self.loss_plot, colors.ORANGE, "test")
        self.acc_plot = pg.PlotWidget()
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.getAxis("left").enableAutoSIPrefix(False)
        self.acc_plot.setLabels(left="accuracy", bottom="epoch")
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_train = _curve(self.acc_plot, (40, 40, 40), "train")
        self.acc_test = _curve(self.acc_plot, colors.ORANGE, "test")
        self.readout = QLabel("")
        self.log_x = QCheckBox("log epoch axis")
        self.log_x.setToolTip("Epochs on a logarithmic axis: the first epochs, where most of "
                              "the learning happens, get as much room as the thousands after")
        top = QHBoxLayout()
        top.addWidget(self.readout, 1)
        top.addWidget(self.log_x)
        layout.addLayout(top)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.acc_plot, 2)
        self.loss_range = RangeKeeper(self.loss_plot)
        self.acc_range = RangeKeeper(self.acc_plot, fixed_y=(0.0, 1.02))
        self.log_x.toggled.connect(self.set_log_x)
        self._last = None

    def set_log_x(self, on):
        """Draw both plots over a logarithmic epoch axis (``on``) or a linear one."""
        for keeper in (self.loss_range, self.acc_range):
            keeper.set_log_x(on)
        if self._last is not None:
            self.update_snapshot(self._last)

    def set_task(self, task):
        """Hide the accuracy plot for regression."""
        self.acc_plot.setVisible(task != "regression")

    def update_snapshot(self, snap):
        """Redraw the curves from the history arrays in ``snap``."""
        self._last = snap
        test = "–" if snap.test_now is None else f"{snap.test_now:.4f}"
        train = "–" if snap.train_now is None else f"{snap.train_now:.4f}"
        self.readout.setText(f"Test loss {test}   ·   Training loss {train}")
        if len(snap.loss_y) == 0:          # epoch 0 of a new network: start the axes again
            lo = hi = None
            if len(snap.test_y):
                both = np.array([snap.test_y[-1], snap.train_now or snap.test_y[-1]])
                lo, hi = float(both.min()), float(both.max())
            self.loss_range.reset(lo, hi)
            self.acc_range.reset()
        else:
            both = np.concatenate([snap.loss_y, snap.test_y])
            self.loss_range.update(snap.position, float(both.min()), float(both.max()))
            self.acc_range.update(snap.position, 0.0, 1.0)
        log = self.loss_range.log_x
        self._set(self.train, snap.loss_x, snap.loss_y, log)
        self._set(self.test, snap.test_x, snap.test_y, log)
        if snap.task != "regression":
            self._set(self.acc_train, snap.acc_x, snap.acc_train, log)
            self._set(self.acc_test, snap.acc_x, snap.acc_test, log)

    @staticmethod
    def _set(curve, x, y, log):
        """``setData``, leaving out epoch 0 on a log axis (log 0 is -inf)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if log:
            keep = x > 0
            x, y = x[keep], y[keep]
        curve.setData(x, y, skipFiniteCheck=True)
