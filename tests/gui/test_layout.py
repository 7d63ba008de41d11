"""What the screenshots of issue 15 showed wrong at 1400 × 900, one test each: nothing clipped on
the right, no row left over, no growing transport bar, no overlapping diagram headers, the
MNIST weights' title within its view.  Sizes are read from the laid-out widgets (offscreen)."""
from importlib import import_module

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QSpinBox

W, H = 1400, 900


def _at_screenshot_size(win, qtbot):
    win.resize(W, H)
    qtbot.waitUntil(lambda: win.width() == W, timeout=5000)


def _select(win, qtbot, label, timeout=30000):
    win.data_panel.select(label)
    qtbot.waitUntil(lambda: win.problem is not None and win.problem.name == label
                    and win.drawn is win.snapshot
                    and win.snapshot.problem_uid == win.problem.uid, timeout=timeout)


def test_the_left_panel_is_wide_enough_for_every_control(window, qtbot):
    _at_screenshot_size(window, qtbot)
    _select(window, qtbot, "Spiral")                 # seven feature toggles
    scroll = window.panel_scroll
    view = scroll.viewport()
    widgets = list(window.data_panel.feature_buttons.values()) + \
        [window.data_panel.combo, window.data_panel.samples, window.training_panel.lr]
    qtbot.waitUntil(lambda: all(w.isVisible() for w in widgets), timeout=5000)
    assert view.width() >= scroll.widget().minimumSizeHint().width()
    for w in widgets:
        assert w.mapTo(view, QPoint(w.width(), 0)).x() <= view.width()


def test_layer_rows_that_go_leave_the_panel_at_once(window, qtbot, gui_pkg):
    HiddenLayer = import_module(gui_pkg.__name__ + ".settings").HiddenLayer
    panel = window.network_panel
    panel.set_layers([HiddenLayer(4, "tanh")] * 3)
    panel.set_layers([HiddenLayer(8, "relu")])
    assert panel.grid.count() == 3                # one row: label, units, activation

    def shown():
        return [w.value() for w in panel.findChildren(QSpinBox) if w.isVisibleTo(panel)]
    qtbot.waitUntil(lambda: shown() == [8], timeout=5000)


def test_the_transport_bar_does_not_widen_the_window(window):
    controls = window.controls
    controls.set_epoch(0)
    before = controls.minimumSizeHint().width()
    controls.set_epoch(1_234_567, 1234.5, "batches/s", 123, 250)
    assert controls.batch.text() == "batch 123 of 250"
    assert controls.minimumSizeHint().width() == before
    assert window.minimumSizeHint().width() <= W


def test_the_headers_of_neighbouring_columns_do_not_overlap(window, qtbot, gui_pkg):
    HiddenLayer = import_module(gui_pkg.__name__ + ".settings").HiddenLayer
    _at_screenshot_size(window, qtbot)
    layers = [HiddenLayer(8, "tanh"), HiddenLayer(8, "tanh"), HiddenLayer(6, "tanh")]
    window.network_panel.set_layers(layers)
    window.network_panel.sig_changed.emit(layers)
    qtbot.waitUntil(lambda: len(window.drawn.weights) == 4, timeout=10000)
    view = window.network_view
    qtbot.waitUntil(lambda: len(view.labels) == 5, timeout=5000)

    def pixels(item):
        return item.deviceTransform(view.viewportTransform()).mapRect(item.boundingRect())

    headers = [[pixels(item) for item in [h.label] + h.buttons] for h in view.labels]
    for i, left in enumerate(headers):
        for right in headers[i + 1:]:
            assert not any(a.intersects(b) for a in left for b in right)
    for header in view.labels[1:-1]:              # − and + of every hidden layer, apart
        minus, plus = (pixels(b) for b in header.buttons)
        assert not minus.intersects(plus) and minus.right() < plus.left()


def test_the_mnist_weights_title_fits_its_view(window, qtbot):
    _at_screenshot_size(window, qtbot)
    window.data_panel.samples.setValue(400)
    _select(window, qtbot, "MNIST digits")
    view = window.weights_view
    qtbot.waitUntil(lambda: view.isVisible() and view.width() > 100, timeout=5000)
    assert view.title.item.boundingRect().width() <= view.width()


def test_the_diagram_names_the_house_prices_inputs(window, qtbot):
    import pyqtgraph as pg

    import fastnn
    _select(window, qtbot, "House prices")
    assert window.problem.input_names == fastnn.datasets.HOUSE_FEATURES
    texts = [item.toPlainText() for item in window.network_view.vb.addedItems
             if isinstance(item, pg.TextItem)]
    assert set(fastnn.datasets.HOUSE_FEATURES) <= set(texts)
