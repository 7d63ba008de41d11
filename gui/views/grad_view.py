"""Diagnostics: per-layer gradient norms over time, on a log axis (vanishing gradients show as
curves that sink by orders of magnitude towards the input layer)."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from . import colors


class GradView(QWidget):
    """One curve per Dense layer: ||∂L/∂W|| at each snapshot."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.plot = pg.PlotWidget()
        self.plot.setLogMode(y=True)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabels(left="‖∂L/∂W‖ (log)", bottom="epoch")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.summary)
        self.curves = []

    def _ensure(self, n_layers):
        if len(self.curves) == n_layers:
            return
        for c in self.curves:
            self.plot.removeItem(c)
            self.legend.removeItem(c)
        self.curves = []
        for i in range(n_layers):
            name = "output" if i == n_layers - 1 else f"layer {i + 1}"
            pen = pg.mkPen(*colors.class_color(i + 2 if i < n_layers - 1 else 1), width=2)
            self.curves.append(self.plot.plot(pen=pen, name=name))

    def update_snapshot(self, snap):
        """Redraw the gradient-norm curves from ``snap.grad_x``/``snap.grad_norms``."""
        norms = snap.grad_norms
        if norms.size == 0:
            return
        self._ensure(norms.shape[1])
        safe = np.maximum(norms, 1e-12)
        for i, curve in enumerate(self.curves):
            curve.setData(snap.grad_x, safe[:, i], skipFiniteCheck=True)
        last = safe[-1]
        ratio = last[0] / last[-1]
        verdict = (f" The first layer's gradient is {1 / ratio:.0f}× smaller than the output's: "
                   "vanishing gradients (try ReLU, fewer layers or no sigmoid)."
                   if ratio < 0.1 else "")
        self.summary.setText("Latest norms: " + ", ".join(f"{v:.2e}" for v in last) +
                             f"; first/output ratio {ratio:.3g}." + verdict)
