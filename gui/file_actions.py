"""File menu: save/load the model (fastnn's format), export PNG and loss CSV, load CSV data.

Each action has a path-taking method (used by tests) and a menu entry that asks for the path.
"""
import csv

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from . import csv_data


class FileActions:
    """Adds the File menu to ``window`` (a :class:`~fastnn_gui.main_window.MainWindow`)."""

    def __init__(self, window):
        self.window = window
        menu = window.menuBar().addMenu("&File")
        for text, slot, pattern, save in (
                ("Save model…", self.save_model, "fastnn model (*.fnn)", True),
                ("Load model…", self.load_model, "fastnn model (*.fnn)", False),
                ("Load CSV data…", self.load_csv, "CSV (*.csv)", False),
                ("Export view as PNG…", self.export_png, "PNG image (*.png)", True),
                ("Export loss history as CSV…", self.export_loss_csv, "CSV (*.csv)", True)):
            action = QAction(text, window)
            action.triggered.connect(lambda _=False, s=slot, p=pattern, w=save: self._ask(s, p, w))
            menu.addAction(action)
        window.data_panel.sig_load_csv.connect(lambda: self._ask(self.load_csv, "CSV (*.csv)",
                                                                 False))

    def _ask(self, slot, pattern, save):
        dialog = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = dialog(self.window, "fastnn", "", pattern)
        if path:
            slot(path)

    def save_model(self, path):
        """Save the trained model (done by the worker, which owns it)."""
        self.window.host.send("save", path)

    def load_model(self, path):
        """Load a model saved by fastnn; it must fit the current data and features."""
        self.window.host.send("load", path)

    def load_csv(self, path):
        """Use a CSV file as 'Your own data'; a bad file only produces a message."""
        w = self.window
        try:
            X, y = csv_data.load_csv(path)
        except ValueError as exc:
            w.show_message("error", f"Could not load CSV: {exc}")
            return False
        w.set_custom_points(X, y, w.data_panel.ratio.value() / 100.0,
                            w.data_panel.seed.value())
        if w.data_panel.combo.currentData() == "Your own data":
            w.data_panel.emit_request()
        else:
            w.data_panel.select("Your own data")      # emits the data request
        w.show_message("info", f"Loaded {len(X)} rows with {X.shape[1]} inputs from {path}")
        return True

    def export_png(self, path):
        """Save the visible tab as a PNG image."""
        ok = self.window.tabs.currentWidget().grab().save(str(path), "PNG")
        self.window.show_message("info" if ok else "error",
                                 f"Saved {path}" if ok else f"Could not write {path}")
        return ok

    def export_loss_csv(self, path):
        """Write epoch, train loss and (where measured) test loss to ``path``."""
        snap = self.window.snapshot
        if snap is None:
            self.window.show_message("error", "Nothing trained yet: no loss history to export.")
            return False
        test = dict(zip(snap.test_x.astype(int).tolist(), snap.test_y.tolist()))
        try:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(["epoch", "train_loss", "test_loss"])
                for e, loss in zip(snap.loss_x.astype(int).tolist(), snap.loss_y.tolist()):
                    out.writerow([e, repr(loss), repr(test[e]) if e in test else ""])
        except OSError as exc:
            self.window.show_message("error", f"Could not write {path}: {exc}")
            return False
        self.window.show_message("info", f"Saved the loss history of {len(snap.loss_x)} "
                                         f"epochs to {path}")
        return True

