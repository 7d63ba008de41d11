"""MNIST views: a grid of test digits with predictions, the confusion matrix (with its counts)
and the misclassified digits. Images are tiled once into one array and drawn by one ImageItem
each; every digit has a strip of its own below it for its label."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..snapshot import N_MISCLASSIFIED, N_SAMPLES

COLS = 8
LABEL_ROWS = 12      # image rows left blank below each digit for its label
GAP = 2              # blank columns between digits


def tile(images, cols=COLS, shape=(28, 28), below=0, gap=0, fill=0.0):
    """Tile (n, h*w) images into one float32 array, row-major, top row first: each cell is
    ``h + below`` rows by ``w + gap`` columns, the image in its top left, ``fill`` elsewhere."""
    h, w = shape
    ch, cw = h + below, w + gap
    rows = max(1, -(-len(images) // cols))
    out = np.full((rows * ch, cols * cw), fill, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * ch:r * ch + h, c * cw:c * cw + w] = img.reshape(h, w)
    return out


def _image_plot(title):
    plot = pg.PlotWidget(title=title)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMouseEnabled(False, False)
    plot.invertY(True)
    plot.setAspectLocked(True)
    img = pg.ImageItem(axisOrder="row-major")
    img.setLookupTable(pg.colormap.get("CET-L1").getLookupTable(nPts=256)[::-1])
    plot.addItem(img)
    return plot, img


class DigitsView(QWidget):
    """Sample grid, confusion matrix and misclassified digits (for image problems)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.samples_plot, self.samples_img = _image_plot("Test digits (label: prediction)")
        self.wrong_plot, self.wrong_img = _image_plot("Misclassified (true → predicted)")
        self.conf_plot = pg.PlotWidget(title="Confusion matrix of the test set")
        self.conf_plot.invertY(True)
        self.conf_plot.setMouseEnabled(False, False)
        self.conf_plot.setMenuEnabled(False)
        self.conf_plot.hideButtons()
        self.conf_plot.setLabels(left="true class", bottom="predicted class")
        self.conf_img = pg.ImageItem(axisOrder="row-major")
        self.conf_img.setLookupTable(pg.colormap.get("CET-L12").getLookupTable(nPts=256))
        self.conf_plot.addItem(self.conf_img)
        self.conf_counts, self.conf_k = [], 0
        self.accuracy = QLabel("")
        self.acc_plot = pg.PlotWidget(title="Live accuracy")
        self.acc_plot.getAxis("left").enableAutoSIPrefix(False)   # no "(x0.001)" on a fraction
        self.acc_plot.setLabels(left="accuracy", bottom="epoch")
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_train = self.acc_plot.plot(pen=pg.mkPen(40, 40, 40, width=2), name="train")
        self.acc_test = self.acc_plot.plot(pen=pg.mkPen(245, 147, 34, width=2), name="test")
        right = QVBoxLayout()
        right.addWidget(self.accuracy)
        right.addWidget(self.acc_plot, 1)
        self.sample_labels, self.wrong_labels = [], []
        grid.addWidget(self.samples_plot, 0, 0)
        grid.addWidget(self.conf_plot, 0, 1)
        grid.addWidget(self.wrong_plot, 1, 0)
        grid.addLayout(right, 1, 1)
        self.problem = None

    def set_problem(self, problem):
        """Tile the first test digits once (or clear the view for non-image data)."""
        self.problem = problem
        if problem.image_shape is None:
            self.samples_img.clear()
            self.wrong_img.clear()
            for plot, labels in ((self.samples_plot, self.sample_labels),
                                 (self.wrong_plot, self.wrong_labels)):
                for t in labels:
                    plot.removeItem(t)
            self.sample_labels, self.wrong_labels = [], []
            self.accuracy.setText("Digit views appear for MNIST; the confusion matrix works "
                                  "for every classification problem.")
            return
        self.samples_img.setImage(self._tile(problem.X_test[:N_SAMPLES]), autoLevels=False,
                                  levels=(0.0, 1.0))
        self.sample_labels = self._make_labels(self.samples_plot, self.sample_labels,
                                               min(N_SAMPLES, len(problem.X_test)))

    def _make_labels(self, plot, old, n):
        for t in old:
            plot.removeItem(t)
        labels = []
        for i in range(n):
            r, c = divmod(i, COLS)
            t = pg.TextItem("", color=(220, 30, 30), anchor=(0.5, 0))
            t.setPos(c * (28 + GAP) + 14, r * (28 + LABEL_ROWS) + 27)   # the strip below it
            plot.addItem(t)
            labels.append(t)
        return labels

    def _tile(self, images):
        return tile(images, below=LABEL_ROWS, gap=GAP)

    def _ensure_counts(self, k):
        """One text per confusion cell and integer ticks 0..k-1, made when k changes."""
        if k == self.conf_k:
            return
        for t in self.conf_counts:
            self.conf_plot.removeItem(t)
        self.conf_counts, self.conf_k = [], k
        for i in range(k * k):
            t = pg.TextItem("", anchor=(0.5, 0.5))
            t.setPos(i % k, i // k)
            self.conf_plot.addItem(t)
            self.conf_counts.append(t)
        ticks = [[(i, str(i)) for i in range(k)]]
        for axis in ("left", "bottom"):
            self.conf_plot.getAxis(axis).setTicks(ticks)
        self.conf_plot.setLimits(xMin=-0.5, xMax=k - 0.5, yMin=-0.5, yMax=k - 0.5)
        self.conf_plot.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, k - 0.5), padding=0)

    def update_snapshot(self, snap):
        """Redraw predictions, confusion matrix and misclassified digits."""
        p = self.problem
        if p is None or snap.confusion is None:
            return
        conf = snap.confusion.astype(np.float32)
        k = len(conf)
        self._ensure_counts(k)
        top = max(1.0, float(conf.max()))
        self.conf_img.setImage(conf, autoLevels=False, levels=(0.0, top))
        self.conf_img.setRect(QRectF(-0.5, -0.5, k, k))     # cell i centred on tick i
        for t, count in zip(self.conf_counts, conf.ravel()):
            t.setText(f"{int(count)}" if count else "")
            t.setColor((255, 255, 255) if count > 0.55 * top else (20, 20, 20))
        self.acc_train.setData(snap.acc_x, snap.acc_train, skipFiniteCheck=True)
        self.acc_test.setData(snap.acc_x, snap.acc_test, skipFiniteCheck=True)
        acc = np.trace(conf) / max(conf.sum(), 1)
        self.accuracy.setText(f"Epoch {snap.epoch}: test accuracy {acc:.1%} "
                              f"({int(conf.sum() - np.trace(conf))} of {int(conf.sum())} wrong)")
        if p.image_shape is None:
            return
        for t, y, pred in zip(self.sample_labels, p.y_test, snap.sample_pred):
            t.setText(f"{y}:{pred}")
            t.setColor((20, 140, 20) if y == pred else (220, 30, 30))
        wrong = snap.misclassified[:N_MISCLASSIFIED]
        self.wrong_img.setImage(self._tile(p.X_test[wrong]), autoLevels=False,
                                levels=(0.0, 1.0))
        if len(self.wrong_labels) != len(wrong):
            self.wrong_labels = self._make_labels(self.wrong_plot, self.wrong_labels, len(wrong))
        for t, i, pred in zip(self.wrong_labels, wrong, snap.mis_pred):
            t.setText(f"{p.y_test[i]}→{pred}")
            t.setColor((200, 30, 30))
