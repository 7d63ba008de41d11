"""The classroom controls of issue 15: the speed control, the step-through view, hovering
neurons, the diagram's buttons, the problem-type selector, the views made right and the compile
message.  No timing asserts: every wait polls the window's state."""
from importlib import import_module

import numpy as np
import pytest


def _select(win, qtbot, label, timeout=30000):
    win.data_panel.select(label)
    qtbot.waitUntil(lambda: win.problem is not None and win.problem.name == label
                    and win.drawn is win.snapshot
                    and win.snapshot.problem_uid == win.problem.uid, timeout=timeout)


def _record(win):
    """Every snapshot the worker emits from now on (in the worker's order)."""
    seen = []
    win.host.worker.sig_snapshot.connect(seen.append)
    return seen


def _speed(win, qtbot, label):
    win.controls.speed.setCurrentText(label)
    qtbot.waitUntil(lambda: win.host.worker.speed.label == label, timeout=5000)


# -- the speed control ---------------------------------------------------------------------
@pytest.mark.parametrize("label, per_frame", [("1 epoch / frame", 1), ("10 epochs / frame", 10)])
def test_a_paced_speed_trains_that_many_epochs_per_frame(window, qtbot, settle, label, per_frame):
    _speed(window, qtbot, label)
    seen = _record(window)
    window.controls.play.click()
    qtbot.waitUntil(lambda: len(seen) >= 6, timeout=30000)
    settle(window)
    steps = np.diff([s.epoch for s in seen])
    assert set(steps.tolist()) <= {0, per_frame} and np.sum(steps == per_frame) >= 5
    assert all(s.batch == 0 for s in seen)


def test_the_mini_batch_speed_shows_every_mini_batch(window, qtbot, settle):
    _speed(window, qtbot, "1 mini-batch / frame")
    seen = _record(window)
    window.controls.play.click()
    qtbot.waitUntil(lambda: len(seen) >= 8, timeout=30000)
    qtbot.waitUntil(lambda: window.controls.rate.text().endswith("batches/s"), timeout=10000)
    settle(window)
    steps = np.diff([s.steps for s in seen])
    assert set(steps.tolist()) <= {0, 1} and np.sum(steps == 1) >= 7
    snap = window.snapshot
    assert snap.position == pytest.approx(snap.epoch + snap.batch / snap.batches_per_epoch)
    assert "batch" in window.controls.epoch.text() or snap.batch == 0
    before = window.snapshot.steps
    window.controls.step.click()                  # Step at this speed: one mini-batch
    qtbot.waitUntil(lambda: window.snapshot.steps == before + 1, timeout=10000)


def test_the_default_speed_is_one_epoch_per_frame_and_the_rate_is_shown(window, qtbot, settle):
    assert window.controls.speed.currentText() == "1 epoch / frame"
    assert window.host.worker.speed.label == "1 epoch / frame"
    window.controls.play.click()
    qtbot.waitUntil(lambda: window.controls.rate.text().endswith("epochs/s"), timeout=20000)
    settle(window)


def test_log_epoch_axis(window, qtbot, wait_epoch, settle):
    window.controls.play.click()
    wait_epoch(window, 5)
    settle(window)
    window.loss_view.log_x.setChecked(True)
    assert window.loss_view.loss_plot.getPlotItem().ctrl.logXCheck.isChecked()
    x = window.loss_view.test.xData
    assert len(x) and np.all(x > 0)             # epoch 0 is left out: log 0 is -inf
    window.loss_view.log_x.setChecked(False)
    assert window.loss_view.test.xData[0] == 0


# -- the step-through view --------------------------------------------------------------------
def test_step_through_steps_one_mini_batch_and_traces_a_sample(window, qtbot):
    window.tabs.setCurrentWidget(window.step_view)
    window.step_view.sample.setValue(3)
    qtbot.waitUntil(lambda: window.snapshot.trace is not None
                    and window.snapshot.trace.index == 3, timeout=10000)
    before = window.snapshot
    window.step_view.step_button.click()
    qtbot.waitUntil(lambda: window.snapshot.steps == before.steps + 1, timeout=10000)
    qtbot.waitUntil(lambda: window.drawn is window.snapshot, timeout=10000)
    snap = window.snapshot
    assert (snap.epoch, snap.batch) == (0, 1) and not window.running
    trace, t = snap.trace, window.host.worker.training
    assert trace.index == 3 and trace.update == "batch"
    _, grads = t.net.gradients(t.X_train[3:4], t.T_train[3:4])     # the back end's gradient
    for layer, (dW, db) in zip(trace.layers, grads):
        np.testing.assert_allclose(layer.dW, dW, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(layer.db, db, rtol=1e-4, atol=1e-6)
    after = t.net.get_weights()
    for layer, b0, w1 in zip(trace.layers, before.weights, after):
        np.testing.assert_allclose(layer.update_W, w1[0] - b0[0], atol=1e-6)   # the update
    shown = window.step_view.text.toPlainText()
    for text in ("Z1 = X·W1 + B1", "dZ3 = A3 − Y", "dW1 = Xᵀ·dZ1", "ΔW1", "Loss of this sample"):
        assert text in shown
    assert "step 1 · epoch 0 · batch 1" in window.step_view.status.text()
    window.tabs.setCurrentIndex(0)               # a hidden step-through view costs nothing
    qtbot.waitUntil(lambda: window.host.worker.views.inspect is None, timeout=5000)


# -- the diagram --------------------------------------------------------------------------------
def test_hovering_a_neuron_draws_it_in_the_big_plot(window, qtbot):
    output = np.array(window.surface_view.current_image(), copy=True)
    node = window.network_view.node(1, 2)
    node._on_hover(node.key)                      # what the hover event calls
    qtbot.waitUntil(lambda: window.snapshot.focus == (1, 2), timeout=10000)
    qtbot.waitUntil(lambda: window.drawn is window.snapshot, timeout=10000)
    shown = window.surface_view.current_image()
    np.testing.assert_array_equal(shown, window.snapshot.focus_surface)
    assert not np.allclose(shown, output)
    assert "neuron 3 of layer 1" in window.surface_view.getPlotItem().titleLabel.text
    node._on_hover(None)
    qtbot.waitUntil(lambda: window.snapshot.focus is None, timeout=10000)
    np.testing.assert_array_equal(window.surface_view.current_image(), window.drawn.surface)


def test_neurons_show_their_bias_and_the_buttons_change_a_layer(window, qtbot):
    node = window.network_view.node(1, 0)
    bias = float(window.drawn.weights[0][1][0])
    assert f"bias b = {bias:.4f}" in node.toolTip()
    plus = next(b for b in window.network_view.buttons if b.key == (0, 1))
    plus.click()
    qtbot.waitUntil(lambda: window.drawn.weights[0][0].shape == (2, 5), timeout=10000)
    assert window.network_panel.rows[0][1].value() == 5
    minus = next(b for b in window.network_view.buttons if b.key == (1, -1))
    minus.click()
    qtbot.waitUntil(lambda: window.drawn.weights[1][0].shape == (5, 1), timeout=10000)


def test_the_surface_is_smooth_unless_discretised(window):
    image = window.surface_view.image
    assert type(image).__name__ == "SmoothImageItem" and image.smooth
    window.data_panel.discretize.setChecked(True)
    assert not image.smooth


def test_the_problem_type_selector_lists_that_types_datasets(window, qtbot, gui_pkg):
    data = import_module(gui_pkg.__name__ + ".data")
    d = window.data_panel
    assert [d.problem_type.itemText(i) for i in range(d.problem_type.count())] == \
        list(data.GROUPS)
    d.problem_type.setCurrentText("Regression")
    labels = [d.combo.itemData(i) for i in range(d.combo.count())]
    assert labels and all(data.entry(x).group == "Regression" for x in labels)
    qtbot.waitUntil(lambda: window.problem.task == "regression", timeout=20000)
    assert window.problem.name == labels[0]
    d.select("Spiral, 3 arms")
    assert d.problem_type.currentText() == "Multi-class"
    qtbot.waitUntil(lambda: window.problem.name == "Spiral, 3 arms", timeout=20000)


# -- views made right ------------------------------------------------------------------------------
def test_the_confusion_matrix_has_class_ticks_and_counts(window, qtbot):
    _select(window, qtbot, "Three classes")
    window.tabs.setCurrentWidget(window.digits_view)
    view = window.digits_view
    conf = window.snapshot.confusion
    assert conf.shape == (3, 3)
    assert [t.toPlainText() for t in view.conf_counts] == \
        [str(int(c)) if c else "" for c in conf.ravel()]
    assert view.conf_plot.viewRange()[0] == pytest.approx([-0.5, 2.5])
    ticks = view.conf_plot.getAxis("bottom")._tickLevels
    assert [v for v, _ in ticks[0]] == [0, 1, 2]


def test_digit_labels_sit_below_their_digits(window, qtbot, gui_pkg):
    digits = import_module(gui_pkg.__name__ + ".views.digits_view")
    window.data_panel.samples.setValue(400)
    _select(window, qtbot, "MNIST digits")
    window.tabs.setCurrentWidget(window.digits_view)
    labels = window.digits_view.sample_labels
    assert len(labels) == 64
    cell = 28 + digits.LABEL_ROWS
    for t in labels:
        assert 27 <= t.pos().y() % cell < cell            # in the strip below the digit
    assert all(":" in t.toPlainText() for t in labels)


def test_the_race_names_its_racers_and_declares_a_winner(window, qtbot):
    race = window.race_tab
    race.epochs.setValue(20)
    with qtbot.waitSignal(race.host.worker.sig_finished, timeout=60000):
        race.start_button.click()
    qtbot.waitUntil(lambda: "Final" in race.results.text(), timeout=10000)
    names = [race.legend.getLabel(c).text for c in race.curves[:3]]
    assert names[0].startswith("SGD · lr 0.03 · batch 10")
    assert sum("winner" in n for n in names) == 1
    best = race.winner()
    assert "winner" in names[best]
    plot, _, points = race.surfaces[0]
    assert plot.getViewBox().state["aspectLocked"]
    assert len(points.data) == len(window.problem.X_train)


# -- MNIST: weights and the drawing pad ------------------------------------------------------------
def test_to_mnist_centres_and_scales_a_drawing_like_the_dataset(gui_pkg):
    lab = import_module(gui_pkg.__name__ + ".views.mnist_lab")
    canvas = np.zeros((280, 280), np.float32)
    canvas[20:120, 200:240] = 1.0                 # a tall bar in the top right corner
    x = lab.to_mnist(canvas).reshape(28, 28)
    rows, cols = np.flatnonzero(x.max(axis=1) > 0), np.flatnonzero(x.max(axis=0) > 0)
    assert len(rows) == 20 and len(cols) <= 9      # the longer side scaled to 20 pixels
    cy, cx = (np.indices(x.shape) * x).reshape(2, -1).sum(axis=1) / x.sum()
    assert abs(cy - 14) < 1 and abs(cx - 14) < 1  # centred by its centre of mass
    assert not lab.to_mnist(np.zeros((280, 280))).any()


def test_a_drawn_digit_is_classified_live(window, qtbot):
    window.data_panel.samples.setValue(600)
    _select(window, qtbot, "MNIST digits")
    assert window.top_stack.currentWidget() is window.digit_lab
    first = window.weights_view.image.image.copy()
    window.controls.step.click()
    qtbot.waitUntil(lambda: window.drawn.epoch == 1 and window.drawn is window.snapshot,
                    timeout=30000)
    assert not np.array_equal(window.weights_view.image.image, first)   # the weights, live
    pad = window.digit_lab.pad
    pad.stroke([(140, 40), (140, 240)])           # a "1"
    qtbot.waitUntil(lambda: window.digit_lab.probs is not None, timeout=10000)
    probs = window.digit_lab.probs
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert window.digit_lab.verdict.text().startswith("It is a")
    window.digit_lab.clear_button.click()
    qtbot.waitUntil(lambda: window.digit_lab.probs is None, timeout=10000)


# -- the compile message ----------------------------------------------------------------------------
def test_a_first_use_of_a_specialisation_says_it_compiles(numba_window, qtbot, gui_pkg):
    worker_mod = import_module(gui_pkg.__name__ + ".worker")
    window = numba_window
    worker_mod._COMPILED.clear()                  # as in a fresh process
    messages = []
    window.host.worker.sig_busy.connect(messages.append)
    window.network_panel.rows[0][2].setCurrentText("elu")
    window.controls.step.click()
    qtbot.waitUntil(lambda: len(messages) >= 2 and messages[-1] == "", timeout=60000)
    assert any(m.startswith("Compiling the kernels for elu + tanh") for m in messages)
    assert not window.busy.isVisible()
