"""The Lessons menu: each lesson loads its data, network and settings and explains itself; the
next steps change the network; the linear-regression lesson compares with the closed form."""
from importlib import import_module

import pytest

from fastnn_gui import lessons as lessons_mod

KEYS = [lesson.key for lesson in lessons_mod.LESSONS]


def _training(win):
    return win.host.worker.training


def _loaded(win, qtbot, lesson, timeout=40000):
    qtbot.waitUntil(lambda: win.problem is not None and win.problem.name == lesson.dataset
                    and win.drawn is not None and win.drawn.problem_uid == win.problem.uid,
                    timeout=timeout)


@pytest.mark.parametrize("key", KEYS)
def test_a_lesson_loads_its_data_network_and_settings(window, qtbot, key, gui_pkg):
    lesson = import_module(gui_pkg.__name__ + ".lessons").get(key)
    window.apply_lesson(lesson)
    _loaded(window, qtbot, lesson)
    t = _training(window)
    assert [(h.units, h.activation) for h in t.settings.layers] == list(lesson.layers)
    for name, value in lesson.training.items():
        if name == "loss":
            assert t.loss == value
        else:
            assert getattr(t.settings, name) == value
    for name, value in lesson.data.items():
        if name == "n_samples":
            assert len(t.problem.X_train) + len(t.problem.X_test) == min(value, 10000)
        if name == "train_ratio":
            n = len(t.problem.X_train) + len(t.problem.X_test)
            assert len(t.problem.X_train) == pytest.approx(value * n, abs=1)
    assert window.host.worker.speed.label == lesson.speed
    assert window.controls.speed.currentText() == lesson.speed
    banner = window.lesson_banner
    assert banner.isVisible() and banner.title.text() == lesson.title
    assert banner.text.text() == lesson.text
    assert window.tabs.currentWidget() is window.lessons.tab(lesson.tab)
    if lesson.race:
        qtbot.waitUntil(lambda: not window.race_tab.start_button.isEnabled(), timeout=20000)
        assert window.race_tab.names[0] == "SGD · lr 0.03 · batch 10"
        window.race_tab.host.worker.stop()
        qtbot.waitUntil(lambda: window.race_tab.start_button.isEnabled(), timeout=30000)
    elif lesson.play:
        qtbot.waitUntil(lambda: window.running, timeout=20000)
    window.host.send("pause")
    qtbot.waitUntil(lambda: not window.running, timeout=20000)


def test_the_xor_lesson_adds_its_hidden_layer(window, qtbot, gui_pkg):
    lesson = import_module(gui_pkg.__name__ + ".lessons").get("xor")
    window.apply_lesson(lesson)
    _loaded(window, qtbot, lesson)
    assert len(window.drawn.weights) == 1                  # no hidden layer: a straight line
    window.lesson_banner.next_button.click()
    qtbot.waitUntil(lambda: len(window.drawn.weights) == 2, timeout=20000)
    assert window.drawn.weights[0][0].shape == (2, 4)
    assert [h.units for h in window.network_panel.layers()] == [4]
    assert window.lesson_banner.next_text.text()
    window.host.send("pause")


def test_the_overfitting_lesson_regularises_from_the_same_start(window, qtbot, gui_pkg):
    lesson = import_module(gui_pkg.__name__ + ".lessons").get("overfitting")
    window.apply_lesson(lesson)
    _loaded(window, qtbot, lesson)
    window.lesson_banner.next_button.click()
    qtbot.waitUntil(lambda: _training(window).settings.regularization == "L2", timeout=20000)
    net = _training(window).net
    assert net.dense_layers[0].l2 == 0.01
    assert any(getattr(layer, "rate", 0) == 0.3 for layer in net.layers)
    window.host.send("pause")


def test_the_linear_regression_lesson_shows_the_closed_form(window, qtbot, gui_pkg):
    lessons = import_module(gui_pkg.__name__ + ".lessons")
    lesson = lessons.get("linear_regression")
    window.apply_lesson(lesson)
    _loaded(window, qtbot, lesson)
    qtbot.waitUntil(lambda: "gradient descent" in window.lesson_banner.live.text(),
                    timeout=20000)
    text = window.lesson_banner.live.text()
    w, b = lessons.normal_equation(window.problem.X_train, window.problem.y_train)
    assert "normal equation" in text and f"b = {b:+.3f}" in text
    window.host.send("pause")
