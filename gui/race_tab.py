"""The Race tab: pick 2-4 optimizer/learning-rate/batch variants of the current settings, train
them from the same initial weights and overlay their loss curves (with each one's surface, at
the data's own proportions and with the training points).  The legend names each racer's
configuration; a table gives the numbers as they race, and at the end the final ones and the
winner (the lowest test loss)."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
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
from .views.surface_view import SmoothImageItem

DEFAULTS = (("SGD", "0.03"), ("Momentum", "0.03"), ("Adam", "0.01"), ("RMSProp", "0.01"))
PENS = ((40, 40, 40), colors.BLUE, colors.ORANGE, (46, 160, 67))


def describe(settings):
    """A racer's configuration in a few words: "Adam · lr 0.01 · batch 10"."""
    batch = "full batch" if settings.batch_size <= 0 else f"batch {settings.batch_size}"
    return f"{settings.optimizer} · lr {settings.lr:g} · {batch}"


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
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabels(left="train loss", bottom="epoch")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curves = [self.plot.plot(pen=pg.mkPen(*p, width=2)) for p in PENS]
        self.results = QLabel("")
        self.results.setTextFormat(Qt.RichText)
        lay.addWidget(self.plot, 2)
        lay.addWidget(self.results)
        surfaces = QHBoxLayout()
        self.surfaces = []
        for i in range(len(DEFAULTS)):
            plot = pg.PlotWidget(title=f"racer {i + 1}")
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMouseEnabled(False, False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setAspectLocked(True)          # the data's own proportions
            img = SmoothImageItem(axisOrder="row-major")
            plot.addItem(img)
            points = pg.ScatterPlotItem(size=5, pen=pg.mkPen(255, 255, 255, 200, width=0.8))
            plot.addItem(points)
            surfaces.addWidget(plot)
            self.surfaces.append((plot, img, points))
        lay.addLayout(surfaces, 1)
        self.names = []
        self.problem = None
        self._lut = colors.diverging_lut(fade=0.3)
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
        self.problem = self.window.problem
        self.names = [describe(v) for v in variants]
        self._name_curves(self.names)
        for curve in self.curves:
            curve.setData([], [])
        self._show_points(self.problem, len(variants))
        self.results.setText("")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.host.start(self.problem, variants, self.epochs.value())

    def set_racers(self, racers):
        """Check and fill the first ``len(racers)`` rows: ``(optimizer, lr, batch)`` each."""
        for i, (use, optimizer, rate, batch) in enumerate(self.rows):
            use.setChecked(i < len(racers))
            if i < len(racers):
                opt, lr, size = racers[i]
                optimizer.setCurrentText(opt)
                rate.setCurrentText(f"{lr:g}")
                batch.setValue(int(size))

    def _name_curves(self, names):
        """The legend names each racer's configuration (the unused curves leave it)."""
        self.legend.clear()
        for curve, name in zip(self.curves, names):
            self.legend.addItem(curve, name)
        for i, (plot, _, _) in enumerate(self.surfaces):
            plot.setTitle(names[i] if i < len(names) else "", size="9pt")

    def _show_points(self, problem, n):
        """The training points on each racer's surface, at the data's proportions."""
        for i, (plot, img, points) in enumerate(self.surfaces):
            img.clear()
            plot.setVisible(i < n)
            if problem is None or problem.n_raw != 2:
                points.setData([], [])
                continue
            if problem.task == "regression":
                points.setData(problem.X_train[:, 0], problem.X_train[:, 1],
                               brush=pg.mkBrush(60, 60, 60))
            else:
                points.setData(problem.X_train[:, 0], problem.X_train[:, 1],
                               brush=colors.class_brushes(problem.y_train))
            x0, x1, y0, y1 = problem.extent
            plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _finished(self):
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if self.snapshots:
            final = [f"{name}  —  train {s.loss_y[-1]:.4f}, test {s.test_y[-1]:.4f}"
                     if len(s.loss_y) and len(s.test_y) else f"{name}  —  no result"
                     for name, s in zip(self.names, self.snapshots)]
            best = self.winner()
            if best is not None:
                final[best] += "   ★ winner"
            self._name_curves(final)
            self.results.setText(self._table(final=True))

    def winner(self):
        """Index of the racer with the lowest final test loss (None before any)."""
        scores = [s.test_y[-1] if len(s.test_y) and np.isfinite(s.test_y[-1]) else np.inf
                  for s in self.snapshots]
        return int(np.argmin(scores)) if scores and np.isfinite(min(scores)) else None

    def _table(self, final=False):
        """The racers' numbers (HTML): epoch, train and test loss, test accuracy."""
        best = self.winner() if final else None
        rows = ["<tr><th align=left>racer</th><th>epoch</th><th>train loss</th>"
                "<th>test loss</th><th>test accuracy</th></tr>"]
        for i, (name, s) in enumerate(zip(self.names, self.snapshots)):
            acc = f"{s.acc_test[-1]:.1%}" if len(s.acc_test) else "–"
            train = f"{s.loss_y[-1]:.4f}" if len(s.loss_y) else "–"
            test = f"{s.test_y[-1]:.4f}" if len(s.test_y) else "–"
            star = " ★ winner" if i == best else ""
            color = "rgb" + str(tuple(PENS[i]))
            rows.append(f"<tr><td style='color:{color}'><b>{name}</b>{star}</td>"
                        f"<td align=right>{s.epoch}</td><td align=right>{train}</td>"
                        f"<td align=right>{test}</td><td align=right>{acc}</td></tr>")
        title = "Final" if final else "Racing"
        return f"<b>{title}</b><table cellpadding=3>{''.join(rows)}</table>"

    def update_snapshots(self, snaps):
        """Overlay loss curves, update the table and draw each racer's surface."""
        self.snapshots = snaps
        problem = self.problem
        if self.names:
            self.results.setText(self._table())
        for i, (curve, snap) in enumerate(zip(self.curves, snaps)):
            curve.setData(snap.loss_x, snap.loss_y, skipFiniteCheck=True)
            plot, img, _ = self.surfaces[i]
            if snap.surface is None or problem is None or problem.n_raw != 2:
                continue
            x0, x1, y0, y1 = problem.extent
            if snap.task == "multiclass":
                img.setLookupTable(None)
                img.setImage(colors.mix_classes(snap.surface), autoLevels=False,
                             levels=(0.0, 1.0))
            else:
                img.setLookupTable(self._lut)
                lo, hi = (0.0, 1.0) if snap.task == "binary" else \
                    (float(np.min(problem.y_train)), float(np.max(problem.y_train)))
                img.setImage(snap.surface, autoLevels=False, levels=(lo, hi))
            img.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        for curve in self.curves[len(snaps):]:
            curve.setData([], [])

    def stop(self):
        """End the race thread (window closing)."""
        self.host.stop()
