"""Network diagram: every neuron shows its own heatmap, every weight is a line.

Lines are blue for positive and orange for negative weights, thicker for larger ones; a neuron's
ring shows its bias the same way.  Hovering a line shows its value and clicking it asks to edit
it (``sig_edit_weight``); hovering a neuron shows its bias and asks the window to draw it large
(``sig_focus``), clicking it edits the bias; the − and + above a hidden layer's column remove or
add a neuron (``sig_units``).  The layout fills the view whatever the layer sizes (up to
:data:`MAX_NODES` per layer): columns spread out to the view's width, and the scene is rebuilt only
when the architecture or the view's shape changes; snapshots only restyle it.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from fastnn import activations as acts

from .. import features as feats
from ..problem import THUMB_RES
from . import colors

NODE = 1.0        # node side length (scene units)
MAX_NODES = 64    # the largest layer the diagram draws (the layer editor's limit)
WIDTHS = 16       # line widths are quantised, so a restyle only touches lines that changed
MIN_GAP = 2.4     # the narrowest distance between columns
MARGIN = 3.2      # scene units left and right of the columns (input labels, output node)


def _pitch(n_max):
    """Vertical distance between nodes: airy for small layers, tighter for wide ones."""
    return 1.45 if n_max <= 8 else 1.25 if n_max <= 24 else 1.12


def _pens():
    """The line pens: ``pens[sign][width bucket]`` (cosmetic, widths 0.5 to 6 px)."""
    out = []
    for color in (colors.BLUE, colors.ORANGE):
        row = []
        for k in range(WIDTHS):
            pen = QPen(pg.mkColor(*color, 220))
            pen.setCosmetic(True)
            pen.setWidthF(0.5 + 5.5 * k / (WIDTHS - 1))
            row.append(pen)
        out.append(row)
    return out


class WeightLine(QGraphicsLineItem):
    """A weight: hover shows its value, a click emits ``(layer, row, col)`` via ``on_click``."""

    def __init__(self, line, key, on_click):
        super().__init__(line)
        self.key, self.value, self._on_click = key, 0.0, on_click
        self.style = None
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        stroker = QPainterPathStroker()
        stroker.setWidth(0.15)
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        self._shape = stroker.createStroke(path)   # the line never moves: compute once
        self._describe()

    def shape(self):
        """A hit area 0.15 units wide, so thin lines are easy to hover and click."""
        return self._shape

    def _describe(self):
        layer, row, col = self.key
        self.setToolTip(f"weight layer {layer + 1}, input {row + 1} → neuron {col + 1}: "
                        f"{self.value:.4f}\nclick to edit")

    def hoverEnterEvent(self, event):
        """The tooltip shows the value now (set here, not at every restyle)."""
        self._describe()
        super().hoverEnterEvent(event)

    def restyle(self, value, style, pens):
        """Colour by sign and width by size: ``style = (sign, width bucket)``."""
        self.value = float(value)
        if style != self.style:
            self.style = style
            self.setPen(pens[style[0]][style[1]])

    def mousePressEvent(self, event):
        """Ask the window to edit this weight."""
        if event.button() == Qt.LeftButton:
            self._on_click(self.key, self.value)
            event.accept()


class NodeItem(QGraphicsRectItem):
    """A neuron's frame: its ring shows the bias; hover asks for the big plot, a click edits the
    bias (``on_hover(key | None)``, ``on_click(key)``); ``key = (column, unit)``."""

    def __init__(self, rect, key, on_hover, on_click):
        super().__init__(rect)
        self.key, self.bias, self.text = key, None, ""
        self._on_hover, self._on_click = on_hover, on_click
        self.setAcceptHoverEvents(True)
        self.setBrush(QBrush(Qt.NoBrush))
        self.set_bias(None)

    def set_bias(self, bias, scale=1.0, activation=""):
        """Ring colour by the bias's sign, width by its size (None: an input, a grey frame)."""
        self.bias = bias
        column, unit = self.key
        if bias is None:
            pen = pg.mkPen(110, 110, 110, width=1)
            self.text = f"input {unit + 1}"
        else:
            color = colors.BLUE if bias >= 0 else colors.ORANGE
            pen = pg.mkPen(*color, width=1.0 + 3.0 * min(abs(bias) / scale, 1.0))
            self.text = (f"layer {column}, neuron {unit + 1}: bias b = {bias:.4f}"
                         f"{', ' + activation if activation else ''}\n"
                         f"hover: drawn large in the output plot; click to edit the bias")
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setToolTip(self.text)

    def hoverEnterEvent(self, event):
        self._on_hover(self.key)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event):
        self._on_hover(None)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton and self.bias is not None:
            self._on_click(self.key)
            event.accept()


class ButtonItem(QGraphicsSimpleTextItem):
    """A "−" or "+" of a column header; a click calls ``on_click``."""

    def __init__(self, text, on_click, tip, parent):
        super().__init__(text, parent)
        self._on_click = on_click
        font = QFont()
        font.setPointSize(14)
        font.setBold(True)
        self.setFont(font)
        self.setBrush(QBrush(QColor(8, 119, 189)))
        self.setToolTip(tip)
        self.setCursor(Qt.PointingHandCursor)

    def click(self):
        """What a mouse click does (tests call it too)."""
        self._on_click()

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton:
            self.click()
            event.accept()


class ColumnHeader(QGraphicsRectItem):
    """The words above a column ("inputs", "4 neurons", "output"), with − and + for a hidden
    layer; drawn at a fixed size on screen, centred above the column (pixel offsets)."""

    HEIGHT = 24       # pixels

    def __init__(self, text, on_units=None, layer=None):
        super().__init__()
        self.setPen(QPen(Qt.NoPen))
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        label = QGraphicsSimpleTextItem(text, self)
        font = QFont()
        font.setPointSize(10)
        label.setFont(font)
        label.setBrush(QBrush(QColor(70, 70, 70)))
        w, h = label.boundingRect().width(), label.boundingRect().height()
        label.setPos(-w / 2, -h - 4)
        self.label, self.buttons = label, []
        if on_units is None:
            return
        for text, delta, x in (("−", -1, -w / 2 - 22), ("+", 1, w / 2 + 8)):
            tip = f"{'Add a neuron to' if delta > 0 else 'Remove a neuron from'} layer {layer + 1}"
            button = ButtonItem(text, lambda d=delta: on_units(layer, d), tip, self)
            button.setPos(x, -h - 8)
            button.key = (layer, delta)
            self.buttons.append(button)


class NetworkView(pg.GraphicsLayoutWidget):
    """The diagram. Call :meth:`set_problem` and then :meth:`update_snapshot`."""

    sig_edit_weight = Signal(int, int, int, float)   # layer, row, col, current value
    sig_focus = Signal(object)                       # (column, unit) under the mouse, or None
    sig_units = Signal(int, int)                     # hidden layer, +1 or -1 neurons

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.vb = self.addViewBox()
        self.vb.setAspectLocked(True)
        self.vb.setMouseEnabled(False, False)
        self.vb.setMenuEnabled(False)
        self._lut = colors.diverging_lut()
        self._pens = _pens()
        self.problem, self.shape, self.images, self.lines = None, None, [], []
        self.nodes, self.buttons, self.labels = [], [], []
        self.focus = None
        self.activations = []
        self._aspect = None
        self._last = None
        self.note = pg.TextItem("", color=(90, 90, 90))

    def set_problem(self, problem):
        """Remember the problem; the scene is built at the next snapshot."""
        self.problem, self.shape = problem, None

    def _clear(self):
        self.vb.clear()
        self.images, self.lines, self.nodes, self.buttons, self.labels = [], [], [], [], []

    def _view_aspect(self):
        """Width / height of the view in pixels (1.2 before it is shown)."""
        w, h = self.width(), self.height()
        return w / h if w > 50 and h > 50 else 1.2

    def _layout(self, sizes):
        """``(column x positions, pitch, nodes' height, headers' height)`` so that the diagram
        fills the view: columns spread to its width, the headers get their pixels on top, and
        in a tall view the neurons spread out vertically instead."""
        n_max = max(max(sizes), 3)
        aspect = self._view_aspect()
        pixels = self.height() if self.height() > 100 else 400
        share = (ColumnHeader.HEIGHT + 8) / max(pixels - ColumnHeader.HEIGHT - 8, 60)
        pitch = _pitch(n_max)
        nodes = n_max * pitch
        width = aspect * nodes * (1 + share) - MARGIN
        gap = float(np.clip(width / max(len(sizes) - 1, 1), MIN_GAP, 3.0 * nodes))
        if gap == MIN_GAP:                    # too narrow: use the height instead
            wide = MIN_GAP * (len(sizes) - 1) + MARGIN
            pitch = float(np.clip(wide / aspect / (1 + share) / n_max, pitch, 2.6))
            nodes = n_max * pitch
        return [i * gap for i in range(len(sizes))], pitch, nodes, nodes * share

    def _node_pos(self, col, idx, count):
        return self._xs[col], (count - 1) / 2 * self._pitch - idx * self._pitch

    def _add_node(self, col, idx, count, label=None):
        x, y = self._node_pos(col, idx, count)
        img = pg.ImageItem(axisOrder="row-major")
        img.setLookupTable(self._lut)
        img.rect = QRectF(x - NODE / 2, y - NODE / 2, NODE, NODE)
        self.vb.addItem(img)
        frame = NodeItem(QRectF(x - NODE / 2, y - NODE / 2, NODE, NODE), (col, idx),
                         self._hover, self._edit_bias)
        self.vb.addItem(frame)
        self.nodes.append(frame)
        if label:
            text = pg.TextItem(label, color=(60, 60, 60), anchor=(1, 0.5))
            text.setPos(x - NODE / 2 - 0.1, y)
            self.vb.addItem(text)
        return img

    def _add_headers(self, sizes):
        """"− n neurons +" above each hidden layer's column, "inputs" and "output" above theirs."""
        top = (max(sizes) - 1) / 2 * self._pitch + NODE / 2
        for col, count in enumerate(sizes):
            last = col == len(sizes) - 1
            if col == 0:
                header = ColumnHeader("inputs")
            elif last:
                header = ColumnHeader("output")
            else:
                header = ColumnHeader(f"{count} neuron{'s' if count > 1 else ''}",
                                      self.sig_units.emit, col - 1)
                self.buttons += header.buttons
            header.setPos(self._xs[col], top)
            self.vb.addItem(header)
            self.labels.append(header)

    def _build(self, sizes):
        """Create nodes and lines for layer sizes ``[n_in, h1, ..., n_out]``."""
        self._clear()
        self.shape = tuple(sizes)
        self._aspect = self._view_aspect()
        if max(sizes) > MAX_NODES:
            self.note.setText(f"The diagram is drawn for layers of up to {MAX_NODES} neurons "
                              f"(this network has {max(sizes)}).")
            self.vb.addItem(self.note)
            return
        self._xs, self._pitch, nodes, header = self._layout(sizes)
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
        self._add_headers(sizes)
        self._draw_inputs()
        half = nodes / 2
        self.vb.setRange(QRectF(self._xs[0] - 2.4, -half, self._xs[-1] + MARGIN,
                                nodes + header), padding=0.0)

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

    def _edit_bias(self, key):
        """A click on neuron ``(column, unit)``: edit its bias (row = fan_in addresses it)."""
        column, unit = key
        if self._last is None or not 0 < column <= len(self._last.weights):
            return
        W, b = self._last.weights[column - 1][:2]
        self.sig_edit_weight.emit(column - 1, W.shape[0], unit, float(b[unit]))

    def _hover(self, key):
        self.focus = key
        self.sig_focus.emit(key)

    def node(self, column, unit):
        """The :class:`NodeItem` of neuron ``unit`` in ``column`` (0: the inputs)."""
        return next(n for n in self.nodes if n.key == (column, unit))

    def resizeEvent(self, event):
        """Lay the diagram out again when the view's shape changes by more than 15 %."""
        super().resizeEvent(event)
        if getattr(self, "shape", None) is not None and self._aspect is not None and \
                abs(self._view_aspect() / self._aspect - 1) > 0.15:
            self._build(list(self.shape))
            if self._last is not None:
                self.update_snapshot(self._last)

    def update_snapshot(self, snap):
        """Restyle lines and rings from the weights and redraw every neuron heatmap."""
        if self.problem is None or snap.weights is None:
            return
        self._last = snap
        sizes = [snap.weights[0][0].shape[0]] + [w[0].shape[1] for w in snap.weights]
        if tuple(sizes) != self.shape:
            self._build(sizes)
        if not self.lines:
            return
        scale = max(1e-6, max(float(np.abs(w[0]).max()) for w in snap.weights))
        values = np.concatenate([w[0].ravel() for w in snap.weights])
        signs = (values < 0).astype(int)
        buckets = np.minimum(np.abs(values) / scale, 1.0) * (WIDTHS - 1)
        for line, value, sign, bucket in zip(self.lines, values, signs, buckets.astype(int)):
            line.restyle(value, (sign, bucket), self._pens)
        self._restyle_biases(snap.weights)
        if snap.neurons is not None:
            for col, outs in enumerate(snap.neurons, start=1):
                for img, activation in zip(self.images[col], outs):
                    _set_image(img, activation)

    def _restyle_biases(self, weights):
        scale = max(1e-6, max(float(np.abs(w[1]).max()) for w in weights))
        names = self._activation_names()
        for node in self.nodes:
            column, unit = node.key
            if column > 0:
                node.set_bias(float(weights[column - 1][1][unit]), scale,
                              names[column - 1] if column - 1 < len(names) else "")

    def set_activations(self, names):
        """The hidden layers' activations (named in the neurons' tooltips with their formula)."""
        self.activations = [f"{a.name}: {a.formula}" for a in
                            (acts.get(n) for n in names)] + ["output: linear (the loss adds "
                                                               "its link)"]

    def _activation_names(self):
        return self.activations


def _set_image(img, values):
    """Draw a heatmap with symmetric fixed levels (white = 0)."""
    m = float(np.abs(values).max()) or 1.0
    img.setImage(np.ascontiguousarray(values, dtype=np.float32), autoLevels=False,
                 levels=(-m, m))
    img.setRect(img.rect)   # after setImage: the rect scales by the image size
