"""The Playground tab for MNIST: what the first layer learned, and a digit you draw.

:class:`WeightsView` draws each first-layer neuron's 784 incoming weights as a 28 × 28 image
(blue positive, orange negative: the strokes it looks for), live while the network trains.
:class:`DigitPad` is a canvas to draw a digit with the mouse; :func:`to_mnist` turns the drawing
into an MNIST-like input (the digit's box scaled to 20 × 20 and centred by its centre of mass in
28 × 28, as the MNIST images were made) and :class:`DigitLab` shows the network's probabilities
for it, updated as you draw and as the network learns.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import colors
from .digits_view import tile

PAD = 280             # canvas pixels (10 per MNIST pixel)
MAX_WEIGHTS = 64      # first-layer neurons drawn


class WeightsView(pg.GraphicsLayoutWidget):
    """First-layer weights as 28 × 28 images, one per hidden neuron (at most 64)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.title = self.addLabel("First-layer weights: one 28 × 28 image per neuron "
                                   "(blue: ink here excites it, orange: inhibits)", color="k")
        self.nextRow()
        self.vb = self.addViewBox()
        self.vb.setAspectLocked(True)
        self.vb.invertY(True)
        self.vb.setMouseEnabled(False, False)
        self.vb.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(colors.diverging_lut())
        self.vb.addItem(self.image)
        self.shown = 0

    def update_snapshot(self, snap):
        """Tile the first Dense layer's columns, each scaled to its own largest weight."""
        if snap.weights is None or snap.weights[0][0].shape[0] != 784:
            return
        W = np.asarray(snap.weights[0][0], dtype=np.float32)[:, :MAX_WEIGHTS]
        scale = np.abs(W).max(axis=0)
        scale[scale == 0] = 1.0
        columns = (W / scale).T                      # (units, 784) in [-1, 1]
        cols = int(np.ceil(np.sqrt(len(columns) * 1.4)))
        image = tile(columns, cols=cols, gap=2, below=2, fill=0.0)
        self.image.setImage(image, autoLevels=False, levels=(-1.0, 1.0))
        if len(columns) != self.shown:
            self.shown = len(columns)
            self.vb.autoRange(padding=0.02)


def to_mnist(canvas):
    """A drawing (H, W) float in [0, 1] (1 = ink) as an MNIST input (784,) float32: the ink's
    bounding box scaled to fit 20 × 20 (aspect kept), placed in 28 × 28 with its centre of mass
    at the centre, like the digits the network learned from.  All zeros for an empty canvas."""
    ink = np.asarray(canvas, dtype=np.float32)
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.05), np.flatnonzero(ink.max(axis=0) > 0.05)
    if rows.size == 0:
        return np.zeros(784, dtype=np.float32)
    box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = box.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    small = _resize(box, nh, nw)
    out = np.zeros((28, 28), dtype=np.float32)
    total = small.sum()
    cy, cx = ((np.indices(small.shape) * small).reshape(2, -1).sum(axis=1) / total
              if total > 0 else (nh / 2, nw / 2))
    top = int(np.clip(round(14 - cy), 0, 28 - nh))
    left = int(np.clip(round(14 - cx), 0, 28 - nw))
    out[top:top + nh, left:left + nw] = small
    return np.clip(out, 0.0, 1.0).reshape(784)


def _resize(img, h, w):
    """Area-average resampling of ``img`` to (h, w) (each output pixel the mean of the input
    pixels it covers)."""
    H, W = img.shape
    ys = (np.arange(H + 1) * h / H)
    xs = (np.arange(W + 1) * w / W)
    rows = _weights(ys, h)            # (h, H)
    cols = _weights(xs, w)            # (w, W)
    out = rows @ img @ cols.T
    return (out / np.maximum(rows.sum(axis=1)[:, None] * cols.sum(axis=1)[None, :], 1e-9)
            ).astype(np.float32)


def _weights(edges, n):
    """Overlap of input cells [edges[i], edges[i+1]) with output cells [j, j+1): (n, len-1)."""
    lo, hi = edges[:-1], edges[1:]
    j = np.arange(n)[:, None]
    return np.clip(np.minimum(hi[None, :], j + 1) - np.maximum(lo[None, :], j), 0.0, None)


class DigitPad(QWidget):
    """A square canvas to draw on with the mouse (left button draws); emits ``sig_changed``
    with the MNIST-like input (784,) at most ~20 times a second while drawing."""

    sig_changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(PAD, PAD)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip("Draw a digit with the mouse; the network classifies it as you draw")
        self.canvas = QImage(PAD, PAD, QImage.Format_Grayscale8)
        self.clear(emit=False)
        self._last = None
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(50)
        self._pending.timeout.connect(self._emit)

    def clear(self, emit=True):
        """Wipe the canvas."""
        self.canvas.fill(QColor(0, 0, 0))
        self.update()
        if emit:
            self.sig_changed.emit(None)

    def stroke(self, points):
        """Draw a stroke through ``points`` (canvas pixels), as the mouse would."""
        painter = QPainter(self.canvas)
        painter.setRenderHint(QPainter.Antialiasing)
        pen = QPen(QColor(255, 255, 255), 22, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
        painter.setPen(pen)
        points = [QPointF(*p) for p in points]
        if len(points) == 1:
            painter.drawPoint(points[0])
        for a, b in zip(points, points[1:]):
            painter.drawLine(a, b)
        painter.end()
        self.update()
        if not self._pending.isActive():
            self._pending.start()

    def ink(self):
        """The canvas as (PAD, PAD) float32 in [0, 1], 1 = ink."""
        ptr = self.canvas.constBits()
        stride = self.canvas.bytesPerLine()
        raw = np.frombuffer(ptr, dtype=np.uint8, count=stride * PAD).reshape(PAD, stride)
        return raw[:, :PAD].astype(np.float32) / 255.0

    def vector(self):
        """The drawing as an MNIST input (784,) float32 (see :func:`to_mnist`)."""
        return to_mnist(self.ink())

    def _emit(self):
        v = self.vector()
        self.sig_changed.emit(v if v.any() else None)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.drawImage(0, 0, self.canvas)
        painter.setPen(QPen(QColor(120, 120, 120), 1))
        painter.drawRect(0, 0, PAD - 1, PAD - 1)
        painter.end()

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton:
            self._last = event.position()
            self.stroke([(self._last.x(), self._last.y())])

    def mouseMoveEvent(self, event):
        if self._last is not None and event.buttons() & Qt.LeftButton:
            p = event.position()
            self.stroke([(self._last.x(), self._last.y()), (p.x(), p.y())])
            self._last = p

    def mouseReleaseEvent(self, event):
        self._last = None
        self._emit()


class DigitLab(QWidget):
    """The pad, what the network sees (28 × 28) and its probability for each digit."""

    sig_pad = Signal(object)       # the MNIST input to classify, or None

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        self.pad = DigitPad()
        self.clear_button = QPushButton("Clear")
        self.seen = pg.GraphicsLayoutWidget()
        self.seen.setFixedSize(96, 96)
        self.seen.setBackground("w")
        vb = self.seen.addViewBox()
        vb.setAspectLocked(True)
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        self.seen_img = pg.ImageItem(axisOrder="row-major")
        self.seen_img.setLookupTable(pg.colormap.get("CET-L1").getLookupTable(nPts=256)[::-1])
        vb.addItem(self.seen_img)
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addWidget(QLabel("the network sees:"))
        row.addWidget(self.seen)
        left.addWidget(QLabel("Draw a digit:"))
        left.addWidget(self.pad)
        left.addLayout(row)
        left.addStretch(1)
        lay.addLayout(left)
        right = QVBoxLayout()
        self.verdict = QLabel("")
        self.verdict.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.bars_plot = pg.PlotWidget()
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.hideButtons()
        self.bars_plot.setYRange(0, 1, padding=0.02)
        self.bars_plot.setXRange(-0.6, 9.6, padding=0)
        self.bars_plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.bars_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars_plot.setLabels(left="probability", bottom="digit")
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7,
                                    brush=pg.mkBrush(*colors.BLUE))
        self.bars_plot.addItem(self.bars)
        right.addWidget(self.verdict)
        right.addWidget(self.bars_plot, 1)
        lay.addLayout(right, 1)
        self.probs = None
        self.pad.sig_changed.connect(self._changed)
        self.clear_button.clicked.connect(lambda: self.pad.clear())

    def _changed(self, vector):
        self.seen_img.setImage(np.zeros((28, 28), np.float32) if vector is None else
                               vector.reshape(28, 28), autoLevels=False, levels=(0.0, 1.0))
        if vector is None:
            self.show_probs(None)
        self.sig_pad.emit(vector)

    def show_probs(self, probs):
        """Draw the network's probabilities for the drawn digit (None: nothing drawn)."""
        self.probs = None if probs is None else np.asarray(probs, dtype=np.float64)
        if self.probs is None:
            self.bars.setOpts(height=np.zeros(10))
            self.verdict.setText("Draw a digit on the left.")
            return
        best = int(self.probs.argmax())
        brushes = [pg.mkBrush(*(colors.ORANGE if i == best else colors.BLUE))
                   for i in range(len(self.probs))]
        self.bars.setOpts(x=np.arange(len(self.probs)), height=self.probs, brushes=brushes)
        self.verdict.setText(f"It is a {best}  ({self.probs[best]:.0%} sure)")


def point(x, y):
    """A QPoint (for tests that drive the pad with the mouse)."""
    return QPoint(int(x), int(y))
