"""Draw a trained 2-D classifier's decision surface and loss curve into a PNG, headless.

Uses Qt's ``QImage``/``QPainter`` on the offscreen platform (``QT_QPA_PLATFORM=offscreen`` is
set before Qt is imported), so no display is needed; PySide6 comes with ``fastnn[gui]``.
"""
from __future__ import annotations

import os

import numpy as np

# Class colours (RGB): the surface is drawn pale, the points full strength.
PALETTE = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40],
                    [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127]])
SIZE, MARGIN = 420, 40


def qt_gui():
    """``QtGui`` with an application object, or None when PySide6 is not installed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6 import QtGui
    except ImportError:
        return None
    if QtGui.QGuiApplication.instance() is None:
        qt_gui.app = QtGui.QGuiApplication([])      # keep a reference for the process
    return QtGui


def surface_rgb(probabilities, shape):
    """Blend class colours by probability, then pale them towards white: (h, w, 3) uint8."""
    colours = probabilities @ PALETTE[:probabilities.shape[1]]
    pale = 0.45 * colours + 0.55 * 255
    return pale.reshape(shape[0], shape[1], 3).astype(np.uint8)


def render(QtGui, path, predict_proba, X, y, losses, title):
    """Write a PNG: the decision surface with the points (left) and the loss curve (right)."""
    from PySide6 import QtCore
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], SIZE)
    ys = np.linspace(hi[1], lo[1], SIZE)                 # image rows go downwards
    grid = np.column_stack([np.tile(xs, SIZE), np.repeat(ys, SIZE)])
    rgb = np.ascontiguousarray(surface_rgb(predict_proba(grid), (SIZE, SIZE)))
    surface = QtGui.QImage(rgb.data, SIZE, SIZE, 3 * SIZE, QtGui.QImage.Format_RGB888).copy()

    image = QtGui.QImage(2 * SIZE + 3 * MARGIN, SIZE + 2 * MARGIN, QtGui.QImage.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.Antialiasing)
    painter.drawImage(MARGIN, MARGIN, surface)
    to_px = lambda p: (MARGIN + (p[0] - lo[0]) / (hi[0] - lo[0]) * SIZE,  # noqa: E731
                       MARGIN + (hi[1] - p[1]) / (hi[1] - lo[1]) * SIZE)
    painter.setPen(QtGui.QPen(QtGui.QColor("black"), 0.6))
    for point, label in zip(X, y):
        painter.setBrush(QtGui.QColor(*PALETTE[int(label) % len(PALETTE)]))
        px, py = to_px(point)
        painter.drawEllipse(QtCore.QPointF(px, py), 3.2, 3.2)
    _loss_curve(QtGui, QtCore, painter, losses, QtCore.QRectF(2 * MARGIN + SIZE, MARGIN, SIZE, SIZE))
    painter.setPen(QtGui.QColor("black"))
    painter.drawText(QtCore.QRectF(MARGIN, 8, SIZE, MARGIN - 12), QtCore.Qt.AlignLeft, title)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def _loss_curve(QtGui, QtCore, painter, losses, box):
    painter.setPen(QtGui.QPen(QtGui.QColor("gray"), 1))
    painter.setBrush(QtCore.Qt.NoBrush)
    painter.drawRect(box)
    values = np.log10(np.maximum(np.asarray(losses, float), 1e-12))
    low, high = values.min(), max(values.max(), values.min() + 1e-9)
    points = [QtCore.QPointF(box.left() + i / max(len(values) - 1, 1) * box.width(),
                             box.bottom() - (v - low) / (high - low) * box.height())
              for i, v in enumerate(values)]
    painter.setPen(QtGui.QPen(QtGui.QColor(214, 39, 40), 2))
    painter.drawPolyline(points)
    painter.setPen(QtGui.QColor("black"))
    painter.drawText(QtCore.QRectF(box.left(), box.top() - MARGIN + 8, box.width(), MARGIN - 12),
                     QtCore.Qt.AlignLeft,
                     f"training loss (log scale): {losses[0]:.3g} → {losses[-1]:.3g}")
    painter.drawText(QtCore.QRectF(box.left(), box.bottom() + 4, box.width(), MARGIN - 8),
                     QtCore.Qt.AlignRight, f"epoch {len(losses)}")
