"""The bugs of issue 15, one test each (each failed before its fix)."""
import re
from importlib import import_module

import numpy as np
import pytest

import fastnn


def _app(gui_pkg):
    return import_module(gui_pkg.__name__ + ".app")


# -- bug 7: an unknown back end on the command line ------------------------------------------
def test_bug07_a_back_end_that_does_not_work_here_is_refused_before_any_window(gui_pkg, capsys):
    app_mod = _app(gui_pkg)
    assert app_mod.main(["foo"]) == 2
    err = capsys.readouterr().err
    available = fastnn.backends.available()
    assert "back end 'foo': there is no such back end; use one of " + ", ".join(available) in err
    for name, (ok, _) in fastnn.backends.status().items():
        if not ok:
            assert app_mod.main([name]) == 2
            assert f"back end '{name}': it is not available here" in capsys.readouterr().err
    with pytest.raises(ValueError, match="back end 'foo'"):
        app_mod.create_window("foo")
    assert app_mod.main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert "available here: " + ", ".join(available) in " ".join(usage.split())


# -- bug 10: CSV errors on the wrong line, "1 data rows" -------------------------------------
@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n1,2,0\n3,oops,1\n4,5,0\n6,7,1\n", "line 3, column 2: 'oops' is not a number"),
    ("x1,x2,label\n\n1,2,0\n3,4\n4,5,0\n6,7,1\n", "line 4: 2 columns, expected 3 (as on line 3)"),
    ("1,2,0\n3,4,1\n5,6,0\n7,nan,1\n", "line 4 holds NaN or an infinite value"),
    ("x1,x2,label\n1,2,0\n", "has 1 data row; at least 4"),
])
def test_bug10_csv_errors_name_the_files_own_line(gui_pkg, tmp_path, text, message):
    load_csv = import_module(gui_pkg.__name__ + ".csv_data").load_csv
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_csv(path)


def _select(win, qtbot, label, timeout=30000):
    win.data_panel.select(label)
    qtbot.waitUntil(lambda: win.problem is not None and win.problem.name == label
                    and win.drawn is win.snapshot and win.snapshot.problem_uid == win.problem.uid
                    if hasattr(win.snapshot, "problem_uid") else win.problem.name == label,
                    timeout=timeout)


def _net(win):
    return win.host.worker.training.net


# -- bug 1: the loss carried over between datasets --------------------------------------------
def test_bug01_a_dataset_brings_its_natural_loss_unless_one_was_chosen_for_it(window, qtbot):
    tp = window.training_panel
    _select(window, qtbot, "Sine curve")
    tp.lr.setCurrentText("0.1")                   # any edit sends the loss shown: mse
    tp.lr.lineEdit().editingFinished.emit()
    _select(window, qtbot, "Circle")
    assert tp.loss.currentText() == "binary_cross_entropy"
    qtbot.waitUntil(lambda: _net(window).loss == "binary_cross_entropy", timeout=10000)
    _select(window, qtbot, "Spiral, 5 arms")
    qtbot.waitUntil(lambda: _net(window).loss == "softmax_cross_entropy", timeout=10000)
    _select(window, qtbot, "Circle")
    tp.loss.setCurrentText("hinge")               # chosen for Circle: it stays Circle's
    qtbot.waitUntil(lambda: _net(window).loss == "hinge", timeout=10000)
    _select(window, qtbot, "XOR")
    assert tp.loss.currentText() == "binary_cross_entropy"
    qtbot.waitUntil(lambda: _net(window).loss == "binary_cross_entropy", timeout=10000)
    _select(window, qtbot, "Circle")
    assert tp.loss.currentText() == "hinge"
    qtbot.waitUntil(lambda: _net(window).loss == "hinge", timeout=10000)


# -- bug 2: an edited weight did not update the loss readout ---------------------------------
def test_bug02_editing_a_weight_updates_the_loss_readout(window, qtbot):
    window.controls.step.click()
    qtbot.waitUntil(lambda: window.drawn.epoch == 1 and window.drawn is window.snapshot,
                    timeout=10000)
    before = window.loss_view.readout.text()
    window.host.send("weight", (0, 0, 0, 25.0))
    qtbot.waitUntil(lambda: window.drawn.weights[0][0][0, 0] == 25.0, timeout=10000)
    t = window.host.worker.training
    test = _net(window).evaluate(t.X_test, t.T_test)["loss"]
    train = _net(window).evaluate(t.X_train, t.T_train)["loss"]
    text = window.loss_view.readout.text()
    assert text != before
    assert f"Test loss {test:.4f}" in text and f"Training loss {train:.4f}" in text


# -- bug 3: stale messages ---------------------------------------------------------------------
def test_bug03_an_input_error_goes_once_the_value_is_valid_or_the_data_changes(window, qtbot):
    tp = window.training_panel

    def type_lr(text):
        tp.lr.setCurrentText(text)
        tp.lr.lineEdit().editingFinished.emit()

    type_lr("1e9")
    assert window.message.isVisible() and "outside (0, 100]" in window.message.text()
    type_lr("0.1")
    assert not window.message.isVisible()
    type_lr("1e9")
    assert window.message.isVisible()
    window.data_panel.select("XOR")
    qtbot.waitUntil(lambda: window.problem.name == "XOR", timeout=10000)
    assert not window.message.isVisible()


def test_bug03_info_messages_go_by_themselves(window, qtbot, monkeypatch, gui_pkg):
    bar = import_module(gui_pkg.__name__ + ".panels.message_bar")
    monkeypatch.setattr(bar, "INFO_S", 0.05)
    window.show_message("info", "model saved")
    assert window.message.isVisible()
    qtbot.waitUntil(lambda: not window.message.isVisible(), timeout=5000)
    window.show_message("warning", "diverged")
    window.message_bar.close_button.click()
    assert not window.message.isVisible()


# -- bug 4: clicked points vanished into the test set -----------------------------------------
def test_bug04_clicked_points_are_training_points_and_no_point_moves(window, qtbot):
    _select(window, qtbot, "Your own data")
    rng = np.random.default_rng(3)
    clicked = []
    for i in range(8):
        shown = {tuple(p) for p in window.problem.X_train.tolist()}
        x, y = (float(v) for v in rng.uniform(-5, 5, 2))
        window.data_panel.click_class.setCurrentIndex(i % 2)
        window.surface_view.sig_clicked.emit(x, y)
        qtbot.waitUntil(lambda n=i: len(window.problem.X_train) + len(window.problem.X_test)
                        == 5 + n, timeout=10000)
        clicked.append((x, y))
        train = {tuple(p) for p in window.problem.X_train.tolist()}
        assert shown <= train                                   # nothing vanished
        assert all(tuple(np.float32(c).tolist()) in train for c in clicked)   # all on screen


# -- bug 5: "(x0.001)" on the curve plot's axis ------------------------------------------------
def test_bug05_small_curve_values_get_plain_tick_labels(window, qtbot):
    _select(window, qtbot, "Complex curve")
    window.surface_view.grab()                    # lay out and paint the axes
    for name in ("left", "bottom"):
        axis = window.surface_view.getAxis(name)
        assert axis.autoSIPrefixScale == 1.0 and "x0.0" not in axis.labelString()


# -- bug 6: the loss axis kept the last run's range --------------------------------------------
def test_bug06_the_loss_axes_start_again_at_epoch_0_of_new_data(window, qtbot, settle):
    window.host.send("speed", "full speed")
    window.controls.play.click()
    qtbot.waitUntil(lambda: window.drawn is not None and window.drawn.epoch >= 200,
                    timeout=30000)
    settle(window)
    assert window.loss_view.loss_plot.viewRange()[0][1] > 200
    window.data_panel.select("XOR")
    qtbot.waitUntil(lambda: window.problem.name == "XOR" and window.drawn is window.snapshot
                    and window.drawn.epoch == 0, timeout=30000)
    x0, x1 = window.loss_view.loss_plot.viewRange()[0]
    assert x0 == 0 and x1 == 10
    test = window.drawn.test_y[-1]
    y0, y1 = window.loss_view.loss_plot.viewRange()[1]
    assert y0 < test < y1 and y1 - y0 < 4 * test       # the new network's loss, not the old


# -- bug 8: a snapshot of the last problem drawn on the new one --------------------------------
def test_bug08_a_snapshot_of_the_last_problem_is_never_drawn_on_the_new_one(window, qtbot,
                                                                              gui_pkg):
    data = import_module(gui_pkg.__name__ + ".data")
    _select(window, qtbot, "Spiral, 5 arms")
    qtbot.waitUntil(lambda: window.snapshot.surface.ndim == 3, timeout=20000)
    stale = window.snapshot
    assert stale.surface.shape == (100, 100, 5)
    window.host.send("pause")
    circle = data.load(data.DataRequest("Circle"))
    window._on_snapshot(stale)          # still queued when the new problem arrives
    window._on_problem(circle)
    window._render()
    window.surface_view.grab()          # a 5-class surface painted as a binary one raised here
    assert window.surface_view._last is None or window.surface_view._last.task == "binary"


# -- bug 9: 32 neurons drew an unreadable bar ---------------------------------------------------
def test_bug09_a_wide_layer_still_fills_the_diagram(window, qtbot):
    from PySide6.QtCore import QRectF
    window.network_panel.rows[0][1].setValue(32)
    qtbot.waitUntil(lambda: window.drawn.weights[0][0].shape == (2, 32), timeout=10000)
    view = window.network_view
    rects = [view.mapFromScene(img.sceneBoundingRect()).boundingRect()
             for column in view.images for img in column]
    box = QRectF(rects[0])
    for r in rects:
        box = box.united(QRectF(r))
    assert box.width() > 0.6 * view.width() and box.height() > 0.6 * view.height()
    assert min(r.height() for r in rects) >= 8                  # a neuron is still a square
