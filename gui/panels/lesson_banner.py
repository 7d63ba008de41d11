"""The lesson on screen: its title, its paragraph, a live note and the next step's button."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout


class LessonBanner(QFrame):
    """Shows one :class:`~fastnn_gui.lessons.Lesson`; ``sig_next`` asks for its next step."""

    sig_next = Signal(object)      # the lesson whose next step was asked for

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("lesson")
        self.setStyleSheet("QFrame#lesson { background: #f3f7ee; border: 1px solid #b9d3a4; "
                           "border-radius: 4px; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.title = QLabel("")
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt; color: #2f5d12;")
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close the lesson (the settings stay)")
        top.addWidget(self.title, 1)
        top.addWidget(self.close_button)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.PlainText)
        self.live = QLabel("")
        self.live.setTextFormat(Qt.RichText)
        self.live.setStyleSheet("font-family: monospace;")
        self.next_button = QPushButton("")
        self.next_button.setStyleSheet("font-weight: bold;")
        self.next_text = QLabel("")
        self.next_text.setWordWrap(True)
        self.next_text.setStyleSheet("color: #2f5d12;")
        row = QHBoxLayout()
        row.addWidget(self.next_button)
        row.addWidget(self.next_text, 1)
        lay.addLayout(top)
        lay.addWidget(self.text)
        lay.addWidget(self.live)
        lay.addLayout(row)
        self.lesson = None
        self.close_button.clicked.connect(self.close_lesson)
        self.next_button.clicked.connect(self._next)
        self.setVisible(False)

    def show_lesson(self, lesson):
        """Show ``lesson`` (its next step not taken yet)."""
        self.lesson = lesson
        self.title.setText(lesson.title)
        self.text.setText(lesson.text)
        self.live.setText("")
        self.live.setVisible(bool(lesson.live))
        self.next_button.setVisible(bool(lesson.next_step))
        self.next_button.setEnabled(True)
        self.next_text.setText("")
        if lesson.next_step:
            self.next_button.setText(lesson.next_step[0])
        self.setVisible(True)

    def _next(self):
        self.next_button.setEnabled(False)
        self.next_text.setText(self.lesson.next_step[1])
        self.sig_next.emit(self.lesson)

    def set_live(self, html):
        """The lesson's live note (HTML)."""
        self.live.setText(html)

    def close_lesson(self):
        """Hide the banner; the settings the lesson made stay."""
        self.lesson = None
        self.setVisible(False)
