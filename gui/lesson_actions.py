"""The Lessons menu: applying a :class:`~fastnn_gui.lessons.Lesson` to the window.

A lesson sets the data controls, the network, the training settings and the speed as one
request to the worker, shows its paragraph in the lesson banner and opens the view it is about;
its next step (a button in the banner) changes the network or the settings and trains on.
"""
from PySide6.QtGui import QAction

from . import lessons
from .settings import HiddenLayer, Settings


class LessonActions:
    """Adds the Lessons menu to ``window`` (a :class:`~fastnn_gui.main_window.MainWindow`)."""

    def __init__(self, window):
        self.window = window
        self.active = None
        self._race = None
        menu = window.menuBar().addMenu("&Lessons")
        for lesson in lessons.LESSONS:
            action = QAction(lesson.title, window)
            action.setToolTip(lesson.text)
            action.triggered.connect(lambda _=False, x=lesson: self.apply(x))
            menu.addAction(action)
        self.menu = menu

    def tab(self, name):
        """The widget of a lesson's ``tab`` name."""
        w = self.window
        return {"playground": w.playground, "gradients": w.grad_view, "race": w.race_tab,
                "seeds": w.seeds_tab, "step": w.step_view, "digits": w.digits_view}[name]

    def apply(self, lesson):
        """Set ``lesson``'s data, network and settings, show it, and start it."""
        w = self.window
        w.host.send("pause")
        w.race_tab.host.worker.stop()
        w.seeds_tab.host.worker.stop()
        self.active = lesson
        d = w.data_panel
        d.select(lesson.dataset, emit=False)
        values = {"n_samples": (d.samples, None), "noise": (d.noise, 0),
                  "train_ratio": (d.ratio, 0.5), "seed": (d.seed, 0)}
        for name, (widget, default) in values.items():
            value = lesson.data.get(name, default)
            if value is None:
                continue
            widget.blockSignals(True)
            widget.setValue(int(round(value * 100)) if name == "train_ratio" else int(value))
            widget.blockSignals(False)
        d._labels()
        d.show_test.setChecked(lesson.show_test)
        layers = [HiddenLayer(units, act) for units, act in lesson.layers]
        fields = dict(lesson.training)
        loss = fields.pop("loss", "")
        w.settings = Settings(backend=w.settings.backend, layers=layers, **fields)
        if loss:
            w.loss_choice[lesson.dataset] = loss
        else:
            w.loss_choice.pop(lesson.dataset, None)
        w.network_panel.set_layers(layers)
        w.training_panel.set_settings(w.settings)
        w.controls.speed.blockSignals(True)
        w.controls.speed.setCurrentText(lesson.speed)
        w.controls.speed.blockSignals(False)
        w.host.send("speed", lesson.speed)
        w.lesson_banner.show_lesson(lesson)
        request = d.request()
        request.features = tuple(lesson.features)
        if lesson.play:
            w.after_load.append(("play", None))
        self._race = lesson.race or None
        w.request_data(request)
        w.tabs.setCurrentWidget(self.tab(lesson.tab))

    def next_step(self, lesson):
        """Take ``lesson``'s next step: new layers, features or settings, then train on."""
        w = self.window
        changes = dict(lesson.next_step[2])
        reset = changes.pop("reset", False)
        if "features" in changes:
            w.host.send("features", tuple(changes.pop("features")))
        if "layers" in changes:
            layers = [HiddenLayer(units, act) for units, act in changes.pop("layers")]
            w.network_panel.set_layers(layers)
            w.settings = w.settings.copy(layers=layers)
        if changes:
            w.settings = w.settings.copy(**changes)
            w.training_panel.set_settings(w.settings)
        w.host.send("settings", w.settings.copy())
        if reset:
            w.host.send("reset", True)
        w.host.send("play")

    def problem_loaded(self, problem):
        """Start the lesson's race once its data has arrived."""
        if self._race and self.active is not None and problem.name == self.active.dataset:
            race, self._race = self._race, None
            self.window.race_tab.set_racers(race)
            self.window.race_tab.start()

    def snapshot_drawn(self, snap):
        """Keep the lesson's live note up to date."""
        lesson, w = self.active, self.window
        if lesson is None or not w.lesson_banner.isVisible():
            return
        if lesson.live == "normal_equation" and w.problem is not None:
            w.lesson_banner.set_live(lessons.normal_equation_note(w.problem, snap))
