"""The core playground loop: data, play/pause/step/reset, surface, loss curves, settings."""
import numpy as np


def test_play_trains_and_surface_changes(window, qtbot, wait_epoch, settle):
    first = np.array(window.surface_view.current_image(), copy=True)
    assert window.problem.task == "binary" and first.shape == (100, 100)
    window.controls.play.click()
    wait_epoch(window, 60)
    settle(window)
    snap = window.snapshot
    assert snap.loss_y[-5:].mean() < snap.loss_y[:5].mean()
    assert len(snap.test_y) > 0 and np.all(np.isfinite(snap.test_y))
    assert not np.allclose(window.surface_view.current_image(), first)
    assert window.controls.epoch.text().startswith("Epoch")
    assert window.surface_view.updates >= 2
    assert window.loss_view.readout.text().startswith("Test loss")


def test_step_pause_and_resets(window, qtbot, settle):
    w0 = [a.copy() for a in window.snapshot.weights[0]]
    for expected in (1, 2):
        window.controls.step.click()
        qtbot.waitUntil(lambda n=expected: window.snapshot.epoch == n, timeout=10000)
    window.controls.play.click()
    qtbot.waitUntil(lambda: window.snapshot.epoch > 5, timeout=10000)
    with qtbot.waitSignal(window.host.worker.sig_running, timeout=10000):
        window.controls.play.click()          # pause
    settle(window)
    paused_at = window.snapshot.epoch
    qtbot.wait(150)
    assert window.snapshot.epoch == paused_at
    window.controls.reset_same.click()
    qtbot.waitUntil(lambda: window.snapshot.epoch == 0, timeout=10000)
    np.testing.assert_array_equal(window.snapshot.weights[0][0], w0[0])
    window.controls.reset.click()
    qtbot.waitUntil(lambda: not np.array_equal(window.snapshot.weights[0][0], w0[0]),
                    timeout=10000)
    assert window.snapshot.epoch == 0 and len(window.snapshot.loss_y) == 0


def test_live_settings_keep_training(window, qtbot, wait_epoch, settle):
    window.controls.play.click()
    wait_epoch(window, 10)
    tp = window.training_panel
    tp.lr.setCurrentText("0.1")
    tp.lr.lineEdit().editingFinished.emit()
    tp.optimizer.setCurrentText("Adam")
    tp.reg.setCurrentText("L2")
    tp.reg_rate.setCurrentText("0.001")
    tp.reg_rate.lineEdit().editingFinished.emit()
    epoch = window.snapshot.epoch
    wait_epoch(window, epoch + 20)
    settle(window)
    net = window.host.worker.training.net
    assert type(net.optimizer).__name__ == "Adam" and net.optimizer.lr == 0.1
    assert net.dense_layers[0].l2 == 0.001
    assert window.snapshot.epoch > epoch        # not reset
    tp.lr.setCurrentText("fast")
    tp.lr.lineEdit().editingFinished.emit()
    assert "not a number" in window.message.text() and window.message.isVisible()


def test_network_editor_and_features(window, qtbot):
    window.network_panel.add_layer.click()
    qtbot.waitUntil(lambda: len(window.snapshot.weights) == 4, timeout=10000)
    rows = window.network_panel.rows
    rows[0][1].setValue(6)
    qtbot.waitUntil(lambda: window.snapshot.weights[0][0].shape == (2, 6), timeout=10000)
    rows[0][2].setCurrentText("relu")
    qtbot.waitUntil(lambda: window.host.worker.training.net.dense_layers[0].activation == "relu",
                    timeout=10000)
    window.data_panel.feature_buttons["x₁²"].click()
    qtbot.waitUntil(lambda: window.drawn.weights[0][0].shape == (3, 6), timeout=10000)
    assert window.problem.features == ("x₁", "x₂", "x₁²")
    assert len(window.network_view.images[0]) == 3
    line = window.network_view.lines[0]
    assert "click to edit" in line.toolTip()


def test_edit_weight_and_test_points(window, qtbot):
    window.host.send("weight", (0, 1, 2, 0.75))
    qtbot.waitUntil(lambda: window.snapshot.weights[0][0][1, 2] == np.float32(0.75),
                    timeout=10000)
    window.data_panel.show_test.setChecked(True)
    assert len(window.surface_view.test_pts.data) == len(window.problem.X_test)
    window.data_panel.discretize.setChecked(True)
    assert set(np.unique(window.surface_view.current_image())) <= {0.0, 1.0}


def test_click_on_weight_line_edits_it(window, qtbot, monkeypatch):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtWidgets import QInputDialog
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a, **k: (1.25, True)))
    view = window.network_view
    line = next(item for item in view.lines if item.key == (1, 0, 1))
    p1, p2 = line.line().p1(), line.line().p2()
    pos = view.mapFromScene(line.mapToScene(QPointF(p1 + (p2 - p1) * 0.3)))
    hit = next(i for i in view.items(pos) if isinstance(i, type(line)))   # lines may cross
    layer, row, col = hit.key
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.snapshot.weights[layer][0][row, col] == np.float32(1.25),
                    timeout=10000)


def test_noise_ratio_seed_and_regenerate(window, qtbot):
    d = window.data_panel
    d.ratio.setValue(30)
    d.noise.setValue(20)
    d.seed.setValue(7)
    before = window.problem.X_train.copy()
    d.regenerate.click()
    qtbot.waitUntil(lambda: len(window.problem.X_train) == 150, timeout=10000)
    assert not np.array_equal(window.problem.X_train[:5], before[:5])
    assert d.noise_label.text() == "Noise 20" and d.ratio_label.text() == "Train 30 %"


def test_no_display_runs_the_headless_demo(gui_pkg, tmp_path, monkeypatch, capsys):
    """`fastnn-gui` on a machine without a display trains the demo and writes its PNG."""
    from importlib import import_module
    app_mod = import_module(gui_pkg.__name__ + ".app")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(app_mod.sys, "platform", "linux")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(app_mod.sys.modules, "fastnn.cli", None)    # not through the CLI
    assert not app_mod.has_display()
    assert app_mod.main([]) == 0
    assert "running the headless demo" in capsys.readouterr().err
    assert list(tmp_path.glob("*.png"))
