"""Play / pause / step / reset buttons, the speed control, the epoch counter and the rate."""
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget

from .. import texts
from ..pacing import DEFAULT_SPEED, SPEEDS


class Controls(QWidget):
    """The transport bar. ``set_running`` mirrors the worker's state on the play button."""

    sig_play = Signal()
    sig_pause = Signal()
    sig_step = Signal()
    sig_reset = Signal(bool)     # True = same initial weights
    sig_speed = Signal(str)      # a label of pacing.SPEEDS

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip(texts.TOOLTIPS["reset"])
        self.reset_same = QPushButton("Same weights")
        self.reset_same.setToolTip(texts.TOOLTIPS["same_weights"])
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setMinimumWidth(90)
        self.step = QPushButton("Step")
        self.step.setToolTip(texts.TOOLTIPS["step"])
        self.epoch = QLabel("Epoch 000,000")
        font = QFont()
        font.setPointSize(15)
        font.setBold(True)
        self.epoch.setFont(font)
        self.rate = QLabel("")
        self.rate.setMinimumWidth(150)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(s.label)
        self.speed.setCurrentText(DEFAULT_SPEED.label)
        self.speed.setToolTip(texts.TOOLTIPS["speed"])
        style = self.style()
        for button, icon in ((self.reset, QStyle.SP_BrowserReload),
                             (self.reset_same, QStyle.SP_MediaSkipBackward),
                             (self.play, QStyle.SP_MediaPlay),
                             (self.step, QStyle.SP_MediaSkipForward)):
            button.setIcon(style.standardIcon(icon))
        for w in (self.reset, self.reset_same, self.play, self.step, QLabel("Speed"),
                  self.speed, self.epoch, self.rate):
            lay.addWidget(w)
        lay.addStretch(1)
        self.speed.currentTextChanged.connect(self.sig_speed)
        self.play.toggled.connect(self._play_toggled)
        self.step.clicked.connect(self.sig_step)
        self.reset.clicked.connect(lambda: self.sig_reset.emit(False))
        self.reset_same.clicked.connect(lambda: self.sig_reset.emit(True))
        self.set_epoch(0)

    def _show_play_state(self, running):
        self.play.setText("Pause" if running else "Play")
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if running
                                                    else QStyle.SP_MediaPlay))

    def _play_toggled(self, on):
        self._show_play_state(on)
        (self.sig_play if on else self.sig_pause).emit()

    def set_running(self, running):
        """Show the worker's state without re-emitting."""
        self.play.blockSignals(True)
        self.play.setChecked(running)
        self._show_play_state(running)
        self.play.blockSignals(False)

    def set_epoch(self, epoch, rate=0.0, unit="epochs/s", batch=0, batches=1):
        """Update the epoch counter (with the mini-batch of the epoch in progress, if any) and
        the rate readout (``unit`` "epochs/s" or "batches/s")."""
        text = f"Epoch {epoch:07,d}"
        if batch:
            text += f" · batch {batch}/{batches}"
        self.epoch.setText(text)
        self.rate.setText(f"{rate:,.{0 if rate >= 10 else 1}f} {unit}" if rate > 0 else "")
