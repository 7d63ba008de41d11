"""Garbage collection in the GUI thread only, while a window is open.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a threshold
is crossed.  If that is a worker thread (a training chunk, a Numba compile) and the garbage holds
Qt objects of the window (menus and widgets of a closed dialog), their destructors run in that
thread, which Qt forbids: seen here as a deadlock between the worker (in ``~QObject``, waiting
for the GIL inside PySide's override lookup) and the GUI thread (holding a Qt mutex, waiting for
the GIL).  pyqtgraph's answer (``pyqtgraph.util.garbage_collector``) is the one used here:
automatic collection off, and a timer in the GUI thread collecting each generation when its
threshold is passed.  Unlike pyqtgraph's, this one switches automatic collection back on when
the last window closes, so a program (or a test run) goes on as before.
"""
import gc

from PySide6.QtCore import QTimer

INTERVAL_MS = 500
_open = []              # the collectors of the windows open now


class GuiThreadCollector:
    """Collects garbage from a timer in the GUI thread for as long as it runs (see the module
    docstring); ``stop()`` ends it, and the last one to stop re-enables automatic collection."""

    def __init__(self, parent):
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(parent)
        self._timer.timeout.connect(self.collect)
        if not _open:
            gc.disable()
        _open.append(self)
        self._timer.start(INTERVAL_MS)

    def collect(self):
        """Collect each generation whose allocation count passed its threshold."""
        for generation, (count, threshold) in enumerate(zip(gc.get_count(), self._thresholds)):
            if count <= threshold:
                break
            gc.collect(generation)

    def stop(self):
        """Stop collecting; automatic collection resumes when no window is left."""
        self._timer.stop()
        if self in _open:
            _open.remove(self)
            if not _open:
                gc.enable()
