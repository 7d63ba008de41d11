"""Fixtures for the offscreen GUI tests (pytest-qt).

QT_QPA_PLATFORM must be set before Qt is imported, so it is set at the top of this file.  The
app is imported by its one name, ``fastnn_gui`` (the installed package), so the tests exercise
what users run.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import fastnn_gui  # noqa: E402

GUI = fastnn_gui


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    """Compile the numba kernels of the app's default networks here, in the main thread, before
    any window exists: each specialisation compiles once per machine (then it is cached on disk),
    and a test that waits a few seconds for training would otherwise wait for the compiler."""
    import numpy as np

    import fastnn
    from fastnn_gui.settings import Settings, build_net

    if "numba" not in fastnn.backends.available():
        return
    X = np.linspace(-1, 1, 16, dtype=np.float32).reshape(8, 2)
    targets = {"binary": (2, np.arange(8) % 2), "multiclass": (3, np.arange(8) % 3),
               "regression": (0, X[:, 0])}
    for task, (n_classes, y) in targets.items():
        net = build_net(Settings(backend="numba"), task, 2, n_classes, seed=0)
        net.fit(X, y, epochs=1, batch_size=4)
        net.predict(X)
        net.gradients(X, y)


@pytest.fixture
def gui_pkg():
    """The GUI package, ``fastnn_gui``."""
    return GUI


def _open_window(qtbot, backend):
    from importlib import import_module
    app_mod = import_module(GUI.__name__ + ".app")
    _, win = app_mod.create_window(backend)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=20000)
    qtbot.waitUntil(lambda: win.drawn is win.snapshot, timeout=5000)
    return win


@pytest.fixture
def window(qtbot):
    """A shown main window on the NumPy back end, with its first data set loaded."""
    win = _open_window(qtbot, "numpy")
    yield win
    win.close()


@pytest.fixture
def numba_window(qtbot):
    """A shown main window on the numba back end (kernels release the GIL while training)."""
    win = _open_window(qtbot, "numba")
    yield win
    win.close()


@pytest.fixture
def wait_epoch(qtbot):
    """``wait_epoch(win, n)``: wait until the window has drawn a snapshot at epoch >= n."""
    def wait(win, epoch, timeout=20000):
        qtbot.waitUntil(lambda: win.drawn is not None and win.drawn.epoch >= epoch,
                        timeout=timeout)
    return wait


@pytest.fixture
def settle(qtbot):
    """``settle(win)``: pause, wait for the worker to stop, then for a fresh snapshot.

    Waits poll the window's state: pytest-qt sees the worker's signals before the window's
    queued slots have run."""
    def run(win, timeout=10000):
        win.host.send("pause")
        qtbot.waitUntil(lambda: not win.running, timeout=timeout)
        old = win.snapshot
        win.host.send("snapshot")
        qtbot.waitUntil(lambda: win.snapshot is not old and win.drawn is win.snapshot,
                        timeout=timeout)
    return run
