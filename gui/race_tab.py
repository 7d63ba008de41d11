"""The Race tab: pick 2-4 optimizer/learning-rate/batch variants of the current settings, train
them from the same initial weights and overlay their loss curves (with each one's surface)."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .panels.training_panel import LR_PRESETS, add_described, parse_number
from .race import RaceHost
from .settings import OPTIMIZERS
from .views import colors

DEFAULTS = (("SGD", "0.03"), ("Momentum", "0.03"), ("Adam", "0.01"), ("RMSProp", "0.01"))
PENS = ((40, 40, 40), colors.BLUE, colors.ORANGE, (46, 160, 67))


class RaceTab(QWidget):
    """Variant editor, start/stop, overlaid loss curves and one small surface per racer."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.host = RaceHost(self)
        self.host.worker.sig_snapshots.connect(self.update_snapshots)
        self.host.worker.sig_finished.connect(self._finished)
        self.host.worker.sig_message.connect(window.show_message)
        self.snapshots = []
        lay = QVBoxLayout(self)
        grid = QGridLayout()
        self.rows = []
        for i, (opt, lr) in enumerate(DEFAULTS):
            use = QCheckBox(f"Racer {i + 1}")
            use.setChecked(i < 3)
            use.setStyleSheet(f"color: rgb{PENS[i]};")
            optimizer = QComboBox()
            add_described(optimizer, "optimizer", OPTIMIZERS)
            optimizer.setCurrentText(opt)
            rate = QComboBox()
            rate.setEditable(True)
            rate.addItems(LR_PRESETS)
            rate.setCurrentText(lr)
            batch = QSpinBox()
            batch.setRange(0, 10000)
            batch.setValue(10)
            batch.setSpecialValueText("full batch")
            for c, w in enumerate((use, optimizer, QLabel("lr"), rate, QLabel("batch"), batch)):
                grid.addWidget(w, i, c)
            self.rows.append((use, optimizer, rate, batch))
        grid.setColumnStretch(6, 1)
        lay.addLayout(grid)
        bar = QHBoxLayout()
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.epochs.setValue(300)
        self.start_button = QPushButton("Start race")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        for w in (QLabel("Epochs"), self.epochs, self.start_button, self.stop_button):
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.plot = pg.PlotWidget()
        self.plot.addLegend(offset=(-10, 10))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabels(left="train loss", bottom="epoch")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curves = [self.plot.plot(pen=pg.mkPen(*p, width=2), name=f"racer {i + 1}")
                       for i, p in enumerate(PENS)]
        lay.addWidget(self.plot, 2)
        surfaces = QHBoxLayout()
        self.surfaces = []
        for i in range(len(DEFAULTS)):
            plot = pg.PlotWidget(title=f"racer {i + 1}")
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMouseEnabled(False, False)
            img = pg.ImageItem(axisOrder="row-major")
            plot.addItem(img)
            surfaces.addWidget(plot)
            self.surfaces.append((plot, img))
        lay.addLayout(surfaces, 1)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.host.worker.stop)

    def variants(self):
        """Settings of the checked racers (current settings with optimizer, lr, batch changed)."""
        out = []
        for use, optimizer, rate, batch in self.rows:
            if use.isChecked():
                lr = parse_number(rate.currentText(), "race learning rate", 0.0, 100.0, True)
                out.append(self.window.settings.copy(optimizer=optimizer.currentText(), lr=lr,
                                                     batch_size=batch.value()))
        if not 2 <= len(out) <= 4:
            raise ValueError(f"check 2 to 4 racers (now {len(out)})")
        return out

    def start(self):
        """Start a race on the current data (errors become window messages)."""
        if self.window.problem is None:
            self.window.show_message("error", "Load data before starting a race.")
            return
        try:
            variants = self.variants()
        except ValueError as exc:
            self.window.show_message("error", str(exc))
            return
        self.host.worker.stop()
        for curve in self.curves:
            curve.setData([], [])
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.host.start(self.window.problem, variants, self.epochs.value())

    def _finished(self):
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def update_snapshots(self, snaps):
        """Overlay loss curves and draw each racer's surface."""
        self.snapshots = snaps
        problem = self.window.problem
        for i, (curve, snap) in enumerate(zip(self.curves, snaps)):
            curve.setData(snap.loss_x, snap.loss_y, skipFiniteCheck=True)
            plot, img = self.surfaces[i]
            if snap.surface is None or problem is None or problem.n_raw != 2:
                continue
            x0, x1, y0, y1 = problem.extent
            if snap.task == "multiclass":
                img.setLookupTable(None)
                img.setImage(colors.mix_classes(snap.surface), autoLevels=False,
                             levels=(0.0, 1.0))
            else:
                img.setLookupTable(colors.diverging_lut())
                lo, hi = (0.0, 1.0) if snap.task == "binary" else \
                    (float(np.min(problem.y_train)), float(np.max(problem.y_train)))
                img.setImage(snap.surface, autoLevels=False, levels=(lo, hi))
            img.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        for curve in self.curves[len(snaps):]:
            curve.setData([], [])

    def stop(self):
        """End the race thread (window closing)."""
        self.host.stop()
