"""The Seeds tab: the current network (data, layers, optimizer, learning rate, regularisation,
batch size) trained from 32 initial weights at once, as one population.  Each seed's training
loss is drawn thin and faint, their mean thick with a band of ± one standard deviation: how much
the result depends on the initial weights alone (the mini-batch order is the same for all)."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from . import population_run as pr
from .population_worker import PopulationHost
from .race_tab import describe
from .views import colors

EXPLANATION = (
    f"<b>Initialisation variance.</b> The network of the playground (its data, layers, "
    f"optimizer, learning rate, regularisation and batch size) trained {pr.N_SEEDS} times at "
    f"once, as one population: only the initial weights differ (seeds <i>s</i> … "
    f"<i>s</i> + {pr.N_SEEDS - 1}, <i>s</i> the playground's seed), the mini-batches come in the "
    f"same order.  Thin lines: each seed's training loss; thick: their mean, with a band of ± "
    f"one standard deviation.  A wide band says the result depends on luck as much as on the "
    f"settings: compare a few settings by their bands, not by one run.")
CURVE_PEN = (8, 119, 189, 60)             # colors.BLUE, faint
BAND_BRUSH = (245, 147, 34, 70)           # colors.ORANGE, translucent


def describe_network(settings):
    """The seeds' network in a few words: "8 tanh, 8 tanh · SGD · lr 0.03 · batch 10 · L2
    0.001 · seeds 0–31"."""
    layers = ", ".join(f"{h.units} {h.activation}" for h in settings.layers) or "no hidden layer"
    reg = "" if settings.regularization == "none" or settings.reg_rate == 0 else \
        f" · {settings.regularization} {settings.reg_rate:g}"
    drop = f" · dropout {settings.dropout:g}" if settings.dropout > 0 else ""
    return (f"{layers} · {describe(settings)}{reg}{drop} · seeds {settings.seed}–"
            f"{settings.seed + pr.N_SEEDS - 1}")


class SeedsTab(QWidget):
    """Start/stop/reset, the seeds' loss curves, their mean ± std band and a summary."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.host = PopulationHost("fastnn-seeds", self)
        self.host.worker.sig_report.connect(self.update_spread)
        self.host.worker.sig_finished.connect(self._finished)
        self.host.worker.sig_message.connect(window.show_message)
        self.spread, self._listening = None, False
        lay = QVBoxLayout(self)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        text.setTextFormat(Qt.RichText)
        lay.addWidget(text)
        bar = QHBoxLayout()
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.epochs.setValue(300)
        self.start_button = QPushButton(f"Train {pr.N_SEEDS} seeds")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.reset_button = QPushButton("Reset")
        self.config = QLabel("")
        for w in (QLabel("Epochs"), self.epochs, self.start_button, self.stop_button,
                  self.reset_button, self.config):
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.plot = pg.PlotWidget()
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabels(left="train loss", bottom="epoch")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        legend = self.plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 220))
        self.curves = [self.plot.plot(pen=pg.mkPen(*CURVE_PEN, width=1))
                       for _ in range(pr.N_SEEDS)]
        self.low = pg.PlotDataItem(pen=pg.mkPen(None))
        self.high = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(*BAND_BRUSH))
        self.plot.addItem(self.band)
        self.mean = self.plot.plot(pen=pg.mkPen(*colors.ORANGE, width=3))
        legend.addItem(self.curves[0], "one seed")
        legend.addItem(self.mean, "mean")
        swatch = pg.PlotDataItem(pen=pg.mkPen(None), fillLevel=0,     # the band's key only:
                                 brush=pg.mkBrush(*BAND_BRUSH))       # not in the plot
        legend.addItem(swatch, "mean ± 1 std")
        lay.addWidget(self.plot, 1)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.RichText)
        lay.addWidget(self.summary)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.host.worker.stop)
        self.reset_button.clicked.connect(self.reset)

    def start(self):
        """Train the current network's seeds on the current data (errors become messages)."""
        w = self.window
        if w.problem is None:
            w.show_message("error", "Load data before training the seeds.")
            return
        self.host.worker.stop()
        self.reset()
        problem, settings = w.problem, w.settings.copy()
        self.config.setText(describe_network(settings))
        self._listening = True
        self.summary.setText("<i>" + " ".join(pr.starting_note(f"{pr.N_SEEDS} seeds",
                                                               settings.backend)) + "</i>")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.host.start(lambda: pr.PopulationRun(problem, settings, pr.seed_configs(settings)),
                        pr.seed_spread, self.epochs.value(), "seed")

    def reset(self):
        """Stop (after the chunk in training) and clear the curves."""
        self.host.worker.stop()
        self._listening = False          # the stopped population's last report is not drawn
        self.spread = None
        for item in self.curves + [self.mean, self.low, self.high]:
            item.setData([], [])
        self.summary.setText("")

    def update_spread(self, spread):
        """Draw a :class:`~.population_run.SeedSpread`: every seed, the mean and the band."""
        if not self._listening:
            return
        self.spread = spread
        x = spread.epochs
        for curve, row in zip(self.curves, spread.curves):
            keep = np.isfinite(row)
            curve.setData(x[keep], row[keep], skipFiniteCheck=True)
        self.mean.setData(x, spread.mean)
        self.low.setData(x, spread.mean - spread.std)
        self.high.setData(x, spread.mean + spread.std)
        self.summary.setText(self._summary(spread))

    @staticmethod
    def _summary(spread):
        """The spread in numbers: the last epoch's training loss and test loss over the seeds."""
        if not len(spread.epochs):
            return ""
        last = spread.curves[:, -1]
        last = last[np.isfinite(last)]
        test = spread.test_loss[np.isfinite(spread.test_loss)]
        text = (f"Epoch {len(spread.epochs)}: train loss {spread.mean[-1]:.3g} ± "
                f"{spread.std[-1]:.3g} (best seed {last.min():.3g}, worst {last.max():.3g})")
        if len(test):
            text += f"; test loss {test.mean():.3g} ± {test.std():.3g}"
        return text + f", over {len(last)} seeds."

    def _finished(self):
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def stop(self):
        """End the seeds' thread (window closing)."""
        self.host.stop()
