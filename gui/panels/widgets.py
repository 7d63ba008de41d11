"""Small helpers shared by the panels."""
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QScrollArea


def discard(widget, layout):
    """Take ``widget`` off ``layout`` and off the screen now, and delete it later.

    ``deleteLater`` alone leaves the widget in its layout and drawn (over its replacement)
    until control returns to the event loop it was called from, which a script or a nested
    loop may never do."""
    widget.hide()
    layout.removeWidget(widget)
    widget.deleteLater()


class PanelScroll(QScrollArea):
    """A vertical scroll area that is always wide enough for its widget (no horizontal
    scrolling, nothing clipped on the right), whatever the widget holds now."""

    def __init__(self, widget, parent=None):
        super().__init__(parent)
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        widget.installEventFilter(self)

    def minimumSizeHint(self):
        """The widget's minimum width, the vertical scroll bar and the frame."""
        hint = super().minimumSizeHint()
        width = self.widget().minimumSizeHint().width() + \
            self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(width, hint.height())

    def eventFilter(self, obj, event):
        """The widget's layout changed (rows added, a long text): ask for a new width."""
        if obj is self.widget() and event.type() == QEvent.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(obj, event)
