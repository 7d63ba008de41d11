"""Live train/test loss curves (and accuracy for classification)."""
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import colors


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
        self.loss_plot.setLabels(left="loss", bottom="epoch")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.train = _curve(self.loss_plot, (40, 40, 40), "train")
        self.test = _curve(self.loss_plot, colors.ORANGE, "test")
        self.acc_plot = pg.PlotWidget()
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.setLabels(left="accuracy", bottom="epoch")
        self.acc_plot.setYRange(0, 1.02)
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_train = _curve(self.acc_plot, (40, 40, 40), "train")
        self.acc_test = _curve(self.acc_plot, colors.ORANGE, "test")
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.acc_plot, 2)

    def set_log(self, on):
        """Logarithmic loss axis."""
        self.loss_plot.setLogMode(y=bool(on))

    def set_task(self, task):
        """Hide the accuracy plot for regression."""
        self.acc_plot.setVisible(task != "regression")

    def update_snapshot(self, snap):
        """Redraw the curves from the history arrays in ``snap``."""
        self.train.setData(snap.loss_x, snap.loss_y, skipFiniteCheck=True)
        self.test.setData(snap.test_x, snap.test_y, skipFiniteCheck=True)
        if snap.task != "regression":
            self.acc_train.setData(snap.acc_x, snap.acc_train, skipFiniteCheck=True)
            self.acc_test.setData(snap.acc_x, snap.acc_test, skipFiniteCheck=True)
