"""The main window: panels on the left, views in tabs, the transport bar and lesson on top.

The window holds no model. It turns widget edits into worker commands and draws the
snapshots the worker sends back; every error arrives as a message in the message bar.
"""
import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import data as data_mod
from .collector import GuiThreadCollector
from .file_actions import FileActions
from .lesson_actions import LessonActions
from .panels.controls import Controls
from .panels.data_panel import DataPanel
from .panels.lesson_banner import LessonBanner
from .panels.message_bar import MessageBar
from .panels.network_panel import NetworkPanel
from .panels.training_panel import TrainingPanel
from .panels.widgets import PanelScroll
from .race_tab import RaceTab
from .seeds_tab import SeedsTab
from .settings import Settings
from .views.digits_view import DigitsView
from .views.grad_view import GradView
from .views.loss_view import LossView
from .views.mnist_lab import DigitLab, WeightsView
from .views.network_view import NetworkView
from .views.step_view import StepView
from .views.surface_view import SurfaceView
from .worker import WorkerHost

RENDER_HZ = 30
BUSY_DELAY_MS = 300     # a compile message shows only if the compile lasts this long


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
        self.custom_X, self.custom_y, self.custom_test = [], [], []
        self.loss_choice = {}      # dataset label -> the loss the user chose for it
        self.after_load = []       # commands to send once the requested data has arrived
        self._collector = GuiThreadCollector(self)   # before any worker thread starts
        self.host = WorkerHost(self)
        self._dirty = False
        self._render_timer = QTimer(self)
        self._render_timer.setInterval(int(1000 / RENDER_HZ))
        self._render_timer.timeout.connect(self._render)
        self._build_ui(names, missing)
        self.files = FileActions(self)
        self.lessons = LessonActions(self)
        self._connect()
        self.data_panel.emit_request()

    # -- layout ---------------------------------------------------------------------------
    def _build_ui(self, backend_names, missing):
        self.controls = Controls()
        self.message_bar = MessageBar()
        self.message = self.message_bar.label
        self.lesson_banner = LessonBanner()
        self.busy = QLabel("")
        self.busy.setStyleSheet("color: #0b4f7a; font-weight: bold; padding: 0 8px;")
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self.busy.setVisible(bool(self.busy.text())))
        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel(self.settings.layers)
        self.training_panel = TrainingPanel(self.settings, backend_names, missing)
        left = QWidget()
        lay = QVBoxLayout(left)
        for w in (self.data_panel, self.network_panel, self.training_panel):
            lay.addWidget(w)
        lay.addStretch(1)
        scroll = self.panel_scroll = PanelScroll(left)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._playground(), "Playground")
        self.grad_view = GradView()
        self.step_view = StepView()
        self.digits_view = DigitsView()
        self.race_tab = RaceTab(self)
        self.seeds_tab = SeedsTab(self)
        for widget, title in ((self.grad_view, "Gradients"), (self.step_view, "Step-through"),
                              (self.digits_view, "Digits / confusion"), (self.race_tab, "Race"),
                              (self.seeds_tab, "Seeds")):
            self.tabs.addTab(widget, title)
        center = QWidget()
        clay = QVBoxLayout(center)
        clay.setContentsMargins(0, 0, 0, 0)
        for w in (self.controls, self.message_bar, self.lesson_banner):
            clay.addWidget(w)
        clay.addWidget(self.tabs, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(center)
        split.setSizes([380, 1200])
        self.setCentralWidget(split)
        self.resize(1580, 960)

    def _playground(self):
        """Diagram | (output, loss curves); for images: first-layer weights | (pad, loss)."""
        self.network_view = NetworkView()
        self.weights_view = WeightsView()
        self.surface_view = SurfaceView()
        self.digit_lab = DigitLab()
        self.loss_view = LossView()
        self.left_stack, self.top_stack = QStackedWidget(), QStackedWidget()
        self.left_stack.addWidget(self.network_view)
        self.left_stack.addWidget(self.weights_view)
        self.top_stack.addWidget(self.surface_view)
        self.top_stack.addWidget(self.digit_lab)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.top_stack)
        right.addWidget(self.loss_view)
        right.setSizes([520, 360])
        self.playground = QSplitter(Qt.Horizontal)
        self.playground.addWidget(self.left_stack)
        self.playground.addWidget(right)
        self.playground.setSizes([620, 560])
        return self.playground

    def _connect(self):
        w, c = self.host.worker, self.controls
        w.sig_snapshot.connect(self._on_snapshot)
        w.sig_problem.connect(self._on_problem)
        w.sig_message.connect(self.show_message)
        w.sig_running.connect(self._on_running)
        w.sig_settings.connect(self._on_worker_settings)
        w.sig_busy.connect(self._on_busy)
        c.sig_play.connect(self._play)
        c.sig_pause.connect(lambda: self.host.send("pause"))
        c.sig_step.connect(lambda: self.host.send("step"))
        c.sig_reset.connect(self._reset)
        c.sig_speed.connect(lambda label: self.host.send("speed", label))
        d = self.data_panel
        d.sig_request.connect(self.request_data)
        d.sig_features.connect(self._on_features)
        d.sig_show_test.connect(self.surface_view.set_show_test)
        d.sig_discretize.connect(self.surface_view.set_discretize)
        d.sig_clear_points.connect(self._clear_points)
        self.network_panel.sig_changed.connect(self._on_layers)
        self.training_panel.sig_changed.connect(self._on_training_settings)
        self.training_panel.sig_invalid.connect(
            lambda m: self.show_message("error", m, source="input"))
        self.training_panel.sig_loss_chosen.connect(self._on_loss_chosen)
        self.surface_view.sig_clicked.connect(self._on_surface_click)
        self.network_view.sig_edit_weight.connect(self._edit_weight)
        self.network_view.sig_focus.connect(self._on_focus)
        self.network_view.sig_units.connect(self.network_panel.change_units)
        self.digit_lab.sig_pad.connect(lambda v: self.host.send("pad", v))
        self.step_view.sig_step.connect(lambda: self.host.send("step_batch"))
        self.step_view.sig_sample.connect(self._inspect)
        self.lesson_banner.sig_next.connect(self.lessons.next_step)
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- commands -------------------------------------------------------------------------
    def request_data(self, request):
        """Ask the worker for new data (custom points are attached here).  The dataset brings
        its natural loss unless the user chose one for it (:attr:`loss_choice`)."""
        if data_mod.entry(request.label).name == "custom":
            if not self.custom_X:
                self.show_message("info", "Click on the surface to add points (pick the class "
                                          "below the dataset), or load a CSV file.")
                self._seed_custom_points()
            request.X = np.array(self.custom_X, dtype=np.float32)
            request.y = np.array(self.custom_y)
            request.test_mask = np.array(self.custom_test, dtype=bool)
        self.settings = self.settings.copy(loss=self.loss_choice.get(request.label, ""))
        self.host.send("data", (request, self.settings.copy()))
        for name, arg in self.after_load:
            self.host.send(name, arg)
        self.after_load = []

    def _seed_custom_points(self):
        """Start the custom set with four points, two per class (one of each class is a test
        point), so it can be trained."""
        self.custom_X = [[-3.0, -3.0], [-3.0, 3.0], [3.0, 3.0], [3.0, -3.0]]
        self.custom_y = [0, 1, 0, 1]
        self.custom_test = [False, False, True, True]

    def set_custom_points(self, X, y, train_ratio, seed=0):
        """Use ``X, y`` (a CSV file) as 'Your own data', split once at ``train_ratio``."""
        n = len(X)
        n_test = int(np.clip(round((1 - train_ratio) * n), 1, n - 1))
        test = np.zeros(n, dtype=bool)
        test[np.random.default_rng(seed).permutation(n)[:n_test]] = True
        self.custom_X, self.custom_y = np.asarray(X).tolist(), np.asarray(y).tolist()
        self.custom_test = test.tolist()

    def _clear_points(self):
        self._seed_custom_points()
        self.data_panel.emit_request()

    def _on_surface_click(self, x, y):
        """A click adds a training point of the chosen class: clicked points are always
        training points, and every point keeps its side, so nothing on screen disappears."""
        if self.problem is None or data_mod.entry(self.data_panel.combo.currentData()).name \
                != "custom":
            return
        if self.problem.n_raw != 2:
            self.show_message("warning", "Points can be added to 2-D custom data only.")
            return
        self.custom_X.append([x, y])
        self.custom_y.append(self.data_panel.click_class.currentIndex())
        self.custom_test.append(False)
        self.data_panel.emit_request()

    def _on_features(self, names):
        if not names:
            self.show_message("error", "Select at least one input feature.")
            self.data_panel.set_features(self.problem.n_raw, self.problem.features)
            return
        self.host.send("features", names)

    def _on_layers(self, layers):
        self.settings = self.settings.copy(layers=layers)
        self.network_view.set_activations([h.activation for h in layers])
        self.host.send("settings", self.settings.copy())

    def _on_training_settings(self):
        new = self.training_panel.apply_to(self.settings)
        if new is not None:
            self.message_bar.clear(source="input")
            self.settings = new
            self.step_view.settings = new
            self.host.send("settings", new.copy())

    def _on_loss_chosen(self, name):
        """The user picked a loss: it stays this dataset's loss (other datasets keep theirs)."""
        if self.problem is not None:
            self.loss_choice[self.problem.name] = name

    def _edit_weight(self, layer, row, col, value):
        what = "bias of" if self.snapshot is not None and \
            row == self.snapshot.weights[layer][0].shape[0] else f"weight input {row + 1} →"
        new, ok = QInputDialog.getDouble(self, "Edit weight",
                                         f"Layer {layer + 1}, {what} neuron {col + 1}:", value,
                                         -1e6, 1e6, 4)
        if ok:
            self.host.send("weight", (layer, row, col, new))

    def _play(self):
        self.message_bar.clear(levels=("warning", "error"))
        self.host.send("play")

    def _reset(self, same):
        self.message_bar.clear(levels=("warning", "error"))
        self.host.send("reset", same)

    def _on_focus(self, focus):
        """A neuron of the diagram is hovered (None: left): draw it large."""
        self.surface_view.set_focus(focus)
        self.host.send("focus", focus)

    def _inspect(self, index=None):
        """Ask for the step-through trace of a sample while its tab is shown (else for none)."""
        shown = self.tabs.currentWidget() is self.step_view
        self.host.send("inspect", int(self.step_view.sample.value()) if shown else None)

    def apply_lesson(self, lesson):
        """Set a lesson's data, network and settings, show its text and start it."""
        self.lessons.apply(lesson)

    # -- worker events --------------------------------------------------------------------
    def show_message(self, level, text, source=None):
        """Show ``text`` in the message bar (level: info, warning or error; ``source`` names
        what the message is about, so it can be cleared when that is fixed)."""
        self.message_bar.show_message(level, text, source)
        if text:
            self.statusBar().showMessage(text.split("\n")[0], 8000)

    def _on_busy(self, text):
        """The worker compiles (text) or is done (""): shown in the status bar, after a short
        delay so a quick load from the disk cache does not flash."""
        self.busy.setText(text)
        if text:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.setVisible(False)

    def _on_problem(self, problem):
        self.problem = problem
        self.message_bar.clear(levels=("warning", "error"))
        if self.snapshot is not None and self.snapshot.problem_uid != problem.uid:
            self._dirty = False          # never draw the last problem's snapshot on this one
        images = problem.image_shape is not None
        self.left_stack.setCurrentWidget(self.weights_view if images else self.network_view)
        self.top_stack.setCurrentWidget(self.digit_lab if images else self.surface_view)
        self.data_panel.set_features(problem.n_raw, problem.features)
        self.training_panel.set_task(problem.task, self.settings.loss)
        self.surface_view.set_problem(problem)
        self.network_view.set_problem(problem)
        self.network_view.set_activations([h.activation for h in self.settings.layers])
        self.loss_view.set_task(problem.task)
        self.digits_view.set_problem(problem)
        self.step_view.set_problem(problem)
        self.step_view.settings = self.settings
        self.lessons.problem_loaded(problem)

    def _on_running(self, running):
        self.running = running
        self.controls.set_running(running)

    def _on_worker_settings(self, settings):
        self.settings = settings.copy()
        self.network_panel.set_layers(settings.layers)
        self.training_panel.set_settings(settings)

    def _on_snapshot(self, snap):
        """Keep the newest snapshot of the current problem; the render timer draws it (older
        ones are skipped, so a burst of queued snapshots never blocks the event loop)."""
        self.host.rendered()
        if self.problem is None or snap.problem_uid != self.problem.uid:
            return                       # made before the data changed: its shapes are stale
        self.snapshot = snap
        self._dirty = True
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
            self.controls.set_epoch(snap.epoch, snap.epochs_per_s, snap.rate_unit, snap.batch,
                                    snap.batches_per_epoch)
            self.loss_view.update_snapshot(snap)
            if self.problem.image_shape is None:
                self.surface_view.update_snapshot(snap)
                self.network_view.update_snapshot(snap)
            else:
                self.weights_view.update_snapshot(snap)
                if snap.pad_probs is not None or self.digit_lab.probs is not None:
                    self.digit_lab.show_probs(snap.pad_probs)
            self.lessons.snapshot_drawn(snap)
            self._update_tab()
        except Exception as exc:  # noqa: BLE001 - a drawing bug must not end the app
            self.show_message("error", f"could not draw the snapshot: {exc}")

    def _tab_changed(self):
        self._inspect()
        self._update_tab()

    def _update_tab(self):
        """Draw the last snapshot in the visible secondary tab (hidden tabs are skipped)."""
        current = self.tabs.currentWidget()
        snap = self.snapshot
        if snap is None or self.problem is None or snap.problem_uid != self.problem.uid:
            return
        if current in (self.grad_view, self.digits_view, self.step_view):
            current.update_snapshot(snap)

    def closeEvent(self, event):
        """Stop the worker threads before the window goes."""
        self.race_tab.stop()
        self.seeds_tab.stop()
        self.host.stop()
        self._collector.stop()
        super().closeEvent(event)
