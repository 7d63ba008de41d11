"""Network diagram: every neuron shows its own heatmap, every weight is a line.

Lines are blue for positive and orange for negative weights, thicker for larger ones.
Hovering a line shows its value; clicking it asks to edit it (``sig_edit_weight``).
The scene is rebuilt only when the architecture changes; snapshots only restyle it.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsRectItem

from .. import features as feats
from ..problem import THUMB_RES
from . import colors

NODE = 1.0        # node side length (scene units)
VGAP = 1.35       # vertical distance between nodes
HGAP = 3.2        # horizontal distance between layers
MAX_NODES = 32    # larger layers are not drawn


class WeightLine(QGraphicsLineItem):
    """A weight: hover shows its value, a click emits ``(layer, row, col)`` via ``on_click``."""

    def __init__(self, line, key, on_click):
        super().__init__(line)
        self.key, self.value, self._on_click = key, 0.0, on_click
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        stroker = QPainterPathStroker()
        stroker.setWidth(0.15)
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        self._shape = stroker.createStroke(path)   # the line never moves: compute once

    def shape(self):
        """A hit area 0.15 units wide, so thin lines are easy to hover and click."""
        return self._shape

    def restyle(self, value, scale):
        """Colour by sign and width by |value| / scale."""
        self.value = float(value)
        color = colors.BLUE if value >= 0 else colors.ORANGE
        pen = QPen(pg.mkColor(*color, 220))
        pen.setCosmetic(True)
        pen.setWidthF(0.5 + 5.5 * min(abs(value) / scale, 1.0))
        self.setPen(pen)
        layer, row, col = self.key
        self.setToolTip(f"weight layer {layer + 1}, input {row + 1} → neuron {col + 1}: "
                        f"{value:.4f}\nclick to edit")

    def mousePressEvent(self, event):
        """Ask the window to edit this weight."""
        if event.button() == Qt.LeftButton:
            self._on_click(self.key, self.value)
            event.accept()


class NetworkView(pg.GraphicsLayoutWidget):
    """The diagram. Call :meth:`set_problem` and then :meth:`update_snapshot`."""

    sig_edit_weight = Signal(int, int, int, float)   # layer, row, col, current value

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.vb = self.addViewBox()
        self.vb.setAspectLocked(True)
        self.vb.setMouseEnabled(False, False)
        self.vb.setMenuEnabled(False)
        self._lut = colors.diverging_lut()
        self.problem, self.shape, self.images, self.lines = None, None, [], []
        self.note = pg.TextItem("", color=(90, 90, 90))

    def set_problem(self, problem):
        """Remember the problem; the scene is built at the next snapshot."""
        self.problem, self.shape = problem, None

    def _clear(self):
        self.vb.clear()
        self.images, self.lines = [], []

    def _node_pos(self, col, idx, count):
        return col * HGAP, (count - 1) / 2 * VGAP - idx * VGAP

    def _add_node(self, col, idx, count, label=None):
        x, y = self._node_pos(col, idx, count)
        img = pg.ImageItem(axisOrder="row-major")
        img.setLookupTable(self._lut)
        img.rect = QRectF(x - NODE / 2, y - NODE / 2, NODE, NODE)
        self.vb.addItem(img)
        frame = QGraphicsRectItem(x - NODE / 2, y - NODE / 2, NODE, NODE)
        frame.setPen(pg.mkPen(110, 110, 110, width=1))
        self.vb.addItem(frame)
        if label:
            text = pg.TextItem(label, color=(60, 60, 60), anchor=(1, 0.5))
            text.setPos(x - NODE / 2 - 0.1, y)
            self.vb.addItem(text)
        return img

    def _build(self, sizes):
        """Create nodes and lines for layer sizes ``[n_in, h1, ..., n_out]``."""
        self._clear()
        self.shape = tuple(sizes)
        if max(sizes) > MAX_NODES:
            self.note.setText(f"The diagram is drawn for layers of up to {MAX_NODES} neurons "
                              f"(this network has {max(sizes)}).")
            self.vb.addItem(self.note)
            return
        names = self.problem.features if self.problem.n_raw <= 2 else ()
        for col, count in enumerate(sizes):
            self.images.append([self._add_node(col, i, count,
                                               names[i] if col == 0 and names else None)
                                for i in range(count)])
        for layer in range(len(sizes) - 1):
            for row in range(sizes[layer]):
                x0, y0 = self._node_pos(layer, row, sizes[layer])
                for col in range(sizes[layer + 1]):
                    x1, y1 = self._node_pos(layer + 1, col, sizes[layer + 1])
                    line = WeightLine(QLineF(x0 + NODE / 2, y0, x1 - NODE / 2, y1),
                                      (layer, row, col), self._emit_edit)
                    self.vb.addItem(line)
                    self.lines.append(line)
        self._draw_inputs()
        self.vb.autoRange(padding=0.08)

    def _draw_inputs(self):
        p = self.problem
        grid = p.surface_grid(THUMB_RES)
        if grid is None:
            return
        values = feats.transform(grid, p.features)
        rows = THUMB_RES if p.n_raw == 2 else 1
        for i, img in enumerate(self.images[0]):
            _set_image(img, values[:, i].reshape(rows, -1))

    def _emit_edit(self, key, value):
        self.sig_edit_weight.emit(key[0], key[1], key[2], value)

    def update_snapshot(self, snap):
        """Restyle lines from the weights and redraw every neuron heatmap."""
        if self.problem is None or snap.weights is None:
            return
        sizes = [snap.weights[0][0].shape[0]] + [w[0].shape[1] for w in snap.weights]
        if tuple(sizes) != self.shape:
            self._build(sizes)
        if not self.lines:
            return
        scale = max(1e-6, max(float(np.abs(w[0]).max()) for w in snap.weights))
        values = np.concatenate([w[0].ravel() for w in snap.weights])
        for line, value in zip(self.lines, values):
            line.restyle(value, scale)
        if snap.neurons is not None:
            for col, outs in enumerate(snap.neurons, start=1):
                for img, activation in zip(self.images[col], outs):
                    _set_image(img, activation)


def _set_image(img, values):
    """Draw a heatmap with symmetric fixed levels (white = 0)."""
    m = float(np.abs(values).max()) or 1.0
    img.setImage(np.ascontiguousarray(values, dtype=np.float32), autoLevels=False,
                 levels=(-m, m))
    img.setRect(img.rect)   # after setImage: the rect scales by the image size
