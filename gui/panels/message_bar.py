"""The message bar above the views: one message at a time, and none that outstays its truth.

Info messages go away by themselves after :data:`INFO_S` seconds.  A message remembers where it
came from (``source``): an input's error ("input") goes when the input is valid again, and
:meth:`MessageBar.clear` with a level list drops the warnings and errors that a new data set, a
reset or play make stale.  The × closes any message.
"""
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

INFO_S = 8.0

LEVEL_STYLE = {"info": "background:#e7f3fe; color:#0b4f7a;",
               "warning": "background:#fff4d6; color:#7a4b00;",
               "error": "background:#fde2e1; color:#8a1c14;"}


class MessageBar(QWidget):
    """A coloured line with a close button; ``label`` holds the text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip("Close this message")
        self.close_button.setAutoRaise(True)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button)
        self.level = self.source = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.clear())
        self.close_button.clicked.connect(lambda: self.clear())
        self.setVisible(False)

    def show_message(self, level, text, source=None):
        """Show ``text`` (level "info", "warning" or "error"); an empty text clears the bar."""
        if not text:
            self.clear()
            return
        self.level, self.source = level, source
        style = LEVEL_STYLE.get(level, "") + "padding:6px;"
        self.label.setStyleSheet(style)
        self.setStyleSheet(f"MessageBar {{ {LEVEL_STYLE.get(level, '')} }}")
        self.label.setText(text)
        self.setVisible(True)
        if level == "info":
            self._timer.start(int(INFO_S * 1000))
        else:
            self._timer.stop()

    def clear(self, source=None, levels=None):
        """Hide the message; with ``source`` only one from there, with ``levels`` only one of
        those levels."""
        if source is not None and self.source != source:
            return
        if levels is not None and self.level not in levels:
            return
        self._timer.stop()
        self.level = self.source = None
        self.label.setText("")
        self.setVisible(False)
