"""Training controls: loss, optimizer, learning rate, schedule, regularization, batch, dropout,
back end. Every edit is validated here; bad text becomes ``sig_invalid`` with a message."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox

from .. import texts
from ..settings import OPTIMIZERS, REGULARIZATIONS, SCHEDULES, describe, losses_for

LR_PRESETS = ("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")
REG_PRESETS = ("0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")
DROPOUT_PRESETS = ("0", "0.1", "0.2", "0.3", "0.5")


def add_described(combo, kind, names):
    """Append ``names`` to ``combo``, each with its registry description as tooltip."""
    for name in names:
        combo.addItem(name)
        combo.setItemData(combo.count() - 1, describe(kind, name), Qt.ToolTipRole)


def _combo(items, tip, editable=False):
    c = QComboBox()
    c.addItems(items)
    c.setEditable(editable)
    c.setToolTip(tip)
    return c


def parse_number(text, name, lo, hi, lo_open=False):
    """``float(text)`` checked against [lo, hi] (or (lo, hi] when ``lo_open``).

    Raises ValueError with a message that names the field, the value and the valid range.
    """
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: '{text}' is not a number") from None
    if not (lo < value if lo_open else lo <= value) or value > hi:
        bracket = "(" if lo_open else "["
        raise ValueError(f"{name}: {value:g} is outside {bracket}{lo:g}, {hi:g}]")
    return value


class TrainingPanel(QGroupBox):
    """Edits the non-architecture part of :class:`~fastnn_gui.settings.Settings`."""

    sig_changed = Signal()
    sig_invalid = Signal(str)
    sig_loss_chosen = Signal(str)      # the user picked this loss (not a dataset's default)

    def __init__(self, settings, backends, unavailable=None, parent=None):
        super().__init__("Training", parent)
        form = QFormLayout(self)
        self.loss = _combo(("auto",), texts.TOOLTIPS["loss"])
        self.optimizer = _combo((), texts.TOOLTIPS["optimizer"])
        add_described(self.optimizer, "optimizer", OPTIMIZERS)
        self.lr = _combo(LR_PRESETS, texts.TOOLTIPS["lr"], editable=True)
        self.schedule = _combo(SCHEDULES, texts.TOOLTIPS["schedule"])
        self.reg = _combo(REGULARIZATIONS, texts.TOOLTIPS["reg"])
        self.reg_rate = _combo(REG_PRESETS, texts.TOOLTIPS["reg_rate"], editable=True)
        self.batch = QSpinBox()
        self.batch.setRange(0, 10000)
        self.batch.setSpecialValueText("full batch")
        self.batch.setToolTip(texts.TOOLTIPS["batch"])
        self.dropout = _combo(DROPOUT_PRESETS, texts.TOOLTIPS["dropout"], editable=True)
        self.backend = _combo(backends, texts.TOOLTIPS["backend"])
        for name, reason in (unavailable or {}).items():
            self.backend.addItem(f"{name} (unavailable)")
            item = self.backend.model().item(self.backend.count() - 1)
            item.setEnabled(False)
            item.setToolTip(reason)
        for label, w in (("Loss", self.loss), ("Optimizer", self.optimizer),
                         ("Learning rate", self.lr), ("LR schedule", self.schedule),
                         ("Regularization", self.reg), ("Reg. rate", self.reg_rate),
                         ("Batch size", self.batch), ("Dropout", self.dropout),
                         ("Back end", self.backend)):
            form.addRow(label, w)
        self.set_settings(settings)
        # set_task and set_settings block signals: an index change here is the user's choice
        self.loss.currentIndexChanged.connect(
            lambda _: self.sig_loss_chosen.emit(self.loss.currentText()))
        for c in (self.loss, self.optimizer, self.schedule, self.reg, self.backend):
            c.currentIndexChanged.connect(self.sig_changed)
        for c in (self.lr, self.reg_rate, self.dropout):
            c.lineEdit().editingFinished.connect(self.sig_changed)
            c.activated.connect(self.sig_changed)
        self.batch.editingFinished.connect(self.sig_changed)

    def set_task(self, task, loss=""):
        """Offer the losses that suit ``task`` and show ``loss`` (the one chosen for this
        dataset), or the task's natural loss when none was chosen or it does not suit."""
        options = losses_for(task)
        self.loss.blockSignals(True)
        self.loss.clear()
        add_described(self.loss, "loss", options)
        self.loss.setCurrentText(loss if loss in options else options[0])
        self.loss.blockSignals(False)

    def set_settings(self, s):
        """Show settings ``s`` without emitting."""
        widgets = (self.loss, self.optimizer, self.schedule, self.reg, self.backend, self.lr,
                   self.reg_rate, self.dropout, self.batch)
        for w in widgets:
            w.blockSignals(True)
        if s.loss:
            self.loss.setCurrentText(s.loss)
        self.optimizer.setCurrentText(s.optimizer)
        self.schedule.setCurrentText(s.schedule)
        self.reg.setCurrentText(s.regularization)
        self.backend.setCurrentText(s.backend)
        self.lr.setCurrentText(f"{s.lr:g}")
        self.reg_rate.setCurrentText(f"{s.reg_rate:g}")
        self.dropout.setCurrentText(f"{s.dropout:g}")
        self.batch.setValue(int(s.batch_size))
        for w in widgets:
            w.blockSignals(False)

    def apply_to(self, s):
        """Copy of settings ``s`` with this panel's values, or None (and ``sig_invalid``)."""
        try:
            lr = parse_number(self.lr.currentText(), "learning rate", 0.0, 100.0, lo_open=True)
            rate = parse_number(self.reg_rate.currentText(), "regularization rate", 0.0, 100.0)
            dropout = parse_number(self.dropout.currentText(), "dropout", 0.0, 0.95)
        except ValueError as exc:
            self.sig_invalid.emit(str(exc))
            return None
        return s.copy(loss=self.loss.currentText(), optimizer=self.optimizer.currentText(),
                      lr=lr, schedule=self.schedule.currentText(),
                      regularization=self.reg.currentText(), reg_rate=rate,
                      batch_size=self.batch.value(), dropout=dropout,
                      backend=self.backend.currentText())
