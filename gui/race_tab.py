"""The Race tab: up to 16 optimizer/learning-rate/batch variants of the current settings (four
rows; a row's learning-rate field may list several rates, one racer each), trained from the same
initial weights as one population, with their loss curves overlaid and each one's surface (at
the data's own proportions, with the training points).  The legend names each racer's
configuration; a table gives the numbers as they race, and at the end the final ones and the
winner (the lowest test loss)."""
import math

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

from . import population_run as pr
from .panels.training_panel import LR_PRESETS, add_described, parse_number
from .population_worker import PopulationHost
from .settings import OPTIMIZERS
from .views import colors
from .views.surface_view import SmoothImageItem

DEFAULTS = (("SGD", "0.03"), ("Momentum", "0.03"), ("Adam", "0.01"), ("RMSProp", "0.01"))
PENS = ((40, 40, 40), colors.BLUE, colors.ORANGE, (46, 160, 67), (214, 39, 40),
        (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34),
        (23, 190, 207), (31, 60, 120), (255, 187, 120), (120, 200, 110), (255, 140, 140),
        (190, 160, 215))          # one per racer, up to population_run.MAX_RACERS
LOG_FLOOR = 1e-12      # a loss of exactly 0 drawn on the log axis


def describe(settings, short=False):
    """A racer's configuration in a few words: "Adam · lr 0.01 · batch 10" (``short``:
    "Adam 0.01 b10", for the small surfaces of a big race)."""
    if short:
        batch = "full" if settings.batch_size <= 0 else f"b{settings.batch_size}"
        return f"{settings.optimizer} {settings.lr:g} {batch}"
    batch = "full batch" if settings.batch_size <= 0 else f"batch {settings.batch_size}"
    return f"{settings.optimizer} · lr {settings.lr:g} · {batch}"


def parse_rates(text):
    """The learning rates of a racer row: one number or several separated by commas."""
    parts = [t for t in text.replace(";", ",").split(",") if t.strip()]
    if not parts:
        raise ValueError("race learning rate: give a number (or several, separated by commas)")
    return [parse_number(t.strip(), "race learning rate", 0.0, 100.0, True) for t in parts]


class RaceTab(QWidget):
    """Variant editor, start/stop, overlaid loss curves and one small surface per racer."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.host = PopulationHost("fastnn-race", self)
        self.host.worker.sig_report.connect(self.update_snapshots)
        self.host.worker.sig_finished.connect(self._finished)
        self.host.worker.sig_message.connect(window.show_message)
        self.snapshots = []
        lay = QVBoxLayout(self)
        grid = QGridLayout()
        self.rows = []
        for i, (opt, lr) in enumerate(DEFAULTS):
            use = QCheckBox(f"Row {i + 1}")
            use.setChecked(i < 3)
            use.setStyleSheet(f"color: rgb{PENS[i]};")      # its first racer's (see start)
            optimizer = QComboBox()
            add_described(optimizer, "optimizer", OPTIMIZERS)
            optimizer.setCurrentText(opt)
            rate = QComboBox()
            rate.setEditable(True)
            rate.addItems(LR_PRESETS)
            rate.setCurrentText(lr)
            rate.setToolTip("One learning rate, or several separated by commas "
                            "(0.01, 0.03, 0.1): one racer each")
            rate.setMinimumContentsLength(16)
            batch = QSpinBox()
            batch.setRange(0, 10000)
            batch.setValue(10)
            batch.setSpecialValueText("full batch")
            row, first = i % 2, 7 * (i // 2)          # two racers a line, to leave room below
            for c, w in enumerate((use, optimizer, QLabel("lr"), rate, QLabel("batch"), batch)):
                grid.addWidget(w, row, first + c)
            self.rows.append((use, optimizer, rate, batch))
        grid.setColumnMinimumWidth(6, 24)
        grid.setColumnStretch(13, 1)
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
        self.legend = self.plot.addLegend(offset=(10, -10),        # bottom left: the curves
                                          brush=pg.mkBrush(255, 255, 255, 220))  # start high
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabels(left="train loss (log)", bottom="epoch")
        self.plot.setLogMode(y=True)        # racers end orders of magnitude apart, all near 0
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curves = [self.plot.plot(pen=pg.mkPen(*p, width=2)) for p in PENS]
        self.results = QLabel("")
        self.results.setTextFormat(Qt.RichText)
        self.results.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        middle = QHBoxLayout()
        middle.addWidget(self.plot, 1)
        middle.addWidget(self.results)
        lay.addLayout(middle, 3)
        self.surface_grid = QGridLayout()
        self.surfaces = []
        for i in range(pr.MAX_RACERS):
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
            self.surfaces.append((plot, img, points))
        self._arrange_surfaces(len([r for r in self.rows if r[0].isChecked()]))
        lay.addLayout(self.surface_grid, 2)
        self.names, self.titles = [], []
        self.problem = None
        self._lut = colors.diverging_lut(fade=0.3)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.host.worker.stop)

    def variants(self):
        """Settings of the racers: the current settings with each checked row's optimizer and
        batch size and each of its learning rates (ValueError for fewer than 2 or more than
        :data:`~.population_run.MAX_RACERS`)."""
        out = [v for row in self._row_variants() for v in row]
        pr.check_race_size(len(out))
        return out

    def _row_variants(self):
        """Per row, the Settings of its racers (none for an unchecked row)."""
        return [[self.window.settings.copy(optimizer=optimizer.currentText(), lr=lr,
                                           batch_size=batch.value())
                 for lr in parse_rates(rate.currentText())] if use.isChecked() else []
                for use, optimizer, rate, batch in self.rows]

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
        self._color_rows()
        self.problem = self.window.problem
        self.names = [describe(v) for v in variants]
        short = len(variants) > len(DEFAULTS)
        self.titles = [describe(v, short) for v in variants]
        self.snapshots = []
        self._name_curves()
        for curve in self.curves:
            curve.setData([], [])
        self._arrange_surfaces(len(variants))
        self._show_points(self.problem, len(variants))
        self.results.setText("<i>" + "<br>".join(pr.starting_note(f"{len(variants)} racers",
                                                                  variants[0].backend)) + "</i>")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        problem, n_rows = self.problem, len(self.problem.X_train)
        self.host.start(lambda: pr.PopulationRun(problem, variants[0],
                                                 pr.race_configs(variants, n_rows)),
                        pr.race_snapshots, self.epochs.value(), "racer")

    def set_racers(self, racers):
        """Check and fill the first ``len(racers)`` rows (at most four): ``(optimizer, lr,
        batch)`` each, ``lr`` a number or a sequence of them (one racer each)."""
        if len(racers) > len(self.rows):
            raise ValueError(f"the race has {len(self.rows)} rows; list several learning rates "
                             f"in a row for more racers")
        for i, (use, optimizer, rate, batch) in enumerate(self.rows):
            use.setChecked(i < len(racers))
            if i < len(racers):
                opt, lr, size = racers[i]
                optimizer.setCurrentText(opt)
                rates = lr if isinstance(lr, (list, tuple)) else (lr,)
                rate.setCurrentText(", ".join(f"{r:g}" for r in rates))
                batch.setValue(int(size))

    def _arrange_surfaces(self, n):
        """Show ``n`` surfaces: one line of up to four, else two lines."""
        columns = n if n <= len(DEFAULTS) else math.ceil(n / 2)
        for i, (plot, _, _) in enumerate(self.surfaces):
            self.surface_grid.removeWidget(plot)
            plot.setVisible(i < n)
            if i < n:
                self.surface_grid.addWidget(plot, i // max(columns, 1), i % max(columns, 1))

    def _color_rows(self):
        """Each row's name in the colour of its first racer."""
        first = 0
        for (use, *_), racers in zip(self.rows, self._row_variants()):
            use.setStyleSheet(f"color: rgb{PENS[min(first, len(PENS) - 1)]};")
            first += len(racers)

    def _name_curves(self, winner=None):
        """The legend names each racer's configuration (the unused curves leave it; a race of
        more than four in short words, in columns) and marks the ``winner``; the surfaces are
        titled with the configuration alone (the numbers are in the table)."""
        big = len(self.names) > len(DEFAULTS)
        self.legend.clear()
        self.legend.setColumnCount(2 if big else 1)
        self.legend.setLabelTextSize("8pt" if big else "9pt")
        for i, (curve, name) in enumerate(zip(self.curves, self.titles if big else self.names)):
            self.legend.addItem(curve, name + ("   ★ winner" if i == winner else ""))
        for i, (plot, _, _) in enumerate(self.surfaces):
            plot.setTitle(self.titles[i] if i < len(self.titles) else "",
                          size="8pt" if big else "9pt")

    def _show_points(self, problem, n):
        """The training points on each racer's surface, at the data's proportions."""
        for plot, img, points in self.surfaces[:n]:
            img.clear()
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
        if self.snapshots:                      # the numbers are in the table beside the plot
            self._name_curves(self.winner())
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
            train = f"{s.loss_y[-1]:.3g}" if len(s.loss_y) else "–"
            test = f"{s.test_y[-1]:.3g}" if len(s.test_y) else "–"
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
            curve.setData(snap.loss_x, np.maximum(snap.loss_y, LOG_FLOOR), skipFiniteCheck=True)
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
