"""Every kind of problem draws the right view: multi-class, 1-D curves, wide regression, MNIST."""
import numpy as np
import pytest


def _select(win, qtbot, label, samples=None):
    """Pick a dataset, wait until the window shows it, train one epoch and return the snapshot.

    Waits poll the window's state: the worker's signals are seen by pytest-qt before the
    window's queued slots have run."""
    if samples:
        win.data_panel.samples.setValue(samples)
    win.data_panel.select(label)
    qtbot.waitUntil(lambda: win.problem.name == label and win.snapshot.epoch == 0,
                    timeout=30000)
    before = win.snapshot
    win.controls.step.click()
    qtbot.waitUntil(lambda: win.snapshot is not before and win.snapshot.epoch == 1
                    and win.drawn is win.snapshot, timeout=30000)
    return win.drawn


@pytest.mark.parametrize("label", ["XOR", "Two Gaussians", "Spiral", "Moons"])
def test_binary_sets(window, qtbot, label):
    snap = _select(window, qtbot, label)
    assert window.problem.task == "binary" and snap.surface.shape == (100, 100)
    assert 0.0 <= snap.surface.min() and snap.surface.max() <= 1.0


def test_three_classes_softmax_colours(window, qtbot):
    snap = _select(window, qtbot, "Spiral, 5 arms")
    assert window.problem.task == "multiclass" and window.problem.n_classes == 5
    assert snap.loss == "softmax_cross_entropy" and snap.surface.shape == (100, 100, 5)
    img = window.surface_view.current_image()
    assert img.shape == (100, 100, 3) and img.dtype == np.float32
    assert snap.confusion.shape == (5, 5)


def test_curves_and_regression_surface(window, qtbot):
    snap = _select(window, qtbot, "Complex curve")
    assert window.problem.task == "regression" and window.problem.n_raw == 1
    assert snap.surface.shape == (300,)
    x, y = window.surface_view.curve.getData()
    assert len(x) == 300 and np.all(np.isfinite(y))
    assert window.data_panel.selected_features() == ("x",)
    snap = _select(window, qtbot, "Gaussian bumps")
    assert snap.surface.shape == (100, 100) and not window.loss_view.acc_plot.isVisible()


def test_house_prices_predicted_vs_true(window, qtbot):
    snap = _select(window, qtbot, "House prices")
    assert window.problem.n_raw == 3 and window.problem.y_scale[1] > 1
    assert snap.pred_test.shape == (len(window.problem.X_test),)
    assert not window.data_panel.feature_box.isVisible()


def test_mnist_views(window, qtbot):
    snap = _select(window, qtbot, "MNIST digits", samples=600)
    p = window.problem
    assert p.image_shape == (28, 28) and p.n_classes == 10 and p.n_inputs == 784
    assert snap.confusion.shape == (10, 10) and snap.confusion.sum() == len(p.X_test)
    assert window.digits_view.samples_img.image.shape[1] == 8 * (28 + 2)   # 2 columns apart
    # the Playground tab shows the first layer's weights and the digit pad instead of a diagram
    assert window.left_stack.currentWidget() is window.weights_view
    assert window.top_stack.currentWidget() is window.digit_lab
    assert window.weights_view.shown == 4 and window.weights_view.image.image is not None
    window.tabs.setCurrentWidget(window.digits_view)
    assert "test accuracy" in window.digits_view.accuracy.text()
