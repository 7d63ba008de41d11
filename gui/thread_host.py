"""The one way the app runs a worker: a QObject moved into a QThread of its own.

The window talks to a worker only through queued signals, so the worker's slots run in the
worker's thread and the UI thread never runs a kernel.
"""
from PySide6.QtCore import QObject, QThread


class ThreadHost(QObject):
    """Starts ``worker`` in a new QThread named ``name``; ``stop`` ends the thread.

    Subclasses connect their own signals to the worker's slots (queued, since the worker lives
    in the other thread) before calling :meth:`start_thread`.
    """

    def __init__(self, worker, name, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = worker
        self.worker.moveToThread(self.thread)

    def start_thread(self):
        """Start the worker's thread (after the signals are connected)."""
        self.thread.start()

    def stop(self):
        """Ask the worker to stop (its ``stop()``), then end the thread and wait for it."""
        self.worker.stop()
        self.thread.quit()
        self.thread.wait()
