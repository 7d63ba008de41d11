"""Live train/test loss curves (and accuracy for classification)."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from . import colors


def _nice(x):
    """Smallest 1, 2 or 5 times a power of ten that is >= x."""
    p = 10.0 ** np.floor(np.log10(max(x, 1e-12)))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x)


class RangeKeeper:
    """Sets a plot's range by hand, changing it only when the data leaves it or shrinks to a
    third of it: the axes (costly text) are then redrawn rarely, not on every update."""

    def __init__(self, plot, fixed_y=None):
        self.plot, self.fixed_y = plot, fixed_y
        self.x, self.y = None, None
        plot.disableAutoRange()
        if fixed_y:
            plot.setYRange(*fixed_y, padding=0)

    def update(self, x_max, lo, hi):
        """Make room for data up to ``x_max`` and between ``lo`` and ``hi``."""
        if self.x is None or x_max > self.x:
            self.x = _nice(max(1.5 * x_max, 10))
            self.plot.setXRange(0, self.x, padding=0)
        if self.fixed_y or not (np.isfinite(lo) and np.isfinite(hi)):
            return
        span = max(hi - lo, 1e-6)
        if self.y is None or lo < self.y[0] or hi > self.y[1] or \
                span < (self.y[1] - self.y[0]) / 3:
            self.y = (lo - 0.1 * span, hi + 0.1 * span)
            self.plot.setYRange(*self.y, padding=0)

    def reset(self):
        """Forget the ranges (new data or reset)."""
        self.x, self.y = None, None


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
        layout.addWidget(self.readout)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.acc_plot, 2)
        self.loss_range = RangeKeeper(self.loss_plot)
        self.acc_range = RangeKeeper(self.acc_plot, fixed_y=(0.0, 1.02))

    def set_task(self, task):
        """Hide the accuracy plot for regression."""
        self.acc_plot.setVisible(task != "regression")

    def update_snapshot(self, snap):
        """Redraw the curves from the history arrays in ``snap``."""
        if len(snap.loss_y) == 0:
            self.loss_range.reset()
            self.acc_range.reset()
            self.readout.setText("")
        else:
            test = f"{snap.test_y[-1]:.4f}" if len(snap.test_y) else "–"
            self.readout.setText(f"Test loss {test}   ·   Training loss {snap.loss_y[-1]:.4f}")
            both = np.concatenate([snap.loss_y, snap.test_y])
            self.loss_range.update(snap.epoch, float(both.min()), float(both.max()))
            self.acc_range.update(snap.epoch, 0.0, 1.0)
        self.train.setData(snap.loss_x, snap.loss_y, skipFiniteCheck=True)
        self.test.setData(snap.test_x, snap.test_y, skipFiniteCheck=True)
        if snap.task != "regression":
            self.acc_train.setData(snap.acc_x, snap.acc_train, skipFiniteCheck=True)
            self.acc_test.setData(snap.acc_x, snap.acc_test, skipFiniteCheck=True)
