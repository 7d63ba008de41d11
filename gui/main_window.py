"""The main window: panels on the left, views in tabs, the transport bar on top.

The window holds no model. It turns widget edits into worker commands and draws the
snapshots the worker sends back; every error arrives as a message in the message bar.
"""
import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import data as data_mod
from .collector import GuiThreadCollector
from .file_actions import FileActions
from .panels.controls import Controls
from .panels.data_panel import DataPanel
from .panels.network_panel import NetworkPanel
from .panels.training_panel import TrainingPanel
from .race_tab import RaceTab
from .settings import Settings
from .views.digits_view import DigitsView
from .views.grad_view import GradView
from .views.loss_view import LossView
from .views.network_view import NetworkView
from .views.surface_view import SurfaceView
from .worker import WorkerHost

RENDER_HZ = 30

LEVEL_STYLE = {"info": "background:#e7f3fe; color:#0b4f7a;",
               "warning": "background:#fff4d6; color:#7a4b00;",
               "error": "background:#fde2e1; color:#8a1c14;"}


def backends():
    """``(default, available, {unavailable: reason})``: numba is the default when available."""
    import fastnn
    names = list(fastnn.backends.available())
    missing = {name: reason for name, (ok, reason) in fastnn.backends.status().items()
               if not ok}
    return ("numba" if "numba" in names else names[0]), names, missing


class MainWindow(QMainWindow):
    """fastnn playground window. ``settings`` is the source of truth for the panels."""

    def __init__(self, backend=None):
        super().__init__()
        self.setWindowTitle("fastnn playground")
        chosen, names, missing = backends()
        self.settings = Settings(backend=backend or chosen)
        self.problem, self.snapshot, self.running = None, None, False
        self.drawn = None          # the snapshot the views show (the newest, once drawn)
        self.custom_X, self.custom_y = [], []
        self._collector = GuiThreadCollector(self)   # before any worker thread starts
        self.host = WorkerHost(self)
        self._dirty = False
        self._render_timer = QTimer(self)
        self._render_timer.setInterval(int(1000 / RENDER_HZ))
        self._render_timer.timeout.connect(self._render)
        self._build_ui(names, missing)
        self._connect()
        self.files = FileActions(self)
        self.data_panel.emit_request()

    # -- layout ---------------------------------------------------------------------------
    def _build_ui(self, backend_names, missing):
        self.controls = Controls()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel(self.settings.layers)
        self.training_panel = TrainingPanel(self.settings, backend_names, missing)
        left = QWidget()
        lay = QVBoxLayout(left)
        for w in (self.data_panel, self.network_panel, self.training_panel):
            lay.addWidget(w)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(360)
        self.network_view = NetworkView()
        self.surface_view = SurfaceView()
        self.loss_view = LossView()
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.surface_view)
        right.addWidget(self.loss_view)
        right.setSizes([520, 360])
        playground = QSplitter(Qt.Horizontal)
        playground.addWidget(self.network_view)
        playground.addWidget(right)
        playground.setSizes([560, 520])
        self.grad_view = GradView()
        self.digits_view = DigitsView()
        self.race_tab = RaceTab(self)
        self.tabs = QTabWidget()
        for widget, title in ((playground, "Playground"), (self.grad_view, "Gradients"),
                              (self.digits_view, "Digits / confusion"), (self.race_tab, "Race")):
            self.tabs.addTab(widget, title)
        center = QWidget()
        clay = QVBoxLayout(center)
        clay.setContentsMargins(0, 0, 0, 0)
        clay.addWidget(self.controls)
        clay.addWidget(self.message)
        clay.addWidget(self.tabs, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(center)
        split.setSizes([380, 1200])
        self.setCentralWidget(split)
        self.resize(1580, 960)

    def _connect(self):
        w, c = self.host.worker, self.controls
        w.sig_snapshot.connect(self._on_snapshot)
        w.sig_problem.connect(self._on_problem)
        w.sig_message.connect(self.show_message)
        w.sig_running.connect(self._on_running)
        w.sig_settings.connect(self._on_worker_settings)
        c.sig_play.connect(lambda: self.host.send("play"))
        c.sig_pause.connect(lambda: self.host.send("pause"))
        c.sig_step.connect(lambda: self.host.send("step"))
        c.sig_reset.connect(lambda same: self.host.send("reset", same))
        d = self.data_panel
        d.sig_request.connect(self.request_data)
        d.sig_features.connect(self._on_features)
        d.sig_show_test.connect(self.surface_view.set_show_test)
        d.sig_discretize.connect(self.surface_view.set_discretize)
        d.sig_clear_points.connect(self._clear_points)
        self.network_panel.sig_changed.connect(self._on_layers)
        self.training_panel.sig_changed.connect(self._on_training_settings)
        self.training_panel.sig_invalid.connect(lambda m: self.show_message("error", m))
        self.surface_view.sig_clicked.connect(self._on_surface_click)
        self.network_view.sig_edit_weight.connect(self._edit_weight)
        self.tabs.currentChanged.connect(self._update_tab)

    # -- commands -------------------------------------------------------------------------
    def request_data(self, request):
        """Ask the worker for new data (custom points are attached here)."""
        if data_mod.entry(request.label).name == "custom":
            if not self.custom_X:
                self.show_message("info", "Click on the surface to add points (pick the class "
                                          "below the dataset), or load a CSV file.")
                self._seed_custom_points()
            request.X = np.array(self.custom_X, dtype=np.float32)
            request.y = np.array(self.custom_y)
        self.host.send("data", (request, self.settings.copy()))

    def _seed_custom_points(self):
        """Start the custom set with four points, two per class, so it can be trained."""
        self.custom_X = [[-3.0, -3.0], [3.0, 3.0], [-3.0, 3.0], [3.0, -3.0]]
        self.custom_y = [0, 0, 1, 1]

    def _clear_points(self):
        self._seed_custom_points()
        self.data_panel.emit_request()

    def _on_surface_click(self, x, y):
        if self.problem is None or data_mod.entry(self.data_panel.combo.currentData()).name \
                != "custom":
            return
        if self.problem.n_raw != 2:
            self.show_message("warning", "Points can be added to 2-D custom data only.")
            return
        self.custom_X.append([x, y])
        self.custom_y.append(self.data_panel.click_class.currentIndex())
        self.data_panel.emit_request()

    def _on_features(self, names):
        if not names:
            self.show_message("error", "Select at least one input feature.")
            self.data_panel.set_features(self.problem.n_raw, self.problem.features)
            return
        self.host.send("features", names)

    def _on_layers(self, layers):
        self.settings = self.settings.copy(layers=layers)
        self.host.send("settings", self.settings.copy())

    def _on_training_settings(self):
        new = self.training_panel.apply_to(self.settings)
        if new is not None:
            self.settings = new
            self.host.send("settings", new.copy())

    def _edit_weight(self, layer, row, col, value):
        new, ok = QInputDialog.getDouble(self, "Edit weight",
                                         f"Weight layer {layer + 1}, input {row + 1} → neuron "
                                         f"{col + 1}:", value, -1e6, 1e6, 4)
        if ok:
            self.host.send("weight", (layer, row, col, new))

    # -- worker events --------------------------------------------------------------------
    def show_message(self, level, text):
        """Show ``text`` in the message bar (level: info, warning or error)."""
        self.message.setStyleSheet(LEVEL_STYLE.get(level, "") + "padding:6px;")
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.statusBar().showMessage(text.split("\n")[0], 8000)

    def _on_problem(self, problem):
        self.problem = problem
        self.data_panel.set_features(problem.n_raw, problem.features)
        self.training_panel.set_task(problem.task)
        self.surface_view.set_problem(problem)
        self.network_view.set_problem(problem)
        self.loss_view.set_task(problem.task)
        self.digits_view.set_problem(problem)
        if problem.image_shape is not None:
            self.tabs.setCurrentWidget(self.digits_view)

    def _on_running(self, running):
        self.running = running
        self.controls.set_running(running)

    def _on_worker_settings(self, settings):
        self.settings = settings.copy()
        self.network_panel.set_layers(settings.layers)
        self.training_panel.set_settings(settings)

    def _on_snapshot(self, snap):
        """Keep the newest snapshot; the render timer draws it (older ones are skipped, so a
        burst of queued snapshots never blocks the event loop)."""
        self.snapshot = snap
        self._dirty = True
        self.host.rendered()
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _render(self):
        """Draw the newest snapshot in every visible view (at most RENDER_HZ times a second)."""
        if not self._dirty:
            self._render_timer.stop()
            return
        self._dirty = False
        snap = self.drawn = self.snapshot
        try:
            self.controls.set_epoch(snap.epoch, snap.epochs_per_s)
            self.surface_view.update_snapshot(snap)
            self.loss_view.update_snapshot(snap)
            self.network_view.update_snapshot(snap)
            self._update_tab()
        except Exception as exc:  # noqa: BLE001 - a drawing bug must not end the app
            self.show_message("error", f"could not draw the snapshot: {exc}")

    def _update_tab(self):
        """Draw the last snapshot in the visible secondary tab (hidden tabs are skipped)."""
        current = self.tabs.currentWidget()
        if self.snapshot is not None and current in (self.grad_view, self.digits_view):
            current.update_snapshot(self.snapshot)

    def closeEvent(self, event):
        """Stop the worker threads before the window goes."""
        self.race_tab.stop()
        self.host.stop()
        self._collector.stop()
        super().closeEvent(event)
