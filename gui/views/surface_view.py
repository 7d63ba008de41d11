"""The output view: decision surface (2-D), fitted curve (1-D) or predicted-vs-true (wider).

Items are created once; :meth:`SurfaceView.set_problem` places the data and
:meth:`SurfaceView.update_snapshot` only calls ``setImage``/``setData``.  The surface is drawn
smooth (the painter interpolates the grid) and, while a neuron of the diagram is hovered
(:meth:`SurfaceView.set_focus`), shows that neuron instead of the output.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QPainter

from . import colors


class SmoothImageItem(pg.ImageItem):
    """An ImageItem the painter scales with bilinear interpolation (``smooth``), so a 100 × 100
    grid looks like the continuous function it samples instead of a mosaic."""

    smooth = True

    def paint(self, painter, *args):
        painter.setRenderHint(QPainter.SmoothPixmapTransform, self.smooth)
        super().paint(painter, *args)


class SurfaceView(pg.PlotWidget):
    """Heatmap of the network output with the train (and optionally test) points."""

    sig_clicked = Signal(float, float)   # data coordinates of a left click

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.showGrid(False, False)
        for axis in ("left", "bottom"):
            self.getAxis(axis).enableAutoSIPrefix(False)     # no "(x0.001)" on small values
        self.image = SmoothImageItem(axisOrder="row-major")
        self._lut = colors.diverging_lut()
        self._surface_lut = colors.diverging_lut(fade=0.3)
        self.addItem(self.image)
        self.train_pts = pg.ScatterPlotItem(size=8, pen=pg.mkPen(255, 255, 255, 230, width=1))
        self.test_pts = pg.ScatterPlotItem(size=8, pen=pg.mkPen(20, 20, 20, width=1.5))
        self.curve = pg.PlotDataItem(pen=pg.mkPen(20, 20, 20, width=2.5))
        self.diagonal = pg.PlotDataItem(pen=pg.mkPen(120, 120, 120, style=pg.QtCore.Qt.DashLine))
        for item in (self.train_pts, self.test_pts, self.curve, self.diagonal):
            self.addItem(item)
        self.note = pg.TextItem("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.addItem(self.note)
        self.problem = None
        self.show_test = False
        self.discretize = False
        self._last = None
        self.focus = None
        self.updates = 0
        self.scene().sigMouseClicked.connect(self._on_click)

    # -- configuration --------------------------------------------------------------------
    def set_problem(self, problem):
        """Show a new problem's points and prepare the items for its kind of output."""
        self.problem, self._last, self.focus = problem, None, None
        self.image.clear()                       # the last problem's surface has other shapes
        self.curve.setData([], [])
        p = problem
        self.setAspectLocked(p.n_raw == 2)       # a circle looks round
        self.setTitle(None)
        self.image.setVisible(p.n_raw == 2)
        self.image.setLookupTable(None if p.task == "multiclass" else self._surface_lut)
        self.curve.setVisible(p.n_raw == 1)
        self.diagonal.setVisible(p.n_raw > 2 and p.task == "regression")
        self.note.setText("" if p.n_raw <= 2 or p.task == "regression" else
                          f"No 2-D surface for {p.n_raw} inputs: see the Digits / confusion tab.")
        self.getPlotItem().setLabels(bottom="x₁" if p.n_raw != 1 else "x",
                                     left="x₂" if p.n_raw == 2 else "y")
        if p.n_raw == 2:
            x0, x1, y0, y1 = p.extent
            self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            if p.task == "regression":
                lo, hi = float(p.y_train.min()), float(p.y_train.max())
                self._levels = (lo, hi if hi > lo else lo + 1.0)
        elif p.n_raw == 1:
            lo = float(min(p.y_train.min(), p.y_test.min()))
            hi = float(max(p.y_train.max(), p.y_test.max()))
            pad = 0.1 * max(hi - lo, 1e-3)
            self.setRange(xRange=p.extent[:2], yRange=(lo - pad, hi + pad), padding=0)
        self._draw_points()
        if p.n_raw > 2:
            self.train_pts.setData([], [])
            self.test_pts.setData([], [])
            if p.task == "regression":
                self.getPlotItem().setLabels(bottom="true value (test)", left="predicted")
                lo, hi = (float(v) for v in
                          self._in_data_units(np.array([p.y_test.min(), p.y_test.max()])))
                pad = 0.05 * (hi - lo)
                self.setRange(xRange=(lo - pad, hi + pad), yRange=(lo - pad, hi + pad),
                              padding=0)
                self.diagonal.setData([lo, hi], [lo, hi])
            else:
                self.note.setPos(0.5, 0.5)
                self.setRange(xRange=(0, 1), yRange=(0, 1))

    def _in_data_units(self, y):
        """Undo the standardisation of regression targets (e.g. prices in k$)."""
        mean, std = self.problem.y_scale
        return np.asarray(y, dtype=np.float64) * std + mean

    def set_show_test(self, on):
        """Draw the test points too."""
        self.show_test = bool(on)
        self._draw_points()

    def set_discretize(self, on):
        """Show predicted classes instead of probabilities."""
        self.discretize = bool(on)
        self.image.smooth = not self.discretize
        if self._last is not None:
            self.update_snapshot(self._last)

    def set_focus(self, focus):
        """Draw neuron ``focus = (column, unit)`` of the diagram (None: the output again); its
        map arrives in a snapshot (``focus_surface``)."""
        self.focus = focus
        if focus is None:
            self.setTitle(None)
        else:
            column, unit = focus
            self.setTitle(f"input {unit + 1} (hovered)" if column == 0 else
                          f"neuron {unit + 1} of layer {column} (hovered)", size="10pt")
        if self._last is not None:
            self.update_snapshot(self._last)

    def _points(self, X, y):
        p = self.problem
        if p.n_raw == 2:
            if p.task == "regression":
                lo, hi = self._levels
                idx = np.clip((y - lo) / (hi - lo) * 255, 0, 255).astype(int)
                brushes = [pg.mkBrush(*self._lut[i]) for i in idx]
            else:
                brushes = colors.class_brushes(y)
            return dict(x=X[:, 0], y=X[:, 1], brush=brushes)
        if p.n_raw == 1:
            return dict(x=X[:, 0], y=y, brush=pg.mkBrush(*colors.BLUE))
        return None

    def _draw_points(self):
        p = self.problem
        if p is None or p.n_raw > 2:
            return
        self.train_pts.setData(**self._points(p.X_train, p.y_train))
        if self.show_test:
            test = self._points(p.X_test, p.y_test)
            if p.n_raw == 1:
                test["brush"] = pg.mkBrush(*colors.ORANGE)
            self.test_pts.setData(**test)
        else:
            self.test_pts.setData([], [])

    # -- live updates ---------------------------------------------------------------------
    def update_snapshot(self, snap):
        """Draw the output in ``snap`` (a :class:`~fastnn_gui.snapshot.Snapshot`)."""
        p = self.problem
        if p is None:
            return
        self._last = snap
        focused = self.focus is not None and snap.focus == self.focus and \
            snap.focus_surface is not None
        if p.n_raw == 2 and focused:
            self._draw_neuron(snap.focus_surface)
        elif p.n_raw == 2 and snap.surface is not None:
            self._draw_surface(snap.surface)
        elif p.n_raw == 1 and snap.surface is not None:
            grid = p.surface_grid()[:, 0]
            self.curve.setData(grid, snap.focus_surface if focused else snap.surface,
                               skipFiniteCheck=True)
        elif p.n_raw > 2 and p.task == "regression" and snap.pred_test is not None:
            self.train_pts.setData(x=self._in_data_units(p.y_test),
                                   y=self._in_data_units(snap.pred_test),
                                   brush=pg.mkBrush(*colors.BLUE))
        self.updates += 1

    def _draw_surface(self, surface):
        p = self.problem
        if p.task == "multiclass":
            self.image.setLookupTable(None)
            self.image.setImage(colors.mix_classes(surface, self.discretize),
                                autoLevels=False, levels=(0.0, 1.0))
            self.image.setRect(self._rect)
            return
        self.image.setLookupTable(self._surface_lut)
        if p.task == "binary" and self.discretize:
            surface = (surface > 0.5).astype(np.float32)
        levels = self._levels if p.task == "regression" else (0.0, 1.0)
        self.image.setImage(surface, autoLevels=False, levels=levels)
        self.image.setRect(self._rect)   # after setImage: the rect scales by the image size

    def _draw_neuron(self, values):
        """A neuron's output over the plane, white at 0, as in the diagram."""
        m = float(np.abs(values).max()) or 1.0
        self.image.setLookupTable(self._surface_lut)
        self.image.setImage(values, autoLevels=False, levels=(-m, m))
        self.image.setRect(self._rect)

    def current_image(self):
        """The image array last drawn (for tests and export)."""
        return self.image.image

    def _on_click(self, event):
        if event.button() != pg.QtCore.Qt.LeftButton:
            return
        pos = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.sig_clicked.emit(float(pos.x()), float(pos.y()))
